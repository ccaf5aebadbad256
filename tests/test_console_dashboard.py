"""The console's dashboard: coming events with their seats, waiting lists, registrations per
day and today's check-ins; relations that wait for an organization's consent."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from events import catalogue
from events import registration as reg
from events.access import Actor
from events.models import Admission, AuditEntry, Event, EventPartner, Organization
from tests.factories import ADMIN, csrf_of, log_in, make_event, make_org, make_user

NOW = datetime(2030, 6, 12, 5, 0, tzinfo=UTC)  # 14:00 in Tokyo
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def organizer_of(org: Organization) -> Actor:
    return Actor(role="organizer", organization_id=org.id, label=f"someone@{org.slug}")


async def catalogue_of_three() -> dict[str, Event]:
    """iaj's symposium (co-hosted by jpnic), jpnic's own seminar, an old iaj event."""
    for slug in ("iaj", "jpnic", "other"):
        await make_org(slug)
    await make_user("owner@iaj.example", org="iaj")
    await make_user("cohost@jpnic.example", org="jpnic")
    await make_user("stranger@other.example", org="other")
    await make_user("kanri@example.jp", "admin")
    symposium = await make_event(
        ADMIN, now=NOW, slug="symposium",
        title={"ja": "春のシンポジウム", "en": "Spring Symposium"},
        start=NOW + timedelta(days=20), format="hybrid",
        capacity={"venue": 100, "online": None},
        partners=[{"org": "iaj", "role": "organizer"}, {"org": "jpnic", "role": "co_host"}])
    seminar = await make_event(
        ADMIN, now=NOW, slug="seminar", title={"ja": "IPv6 セミナー", "en": "IPv6 Seminar"},
        start=NOW + timedelta(days=40), capacity={"venue": 2, "online": None},
        partners=[{"org": "jpnic", "role": "organizer"}])
    old = await make_event(
        ADMIN, now=NOW - timedelta(days=400), slug="old-meeting",
        title={"ja": "昨年の会合", "en": "Last year's meeting"},
        start=NOW - timedelta(days=300), partners=[{"org": "iaj", "role": "organizer"}])
    return {"symposium": symposium, "seminar": seminar, "old": old}


async def sign_up(slug: str, n: int, *, days_ago: int = 1, attendance: str = "venue") -> None:
    await reg.register(slug, {
        "name": f"山田 太郎{n}", "name_kana": "やまだ たろう", "email": f"p{n}@example.jp",
        "attendance": attendance}, now=NOW - timedelta(days=days_ago))


async def dashboard_of(browser, email: str, lang: str = "ja") -> str:
    assert (await log_in(browser, email)).status_code == 303
    page = await browser.get(f"/console/?lang={lang}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    return page.text


async def test_strangers_are_sent_to_the_login_form(browser):
    answer = await browser.get("/console/")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login?next=/console/")


async def test_admins_see_every_coming_event_with_its_seats_as_bars(browser):
    await catalogue_of_three()
    for n in range(3):
        await sign_up("symposium", n)
    await sign_up("symposium", 10, attendance="online")
    await sign_up("seminar", 20)
    await sign_up("seminar", 21)
    await sign_up("seminar", 22)  # the seminar's two seats are taken: waiting list

    html = await dashboard_of(browser, "kanri@example.jp")
    assert "春のシンポジウム" in html and "IPv6 セミナー" in html
    assert "昨年の会合" not in html, "past events are not on the dashboard"
    assert html.index("春のシンポジウム") < html.index("IPv6 セミナー"), "soonest first"
    assert html.count('class="bar') == 2, "a bar for each mode with a capacity"
    assert "3 / 100 席" in html and "1 名（定員なし）" in html
    assert "2 / 2 席 · 満席" in html and 'class="bar full"' in html
    assert "キャンセル待ち: 合計 1 名" in html
    # the bar is drawn to scale, by attributes (the CSP allows no inline style)
    assert re.search(r'<rect width="3\.0" height="1"', html)
    assert "style=" not in html
    for link in ("/console/events/seminar", "/console/events/seminar/registrations",
                 "/console/events/seminar/mail", "/console/events/seminar/door"):
        assert f'href="{link}"' in html

    english = (await browser.get("/console/?lang=en")).text
    assert "3 of 100 seats" in english and "2 of 2 seats · full" in english
    assert "Waiting list: 1 in all" in english


async def test_organizers_see_their_own_and_co_hosted_events_only(browser):
    await catalogue_of_three()
    owner = await dashboard_of(browser, "owner@iaj.example")
    assert "春のシンポジウム" in owner and "IPv6 セミナー" not in owner
    assert 'href="/console/events/symposium/mail"' in owner

    await browser.post("/console/logout", data={"csrf_token": csrf_of(owner)})
    cohost = await dashboard_of(browser, "cohost@jpnic.example")
    assert "春のシンポジウム" in cohost and "IPv6 セミナー" in cohost
    assert "共催（主催: iaj 協会）" in cohost
    assert 'href="/console/events/symposium/mail"' not in cohost, "co-hosts send no mail"
    assert 'href="/console/events/symposium/registrations"' not in cohost
    assert 'href="/console/events/seminar/registrations"' in cohost

    await Event.filter(slug="symposium").update(share_registrants=True)
    shared = (await browser.get("/console/")).text
    assert 'href="/console/events/symposium/registrations"' in shared

    await browser.post("/console/logout", data={"csrf_token": csrf_of(shared)})
    stranger = await dashboard_of(browser, "stranger@other.example")
    assert "春のシンポジウム" not in stranger and "IPv6 セミナー" not in stranger


async def test_a_pending_co_host_does_not_see_the_event_yet(browser):
    await make_org("iaj")
    jpnic = await make_org("jpnic")
    await make_user("cohost@jpnic.example", org="jpnic")
    await make_event(organizer_of(await Organization.get(slug="iaj")), now=NOW,
                     slug="asked", title={"ja": "依頼中の会", "en": "Asked"},
                     partners=[{"org": "iaj", "role": "organizer"},
                               {"org": "jpnic", "role": "co_host"}])
    assert await EventPartner.filter(organization_id=jpnic.id, status="pending").count() == 1
    html = await dashboard_of(browser, "cohost@jpnic.example")
    events = html.split('id="h-events"')[1]
    assert "依頼中の会" not in events, "only in the consent table until accepted"
    assert "依頼中の会" in html.split('id="h-events"')[0]


async def test_registrations_per_day_are_a_small_chart_with_a_text_summary(browser):
    await catalogue_of_three()
    for n in range(3):
        await sign_up("symposium", n, days_ago=2)
    await sign_up("symposium", 5, days_ago=5)
    await sign_up("symposium", 6, days_ago=45)  # older than the chart
    html = await dashboard_of(browser, "owner@iaj.example")
    chart = html[html.index("<figure"):html.index("</figure>")]
    assert 'role="img"' in chart and "<title" in chart
    assert "過去 30 日間の 1 日ごとの申込数" in chart
    assert "過去 30 日間の申込: 4 件。" in chart
    peak = (NOW - timedelta(days=2)).astimezone(TOKYO)
    assert f"最も多かったのは {peak.month}月{peak.day}日 の 3 件です。" in chart
    assert chart.count("<rect") == 2, "one bar per day with registrations"
    english = (await browser.get("/console/?lang=en")).text
    assert "4 registration(s) in the last 30 days." in english


async def test_on_the_event_day_the_dashboard_counts_todays_check_ins(browser):
    await make_org("iaj")
    await make_user("owner@iaj.example", org="iaj")
    today = await make_event(ADMIN, now=NOW - timedelta(days=3), slug="today",
                             start=NOW - timedelta(hours=2), capacity={"venue": 50},
                             partners=[{"org": "iaj", "role": "organizer"}])
    await make_event(ADMIN, now=NOW, slug="later", start=NOW + timedelta(days=3),
                     partners=[{"org": "iaj", "role": "organizer"}])
    for n in range(2):
        await sign_up("today", n, days_ago=3)
    first = await reg.list_registrations(today, {})
    day = NOW.astimezone(TOKYO).date().isoformat()
    await Admission.create(registration_id=first[0][0].id, event_id=today.id, day=day,
                           admitted_at=NOW)
    html = await dashboard_of(browser, "owner@iaj.example")
    assert html.count("本日の受付済み") == 1, "only the event whose day it is"
    assert "本日の受付済み: 1 名" in html


async def test_a_new_organizer_is_told_what_to_do_first(browser):
    await make_org("iaj")
    await make_user("new@iaj.example", org="iaj")
    html = await dashboard_of(browser, "new@iaj.example")
    assert "予定しているイベントはまだありません" in html
    assert 'href="/console/events/new"' in html and "最初のイベントを作成する" in html
    assert 'href="/console/orgs/iaj"' in html
    english = (await browser.get("/console/?lang=en")).text
    assert "Create your first event" in english


async def test_an_admin_on_an_empty_site_is_asked_for_an_organization_first(browser):
    await make_user("kanri@example.jp", "admin")
    html = await dashboard_of(browser, "kanri@example.jp")
    assert "まだ団体が登録されていません" in html and 'href="/console/orgs"' in html


async def asked_to_co_host() -> EventPartner:
    """jpnic's organizer names iaj as co-host of a jpnic event: iaj has to consent."""
    await make_org("iaj")
    jpnic = await make_org("jpnic")
    await make_org("other")
    await make_user("owner@iaj.example", org="iaj")
    await make_user("stranger@other.example", org="other")
    await make_event(organizer_of(jpnic), now=NOW, slug="ipv6-summit",
                     title={"ja": "IPv6 サミット", "en": "IPv6 Summit"},
                     partners=[{"org": "jpnic", "role": "organizer"},
                               {"org": "iaj", "role": "co_host"}])
    return await EventPartner.get(status="pending")


