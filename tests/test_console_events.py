"""The event editor: the console form over the API's rules, versions against stale saves,
a confirmation before attendees are mailed, previews, and the audit of every change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from events import catalogue
from events.access import Actor
from events.errors import Code, Conflict
from events.models import AuditEntry, Event, Notification, Organization, Series
from tests.factories import (
    ADMIN,
    csrf_of,
    log_in,
    make_event,
    make_org,
    make_user,
    session_payload,
)

NOW = datetime(2021, 3, 1, 9, tzinfo=UTC)


# ---- the domain: versions and the audit ---------------------------------------------------

async def test_every_save_raises_the_version_and_a_stale_one_is_refused(database):
    event = await make_event(slug="v", now=NOW)
    assert event.version == 0
    changed = await catalogue.update_event("v", {"summary": "一"}, actor=ADMIN, now=NOW,
                                           expected_version=0)
    assert changed.version == 1
    with pytest.raises(Conflict) as refused:
        await catalogue.update_event("v", {"summary": "二"}, actor=ADMIN, now=NOW,
                                     expected_version=0)
    assert refused.value.code == Code.STALE_EDIT
    assert (await Event.get(slug="v")).summary_ja == "一"
    # Without an expected version (the API), a save still raises it.
    assert (await catalogue.update_event("v", {}, actor=ADMIN, now=NOW)).version == 2


async def test_of_two_saves_from_the_same_version_exactly_one_wins(database):
    await make_event(slug="race", now=NOW)

    async def save(text: str) -> str:
        try:
            await catalogue.update_event("race", {"summary": text}, actor=ADMIN, now=NOW,
                                         expected_version=0)
            return "saved"
        except Conflict as exc:
            return exc.code

    outcomes = await asyncio.gather(save("A"), save("B"))
    assert sorted(map(str, outcomes)) == ["saved", "stale_edit"]
    event = await Event.get(slug="race")
    assert event.version == 1
    assert event.summary_ja == ("A" if outcomes[0] == "saved" else "B")


async def test_creating_and_changing_an_event_is_audited_old_to_new(database):
    org = await make_org("iajapan")
    organizer = Actor(role="organizer", organization_id=org.id, label="o@example.jp")
    await make_event(organizer, slug="audited", now=NOW, capacity={"venue": 50})
    await catalogue.update_event("audited", {
        "capacity": {"venue": 80}, "venue": {"name": "新会場", "name_en": "New hall"},
        "contact_email": "info@example.jp"}, actor=organizer, now=NOW, client="192.0.2.1")
    created, changed = await AuditEntry.all().order_by("id")
    assert (created.action, created.actor, created.target) == (
        "event_created", "o@example.jp", "audited")
    assert created.details["venue_capacity"] == [None, 50]
    assert changed.action == "event_changed" and changed.client == "192.0.2.1"
    assert changed.details == {
        "venue_name": ["会場", "新会場"], "venue_address": ["東京都", ""],
        "venue_name_en": ["", "New hall"], "venue_capacity": [50, 80],
        "contact_email": ["", "info@example.jp"]}
    assert changed.organization_id == org.id


async def test_the_api_takes_and_gives_the_new_fields(client, admin):
    await make_org("jpaawg")
    body = {"slug": "new-fields", "title": "新項目",
            "sessions": [session_payload(datetime(2030, 1, 1, 10, tzinfo=UTC))],
            "venue": {"name": "会場", "address": "東京", "name_en": "Hall",
                      "address_en": "Tokyo", "map_url": "https://maps.example/hall"},
            "contact_email": "info@example.jp", "membership_choices": ["member", "jpaawg"],
            "share_registrants": True}
    created = await client.post("/api/v1/events", json=body, headers=admin)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["venue"] == {"name": "会場", "address": "東京", "name_en": "Hall",
                               "address_en": "Tokyo", "map_url": "https://maps.example/hall"}
    assert answer["contact_email"] == "info@example.jp"
    assert answer["membership_choices"] == ["member", "jpaawg"]
    assert answer["share_registrants"] is True and answer["version"] == 0
    # An older client's venue (no English, no map) keeps what it does not know.
    patched = await client.patch("/api/v1/events/new-fields", headers=admin,
                                 json={"venue": {"name": "別会場", "address": "大阪"}})
    assert patched.json()["venue"]["name_en"] == "Hall" and patched.json()["version"] == 1
    bad = await client.patch("/api/v1/events/new-fields", headers=admin, json={
        "membership_choices": ["member", "nobody"], "contact_email": "not an address"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"membership_choices[1]",
                                                         "contact_email"}


# ---- the console: reading and sending the form as a browser does ----------------------------

class FormReader(HTMLParser):
    """The fields a browser would send from the page's first POST form: inputs with their
    values, checked boxes only, each select's chosen option, textareas; no buttons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self.in_form = self.done = False
        self.select: tuple[str, list[tuple[str, bool]]] | None = None
        self.textarea: list[str] | None = None
        self.textarea_name = ""
        self.option: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post" and not self.done and (
                "/logout" not in a.get("action", "")):
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = (a["name"], [])
        elif tag == "option" and self.select is not None:
            self.select[1].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self.textarea, self.textarea_name = [], a["name"]

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True
        elif tag == "select" and self.select is not None:
            name, options = self.select
            chosen = [v for v, selected in options if selected] or [options[0][0]]
            self.fields.append((name, chosen[0]))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.fields.append((self.textarea_name, "".join(self.textarea)))
            self.textarea = None


def form_of(html: str) -> dict[str, Any]:
    """The form as a dict; a name given more than once (checkboxes) maps to a list."""
    reader = FormReader()
    reader.feed(html)
    form: dict[str, Any] = {}
    for name, value in reader.fields:
        if name in form:
            form[name] = [*(form[name] if isinstance(form[name], list) else [form[name]]),
                          value]
        else:
            form[name] = [value] if name == "membership" else value
    return form


async def submit(browser, url: str, form: dict[str, Any], action: str = "save",
                 **changes: Any):
    """Press a button of the form, after changing some fields (None unchecks or clears)."""
    data = {**form, **changes, "action": action}
    return await browser.post(url, data={k: v for k, v in data.items() if v is not None})


async def organizer(browser, email: str, org: str) -> None:
    await make_user(email, org=org)
    assert (await log_in(browser, email)).status_code == 303


def session_rows(*rows: tuple[str, str, str, str, str]) -> dict[str, str]:
    """Session inputs: (day, start, end, format, title), a day "04-14..04-16" spanning days."""
    fields = {}
    for i, (day, start, end, fmt, title) in enumerate(rows):
        first, _, last = day.partition("..")
        fields |= {f"s-{i}-id": "", f"s-{i}-start_date": f"2021-{first}",
                   f"s-{i}-start_time": start, f"s-{i}-end_time": end,
                   f"s-{i}-end_date": f"2021-{last}" if last else "", f"s-{i}-format": fmt,
                   f"s-{i}-title_ja": title, f"s-{i}-title_en": "", f"s-{i}-venue_name": "",
                   f"s-{i}-venue_address": ""}
    return fields


async def interop_orgs() -> None:
    await make_org("iajapan", name_ja="インターネット協会", name_en="Internet Association")
    await make_org("jpaawg", name_ja="JPAAWG", name_en="JPAAWG")
    await make_org("other", name_ja="別団体", name_en="Another association")


# ---- creating through the form ---------------------------------------------------------------