async def test_accepting_a_relation_on_the_dashboard_shows_the_partner_everywhere(browser):
    relation = await asked_to_co_host()
    before = await browser.get("/api/v1/events/ipv6-summit")
    assert [p["org"] for p in before.json()["partners"]] == ["jpnic"]

    html = await dashboard_of(browser, "owner@iaj.example")
    waiting = html.split('id="h-relations"')[1].split('id="h-events"')[0]
    assert "IPv6 サミット" in waiting and "jpnic 協会" in waiting and "共催" in waiting
    answer = await browser.post(f"/console/relations/{relation.id}", data={
        "csrf_token": csrf_of(html), "answer": "accept", "next": "/console/"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/?notice=relation_accepted"

    after = (await browser.get("/api/v1/events/ipv6-summit")).json()
    assert [(p["org"], p["role"]) for p in after["partners"]] == [
        ("jpnic", "organizer"), ("iaj", "co_host")]
    feed = await browser.get("/feeds/orgs/iaj.ics")
    assert feed.status_code == 200 and "IPv6 サミット" in feed.text

    page = (await browser.get(answer.headers["location"])).text
    assert "承認しました。" in page and 'id="h-relations"' not in page
    assert "IPv6 サミット" in page, "a co-host now sees the event"
    entry = await AuditEntry.get(action="relation_accepted").prefetch_related("event")
    assert entry.actor == "owner@iaj.example" and entry.event.slug == "ipv6-summit"
    assert entry.details == {"organization": "iaj", "role": "co_host"}
    assert entry.organization_id == (await Organization.get(slug="iaj")).id


async def test_declining_a_relation_removes_it(browser):
    relation = await asked_to_co_host()
    html = await dashboard_of(browser, "owner@iaj.example", lang="en")
    assert "Waiting for your consent" in html
    answer = await browser.post(f"/console/relations/{relation.id}", data={
        "csrf_token": csrf_of(html), "answer": "decline", "next": "/console/orgs/iaj"})
    assert answer.headers["location"] == "/console/orgs/iaj?notice=relation_declined"
    assert not await EventPartner.filter(id=relation.id).exists()
    assert await AuditEntry.filter(action="relation_declined").count() == 1
    feed = await browser.get("/feeds/orgs/iaj.ics")
    assert "IPv6" not in feed.text


async def test_only_the_named_organization_answers_a_relation(browser):
    relation = await asked_to_co_host()
    html = await dashboard_of(browser, "stranger@other.example")
    assert "IPv6 サミット" not in html
    for answer in ("accept", "decline"):
        refused = await browser.post(f"/console/relations/{relation.id}", data={
            "csrf_token": csrf_of(html), "answer": answer})
        assert refused.status_code == 404
    odd = await browser.post("/console/relations/not-a-number", data={
        "csrf_token": csrf_of(html), "answer": "accept"})
    assert odd.status_code == 404
    assert (await EventPartner.get(id=relation.id)).status == "pending"
    assert not await AuditEntry.filter(action__startswith="relation_").exists()


async def test_admins_answer_for_any_organization(browser):
    relation = await asked_to_co_host()
    await make_user("kanri@example.jp", "admin")
    html = await dashboard_of(browser, "kanri@example.jp")
    assert "IPv6 サミット" in html.split('id="h-events"')[0]
    bad = await browser.post(f"/console/relations/{relation.id}", data={
        "csrf_token": csrf_of(html), "answer": "maybe"})
    assert bad.status_code == 422
    answer = await browser.post(f"/console/relations/{relation.id}", data={
        "csrf_token": csrf_of(html), "answer": "accept", "next": "https://evil.example/"})
    assert answer.headers["location"] == "/console/?notice=relation_accepted"
    assert (await EventPartner.get(id=relation.id)).status == "accepted"


async def test_pending_relations_are_not_public_before_consent(browser):
    await asked_to_co_host()
    feed = await browser.get("/feeds/orgs/iaj.ics")
    assert "IPv6" not in feed.text
    assert [e.slug for e in (await catalogue.list_events({"org": "iaj"})).items] == []