async def test_an_organizer_creates_a_three_part_hybrid_event_with_a_co_host(browser):
    await interop_orgs()
    await organizer(browser, "staff@iajapan.example", "iajapan")
    page = await browser.get("/console/events/new")
    assert page.status_code == 200
    form = form_of(page.text)
    assert form["p-0-org"] == "iajapan" and form["p-0-role"] == "organizer"
    assert form["membership"] == ["member", "oic_member"] and form["status"] == "draft"

    # Without JavaScript, rows are added by pressing the buttons: the form comes back.
    more = await submit(browser, "/console/events/new", form, "add_partner",
                        title_ja="Interop Tokyo 2021")
    assert more.status_code == 200
    form = form_of(more.text)
    assert form["title_ja"] == "Interop Tokyo 2021" and form["p-1-role"] == "co_host"
    assert '<select id="f-p-1-org" name="p-1-org" autofocus>' in more.text
    more = await submit(browser, "/console/events/new", form, "add_session")
    form = form_of(more.text)
    assert "s-1-start_date" in form

    form |= session_rows(
        # Part 1: at the venue, streamed live
        ("04-14", "10:00", "18:00", "hybrid", "幕張会場 1日目"),
        ("04-15..04-16", "10:00", "17:00", "hybrid", "幕張会場 2〜3日目"),
        # Part 2: online days
        ("04-21", "13:00", "17:00", "online", "オンラインデイ 1"),
        ("04-22", "13:00", "17:00", "online", "オンラインデイ 2"),
        # Part 3: the online conference period
        ("06-14..06-16", "10:00", "18:00", "online", "オンラインカンファレンス 前半"),
        ("06-17..06-18", "10:00", "18:00", "online", "オンラインカンファレンス 後半"),
    )
    form |= {"slug": "interop-2021", "title_en": "Interop Tokyo 2021",
             "summary_ja": "ネットワークの総合イベント", "status": "scheduled",
             "venue_name": "幕張メッセ", "venue_name_en": "Makuhari Messe",
             "venue_address": "千葉県千葉市美浜区中瀬2-1",
             "venue_address_en": "2-1 Nakase, Mihama-ku, Chiba",
             "venue_map_url": "https://maps.example/makuhari",
             "stream_url": "https://stream.example.net/interop", "venue_capacity": "300",
             "online_capacity": "", "contact_email": "info@interop.example",
             "membership": ["member", "jpaawg"], "share_registrants": "1",
             "p-1-org": "jpaawg", "p-1-role": "co_host"}
    created = await submit(browser, "/console/events/new", form)
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/console/events/interop-2021?notice=event_created"

    event = await catalogue.get_event("interop-2021")
    assert [s.format for s in event.session_list] == ["hybrid"] * 2 + ["online"] * 4
    second = event.session_list[1]
    assert second.starts_at == datetime(2021, 4, 15, 1, tzinfo=UTC)
    assert second.ends_at == datetime(2021, 4, 16, 8, tzinfo=UTC)  # 17:00 in Tokyo
    assert event.format == "hybrid" and event.stream_url == "https://stream.example.net/interop"
    assert (event.venue_capacity, event.online_capacity) == (300, None)
    assert event.membership_choices == "member,jpaawg" and event.share_registrants
    assert event.owner.slug == "iajapan"
    # The co-host relation waits for JPAAWG's consent: nowhere public until then.
    assert [p.organization.slug for p in event.partner_list] == ["iajapan"]
    [pending] = event.pending_partners
    assert (pending.organization.slug, pending.role) == ("jpaawg", "co_host")
    public = (await browser.get("/api/v1/events/interop-2021")).json()
    assert [p["org"] for p in public["partners"]] == ["iajapan"]
    assert (await browser.get("/api/v1/events?org=jpaawg")).json()["items"] == []
    assert "interop-2021" not in (await browser.get("/feeds/organizations/jpaawg.ics")).text
    editor = await browser.get(created.headers["location"])
    assert "承諾待ち" in editor.text and "イベントを作成しました。" in editor.text

    jpaawg = await Organization.get(slug="jpaawg")
    await catalogue.answer_relation(pending.id, accept=True, now=NOW, actor=Actor(
        role="organizer", organization_id=jpaawg.id))
    public = (await browser.get("/api/v1/events/interop-2021")).json()
    assert [(p["org"], p["role"]) for p in public["partners"]] == [
        ("iajapan", "organizer"), ("jpaawg", "co_host")]
    assert public["venue"]["map_url"] == "https://maps.example/makuhari"
    assert [e["slug"] for e in (await browser.get("/api/v1/events?org=jpaawg")).json()[
        "items"]] == ["interop-2021"]
    assert "承諾待ち" not in (await browser.get("/console/events/interop-2021")).text

    entry = await AuditEntry.get(action="event_created")
    assert entry.actor == "staff@iajapan.example" and entry.event_id == event.id
    assert entry.details["title_ja"] == [None, "Interop Tokyo 2021"]
    assert entry.details["partners"] == [None, "iajapan organizer, jpaawg co_host"]


async def test_a_new_event_offers_only_the_series_the_user_may_use(browser):
    await interop_orgs()
    iaj, jpaawg = await Organization.get(slug="iajapan"), await Organization.get(slug="jpaawg")
    await Series.create(slug="oic", name_ja="OIC シンポジウム", name_en="OIC",
                        organization=iaj)
    await Series.create(slug="anti-spam", name_ja="迷惑メール対策カンファレンス",
                        name_en="Anti-spam", organization=jpaawg)
    await organizer(browser, "staff@iajapan.example", "iajapan")
    page = (await browser.get("/console/events/new")).text
    assert 'value="oic"' in page and 'value="anti-spam"' not in page
    await make_user("kanri@example.jp", "admin")
    await log_in(browser, "kanri@example.jp")
    page = (await browser.get("/console/events/new")).text
    assert 'value="oic"' in page and 'value="anti-spam"' in page


async def test_errors_are_shown_next_to_their_inputs_in_the_page_language(browser):
    await interop_orgs()
    await organizer(browser, "staff@iajapan.example", "iajapan")
    for lang, ends, label, slug, title in [
            ("ja", "終了日時は開始日時より後にしてください。", "セッション 2: 終了時刻",
             "スラッグ（URL 名）", "イベント名（日本語）"),
            ("en", "must be after starts_at", "Session 2: Ends", "Slug (address name)",
             "Title (Japanese)")]:
        form = form_of((await browser.get(f"/console/events/new?lang={lang}")).text)
        form |= session_rows(("04-14", "10:00", "18:00", "hybrid", ""),
                             ("04-15", "18:00", "10:00", "online", ""))
        refused = await submit(browser, f"/console/events/new?lang={lang}", form,
                               slug="bad", title_ja="")
        assert refused.status_code == 422
        html = refused.text
        assert f'<span class="field-error" id="e-s-1-end_time">{ends}</span>' in html
        assert ('<input id="f-s-1-end_time" name="s-1-end_time" type="time" value="10:00" '
                'aria-invalid="true" aria-describedby=" e-s-1-end_time">') in html
        assert 'role="alert"' in html and f'<a href="#f-s-1-end_time">{label}: {ends}</a>' in html
        assert f'<a href="#f-title_ja">{title}:' in html and f'{slug}:' not in html
        # What was typed stays.
        assert form_of(html)["s-1-start_time"] == "18:00"

        # Half a date is the form's own problem, shown with the API's others.
        form |= session_rows(("04-14", "", "18:00", "hybrid", ""))
        refused = await submit(browser, f"/console/events/new?lang={lang}", form,
                               slug="Not A Slug", title_ja="題名")
        half = {"ja": "日付と時刻の両方を入力してください。",
                "en": "needs both a date and a time"}[lang]
        assert f'<span class="field-error" id="e-s-0-start_date">{half}</span>' in refused.text
        assert f'<a href="#f-slug">{slug}:' in refused.text
    assert await Event.all().count() == 0


async def test_a_taken_slug_is_named_on_its_field(browser):
    await interop_orgs()
    await make_event(slug="taken", partners=[{"org": "iajapan", "role": "organizer"}])
    await organizer(browser, "staff@iajapan.example", "iajapan")
    form = form_of((await browser.get("/console/events/new")).text)
    form |= session_rows(("04-14", "10:00", "12:00", "in_person", ""))
    refused = await submit(browser, "/console/events/new", form, slug="taken", title_ja="重複")
    assert refused.status_code == 409
    assert "このスラッグは既に使われています。" in refused.text


async def test_an_organizer_keeps_their_organization_as_the_first_organizer(browser):
    await interop_orgs()
    await organizer(browser, "staff@iajapan.example", "iajapan")
    form = form_of((await browser.get("/console/events/new")).text)
    form |= session_rows(("04-14", "10:00", "12:00", "in_person", ""))
    refused = await submit(browser, "/console/events/new", form, slug="not-ours",
                           title_ja="他団体の主催", **{"p-0-org": "jpaawg"})
    assert refused.status_code == 422
    assert ('<a href="#f-partners">主催・共催・後援など: '
            'あなたの団体を最初の「主催」にしてください。') in refused.text
    assert form_of(refused.text)["p-0-org"] == "jpaawg"
    assert await Event.all().count() == 0


# ---- editing ---------------------------------------------------------------------------------

async def owned_event(slug: str = "symposium", **kw: Any) -> Event:
    """An event of iajapan's, made by its organizer: JPAAWG's co-hosting awaits consent."""
    start = datetime(2031, 2, 3, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
    iaj = await Organization.get(slug="iajapan")
    return await make_event(
        Actor(role="organizer", organization_id=iaj.id), slug=slug, now=NOW, format="hybrid",
        start=start, partners=[{"org": "iajapan", "role": "organizer"},
                               {"org": "jpaawg", "role": "co_host"}], **kw)


async def register(browser, slug: str, n: int, attendance: str = "venue") -> dict[str, Any]:
    answer = await browser.post(f"/api/v1/events/{slug}/registrations", json={
        "name": f"参加者 {n}", "email": f"p{n}@example.jp", "attendance": attendance})
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_plain_edit_saves_at_once_and_is_audited_old_to_new(browser):
    await interop_orgs()
    await owned_event(capacity={"venue": 100})
    before = await catalogue.get_event("symposium")
    [waiting] = before.pending_partners
    await organizer(browser, "staff@iajapan.example", "iajapan")
    form = form_of((await browser.get("/console/events/symposium")).text)
    assert form["version"] == "0" and form["s-0-start_time"] == "10:00"
    saved = await submit(browser, "/console/events/symposium", form,
                         summary_ja="新しい概要", venue_capacity="120")
    assert saved.status_code == 303
    assert saved.headers["location"] == "/console/events/symposium?notice=event_saved"
    event = await Event.get(slug="symposium")
    assert (event.summary_ja, event.venue_capacity, event.version) == ("新しい概要", 120, 1)
    entry = await AuditEntry.get(action="event_changed")
    assert entry.details == {"summary_ja": ["概要", "新しい概要"], "venue_capacity": [100, 120]}
    assert entry.actor == "staff@iajapan.example" and entry.client == "127.0.0.1"
    # Sessions keep their ids (calendar UIDs); partners not changed are not sent, so the
    # relation waiting for consent is the same one.
    after = await catalogue.get_event("symposium")
    assert [s.id for s in after.session_list] == [s.id for s in before.session_list]
    assert [p.id for p in after.pending_partners] == [waiting.id]


async def test_a_stale_save_is_refused_and_keeps_what_was_typed(browser):
    await interop_orgs()
    await owned_event()
    await organizer(browser, "staff@iajapan.example", "iajapan")
    mine = form_of((await browser.get("/console/events/symposium")).text)
    theirs = form_of((await browser.get("/console/events/symposium")).text)
    assert (await submit(browser, "/console/events/symposium", theirs,
                         title_ja="彼らの題名")).status_code == 303

    stale = await submit(browser, "/console/events/symposium", mine, title_ja="私の題名",
                         summary_ja="私の概要")
    assert stale.status_code == 409
    assert "他の人が先に保存しました" in stale.text
    again = form_of(stale.text)
    assert again["title_ja"] == "私の題名" and again["summary_ja"] == "私の概要"
    assert again["version"] == "1"
    assert "<th scope=\"row\">イベント名（日本語）</th><td>彼らの題名</td><td>私の題名</td>" in (
        stale.text)
    assert (await Event.get(slug="symposium")).title_ja == "彼らの題名"
    english = await submit(browser, "/console/events/symposium?lang=en", mine)
    assert "Someone else saved this event first" in english.text
    # Compared, the user saves again on purpose.
    assert (await submit(browser, "/console/events/symposium", again)).status_code == 303
    assert (await Event.get(slug="symposium")).title_ja == "私の題名"


async def test_cancelling_asks_first_and_says_who_is_mailed(browser):
    await interop_orgs()
    await owned_event(capacity={"venue": 2})
    people = [await register(browser, "symposium", n) for n in range(1, 5)]
    assert [p["status"] for p in people] == ["confirmed", "confirmed", "waitlisted",
                                             "waitlisted"]
    cancelled = await browser.post(
        f"/api/v1/registrations/{people[3]['id']}/cancel?token={people[3]['token']}")
    assert cancelled.status_code == 200
    await organizer(browser, "staff@iajapan.example", "iajapan")
    form = form_of((await browser.get("/console/events/symposium")).text)

    asked = await submit(browser, "/console/events/symposium", form, status="cancelled")
    assert asked.status_code == 200
    assert "公開状態: 開催予定 → 中止" in asked.text
    assert ("参加登録者 3 人（参加確定・キャンセル待ち）に「開催中止のお知らせ」のメールを"
            "送ります。") in asked.text
    assert (await Event.get(slug="symposium")).status == "scheduled"
    assert await Notification.filter(purpose="event_cancelled").count() == 0

    back = await submit(browser, "/console/events/symposium", form_of(asked.text), "edit")
    assert back.status_code == 200 and form_of(back.text)["status"] == "cancelled"

    done = await submit(browser, "/console/events/symposium", form_of(asked.text))
    assert done.status_code == 303
    assert (await Event.get(slug="symposium")).status == "cancelled"
    assert await Notification.filter(purpose="event_cancelled").count() == 3
    entry = await AuditEntry.get(action="event_changed")
    assert entry.details["status"] == ["scheduled", "cancelled"]

    english = await submit(browser, "/console/events/symposium?lang=en", form_of(
        (await browser.get("/console/events/symposium")).text), status="postponed")
    assert 'Saving mails "The event has changed" to 3 registrant(s)' in unescape(english.text)


async def test_moving_a_session_asks_first_but_a_draft_does_not(browser):
    await interop_orgs()
    await owned_event()
    await owned_event("draft-one", status="draft")
    await organizer(browser, "staff@iajapan.example", "iajapan")
    form = form_of((await browser.get("/console/events/symposium")).text)
    asked = await submit(browser, "/console/events/symposium", form,
                         **{"s-0-start_time": "11:00"})
    assert asked.status_code == 200 and "変更の確認" in asked.text
    assert "参加登録者がまだいないため、メールは送られません。" in asked.text
    assert ("<td>2031-02-03 10:00–13:00 hybrid</td><td>2031-02-03 11:00–13:00 hybrid</td>"
            in asked.text)
    draft = form_of((await browser.get("/console/events/draft-one")).text)
    assert (await submit(browser, "/console/events/draft-one", draft,
                         **{"s-0-start_time": "11:00"})).status_code == 303


async def test_a_capacity_below_the_confirmed_seats_asks_first(browser):
    await interop_orgs()
    await owned_event(capacity={"venue": 10})
    for n in range(1, 4):
        await register(browser, "symposium", n)
    await organizer(browser, "staff@iajapan.example", "iajapan")
    form = form_of((await browser.get("/console/events/symposium")).text)
    assert "現在の参加確定: 3 人" in (await browser.get("/console/events/symposium")).text
    asked = await submit(browser, "/console/events/symposium", form, venue_capacity="2")
    assert asked.status_code == 200
    assert "会場参加の定員を 2 人にしますが、すでに 3 人が参加確定しています。" in asked.text
    assert "この変更ではメールは送られません。" in asked.text
    assert (await Event.get(slug="symposium")).venue_capacity == 10
    assert (await submit(browser, "/console/events/symposium", form_of(asked.text))
            ).status_code == 303
    assert (await Event.get(slug="symposium")).venue_capacity == 2
    # Raising it again (still below) asks again; one at or above the count does not.
    form = form_of((await browser.get("/console/events/symposium")).text)
    assert (await submit(browser, "/console/events/symposium", form, venue_capacity="3")
            ).status_code == 303


# ---- who may see and change --------------------------------------------------------------

async def test_only_managers_edit_co_hosts_look_and_others_get_404(browser):
    await interop_orgs()
    event = await owned_event("shared", stream_url="https://stream.example.net/secret")
    assert (await browser.get("/console/events/shared")).status_code == 303  # logged out

    await organizer(browser, "staff@other.example", "other")
    for path in ("/console/events/shared", "/console/events/shared/preview"):
        assert (await browser.get(path)).status_code == 404
    csrf = csrf_of((await browser.get("/console/account")).text)
    assert (await browser.post("/console/events/shared", data={
        "csrf_token": csrf, "title_ja": "乗っ取り"})).status_code == 404

    # JPAAWG's relation is pending: it sees nothing yet.
    await organizer(browser, "staff@jpaawg.example", "jpaawg")
    assert (await browser.get("/console/events/shared")).status_code == 404
    [relation] = (await catalogue.get_event("shared", include_drafts=True)).pending_partners
    await catalogue.answer_relation(relation.id, accept=True, now=NOW, actor=ADMIN)
    page = await browser.get("/console/events/shared")
    assert page.status_code == 200
    assert "共催団体として閲覧しています。" in page.text
    assert '<fieldset class="plain" disabled>' in page.text
    assert 'value="save"' not in page.text and "stream.example.net" not in page.text
    assert (await browser.get("/console/events/shared/preview")).status_code == 404
    form = form_of(page.text)
    refused = await submit(browser, "/console/events/shared",
                           {**form, "csrf_token": csrf_of(page.text)}, title_ja="変更")
    assert refused.status_code == 403
    assert (await Event.get(id=event.id)).title_ja == "テストイベント"


async def test_a_draft_preview_shows_the_public_page_to_managers(browser):
    await interop_orgs()
    await owned_event("secret", status="draft", description={"ja": "詳しい説明"})
    assert (await browser.get("/events/secret")).status_code == 404
    await organizer(browser, "staff@iajapan.example", "iajapan")
    preview = await browser.get("/console/events/secret/preview")
    assert preview.status_code == 200
    assert "プレビュー" in preview.text and "この下書きはまだ公開されていません。" in preview.text
    assert "詳しい説明" in preview.text and "テストイベント" in preview.text
    assert "/events/secret/register" not in preview.text
    assert preview.headers["cache-control"] == "no-store"
    english = await browser.get("/console/events/secret/preview?lang=en")
    assert "This draft is not public yet" in english.text and "Test event" in english.text


async def test_the_editor_speaks_japanese_and_english(browser):
    await interop_orgs()
    await owned_event()
    await organizer(browser, "staff@iajapan.example", "iajapan")
    ja = (await browser.get("/console/events/symposium")).text
    en = (await browser.get("/console/events/symposium?lang=en")).text
    for words in ("日時・プログラム", "セッションを追加", "会場名（英語）", "共催",
                  "参加者情報を共催団体と共有する", "共同利用", "空欄は定員なし", "保存する"):
        assert words in ja, words
    for words in ("Sessions", "Add a session", "Venue (English)", "Co-host",
                  "Share the registrants with the co-hosts", "joint users", "Empty: no limit",
                  "Save"):
        assert words in en, words
    assert '<html lang="en">' in en
