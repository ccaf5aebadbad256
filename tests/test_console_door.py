"""The console's door page: check-in counts and scans for the event's hosts, keys for its
managers."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

import time_machine

from events import access
from events.models import ApiKey, AuditEntry, Event
from tests.factories import csrf_of, log_in, make_event, make_org, make_user, session_payload

# The symposium's one day: 13:00-18:00 in Tokyo on Monday 10 February 2031.
OPENS = datetime(2031, 2, 10, 4, 0, tzinfo=UTC)
BEFORE = datetime(2031, 1, 20, 1, 0, tzinfo=UTC)
DURING = datetime(2031, 2, 10, 5, 30, tzinfo=UTC)  # 14:30 in Tokyo


async def symposium(browser, share: bool = False) -> dict[str, dict]:
    """Owned by iaj, co-hosted by jpnic: three at the venue, one online. Registered
    before the day."""
    await make_org("iaj")
    await make_org("jpnic")
    await make_event(slug="sym", format="hybrid", now=BEFORE, sessions=[
        session_payload(OPENS, hours=5, fmt="hybrid")], partners=[
        {"org": "iaj", "role": "organizer"}, {"org": "jpnic", "role": "co_host"}])
    if share:
        await Event.filter(slug="sym").update(share_registrants=True)
    people = {}
    for n, attendance in ((1, "venue"), (2, "venue"), (3, "venue"), (4, "online")):
        answer = await browser.post("/api/v1/events/sym/registrations", json={
            "name": f"参加者 {n}", "email": f"p{n}@example.jp", "attendance": attendance})
        assert answer.status_code == 201, answer.text
        people[f"p{n}"] = answer.json()
    return people


async def logged_in(browser, org: str | None = "iaj", email: str = "staff@iaj.example",
                    role: str = "organizer") -> object:
    user = await make_user(email, role, org=org)
    assert (await log_in(browser, email)).status_code == 303
    return user


async def post(browser, path: str, data: dict[str, str]):
    page = await browser.get("/console/account")
    return await browser.post(path, data={"csrf_token": csrf_of(page.text), **data})


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


async def create_key(browser, name: str = "正面受付") -> str:
    """Create a key through the console; returns the raw key from the page shown once."""
    answer = await post(browser, "/console/events/sym/door/keys", {"name": name})
    assert answer.status_code == 200, answer.text
    found = re.search(r'<code class="secret">(kaigi_[A-Za-z0-9_-]+)</code>', answer.text)
    assert found
    return found[1]


async def test_on_the_day_the_door_page_counts_entries_and_lists_scans(browser):
    with time_machine.travel(BEFORE, tick=False):
        people = await symposium(browser)
    with time_machine.travel(DURING, tick=False):
        await logged_in(browser)
        raw = await create_key(browser)
        for person, gate in (("p1", "東口"), ("p1", "西口"), ("p4", "東口")):
            await browser.post("/api/v1/events/sym/checkins", headers=bearer(raw), json={
                "code": people[person]["ticket"]["code"], "gate": gate})
        page = await browser.get("/console/events/sym/door")
    assert page.status_code == 200
    text = page.text
    assert "本日の入場（2031年2月10日(月)）" in text
    assert '<p class="door-count">1 <span class="of">/ 3</span></p>' in text
    assert "会場参加の確定者 3 人のうち 1 人が入場しました。" in text
    assert "14:30:00 時点" in text
    # The latest scans, newest first, in the event's zone, refusals standing out.
    rows = re.findall(r'<tr class="scan-([a-z_ ]+)">\s*<td class="nowrap">([^<]+)', text)
    assert rows == [("online_only refused", "14:30:00"),
                    ("already_checked_in refused", "14:30:00"), ("checked_in", "14:30:00")]
    assert '<strong class="pill failed">受付済み</strong>' in text
    assert '<strong class="pill failed">オンライン参加の登録</strong>' in text
    assert '<span class="pill sent">受付完了</span>' in text
    assert "参加者 1" in text and "西口" in text
    assert "読み取り 3 件（うちオフライン 0 件）、重複入場 0 件" in text

    english = await _get_during(browser, "/console/events/sym/door?lang=en")
    assert "In today (Mon 10 Feb 2031)" in english
    assert "1 of 3 confirmed venue attendees are in." in english
    assert "Already checked in" in english and "Check-in keys" in english


async def _get_during(browser, path: str) -> str:
    with time_machine.travel(DURING, tick=False):
        page = await browser.get(path)
    assert page.status_code == 200
    return page.text


async def test_duplicate_offline_entries_stand_out(browser):
    with time_machine.travel(BEFORE, tick=False):
        people = await symposium(browser)
    with time_machine.travel(DURING, tick=False):
        await logged_in(browser)
        raw = await create_key(browser)
        code = people["p3"]["ticket"]["code"]
        for nonce, gate, at in (("a-1", "東口", "2031-02-10T14:00:00"),
                                ("b-1", "西口", "2031-02-10T14:05:00")):
            await browser.post("/api/v1/events/sym/checkins", headers=bearer(raw), json={
                "code": code, "gate": gate, "nonce": nonce, "scanned_at": at})
        page = await browser.get("/console/events/sym/door?lang=en")
    text = page.text
    assert '<tr class="scan-duplicate duplicate">' in text
    assert '<strong class="pill pending">Duplicate entry</strong>' in text
    assert "Duplicate entries to follow up" in text
    assert "2031-02-10 14:05 西口" in text and "2031-02-10 14:00 東口" in text
    assert "2 scan(s), 2 of them offline; duplicate entries: 1" in text


async def test_before_the_day_there_is_no_live_count(browser):
    with time_machine.travel(BEFORE, tick=False):
        await symposium(browser)
        await logged_in(browser)
        page = await browser.get("/console/events/sym/door")
    assert page.status_code == 200
    assert "本日の入場" not in page.text and "door-count" not in page.text
    assert "2031年2月10日(月)" in page.text and "まだ読み取りはありません。" in page.text
    assert 'http-equiv="refresh"' not in page.text


async def test_the_live_count_can_refresh_itself(browser):
    with time_machine.travel(BEFORE, tick=False):
        await symposium(browser)
    with time_machine.travel(DURING, tick=False):
        await logged_in(browser)
        page = await browser.get("/console/events/sym/door?live=1")
    assert '<meta http-equiv="refresh" content="30">' in page.text
    assert "自動更新を止める" in page.text


async def test_a_key_is_shown_once_with_its_setup_qr_then_only_its_prefix(browser):
    with time_machine.travel(BEFORE, tick=False):
        await symposium(browser)
    user = await logged_in(browser)
    answer = await post(browser, "/console/events/sym/door/keys", {"name": "正面受付"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"
    raw = re.search(r'<code class="secret">(kaigi_[A-Za-z0-9_-]+)</code>', answer.text)
    assert raw
    assert f"/checkin/sym#key={raw[1]}" in answer.text
    image = re.search(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', answer.text)
    assert image and base64.b64decode(image[1]).startswith(b"\x89PNG")
    key = await ApiKey.get(name="正面受付")
    assert (key.role, key.event_id, key.prefix) == ("checkin", (await Event.get(
        slug="sym")).id, raw[1][:10])
    entry = await AuditEntry.get(action="key_created")
    assert entry.user_id == user.id and entry.details["prefix"] == key.prefix  # type: ignore[attr-defined]

    # The key works at the door's API; the page lists it by its prefix only.
    assert (await browser.get("/api/v1/events/sym/checkins/stats",
                              headers=bearer(raw[1]))).status_code == 200
    page = await browser.get("/console/events/sym/door")
    assert raw[1] not in page.text
    assert f"<code>{key.prefix}…</code>" in page.text and "正面受付" in page.text

    # A second key of the same name is refused (a reload of the form makes no second key).
    twice = await post(browser, "/console/events/sym/door/keys?lang=en", {"name": "正面受付"})
    assert twice.status_code == 422
    assert "an active key of this event already has this name" in twice.text
    assert 'aria-describedby="e-key_name"' in twice.text
    assert await ApiKey.all().count() == 1
    blank = await post(browser, "/console/events/sym/door/keys", {"name": " "})
    assert blank.status_code == 422 and "入力してください。" in blank.text


async def test_revoking_a_key_asks_first_then_the_key_stops_working(browser):
    with time_machine.travel(BEFORE, tick=False):
        await symposium(browser)
    user = await logged_in(browser)
    raw = await create_key(browser, "Gate B")
    key = await ApiKey.get(name="Gate B")
    confirm = await browser.get(f"/console/events/sym/door/keys/{key.id}/revoke?lang=en")
    assert confirm.status_code == 200
    assert f"Revoke the check-in key Gate B ({key.prefix}…)?" in confirm.text
    assert (await ApiKey.get(id=key.id)).revoked_at is None

    done = await post(browser, f"/console/events/sym/door/keys/{key.id}/revoke", {})
    assert done.status_code == 303
    assert done.headers["location"] == "/console/events/sym/door?notice=key_revoked"
    assert (await ApiKey.get(id=key.id)).revoked_at is not None
    entry = await AuditEntry.get(action="key_revoked")
    assert entry.user_id == user.id and entry.target == f"key #{key.id}"  # type: ignore[attr-defined]
    refused = await browser.get("/api/v1/events/sym/checkins/stats", headers=bearer(raw))
    assert refused.status_code == 401
    page = await browser.get(done.headers["location"])
    assert "受付キーを無効にしました。" in page.text and "に無効化" in page.text
    assert f"/door/keys/{key.id}/revoke" not in page.text
    again = await post(browser, f"/console/events/sym/door/keys/{key.id}/revoke", {})
    assert again.status_code == 404


async def test_a_co_host_sees_the_counts_but_no_keys_and_no_names_unless_shared(browser):
    with time_machine.travel(BEFORE, tick=False):
        people = await symposium(browser)
    _, raw = await access.create_key("door", "checkin", event_slug="sym")
    with time_machine.travel(DURING, tick=False):
        scanned = await browser.post("/api/v1/events/sym/checkins", headers=bearer(raw),
                                     json={"code": people["p2"]["ticket"]["code"]})
    assert scanned.json()["result"] == "checked_in"
    await logged_in(browser, "jpnic", "cohost@jpnic.example")
    page = await browser.get("/console/events/sym/door")
    assert page.status_code == 200
    assert "参加方法ごとの人数" in page.text
    assert "受付キー" not in page.text and "/door/keys" not in page.text
    assert "参加者 2" not in page.text
    assert f"受付番号 {people['p2']['id']}" in page.text
    assert "/mail" not in page.text

    created = await post(browser, "/console/events/sym/door/keys", {"name": "mine"})
    assert created.status_code == 404
    key = await ApiKey.get()
    assert (await browser.get(f"/console/events/sym/door/keys/{key.id}/revoke")
            ).status_code == 404
    assert (await post(browser, f"/console/events/sym/door/keys/{key.id}/revoke",
                       {})).status_code == 404
    assert await ApiKey.filter(revoked_at=None).count() == 1

    await Event.filter(slug="sym").update(share_registrants=True)
    shared = await browser.get("/console/events/sym/door")
    assert "参加者 2" in shared.text


async def test_strangers_are_sent_to_log_in_and_other_organizations_see_nothing(browser):
    with time_machine.travel(BEFORE, tick=False):
        await symposium(browser)
    answer = await browser.get("/console/events/sym/door")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login?next=/console/events/sym/door")
    await make_org("other")
    await logged_in(browser, "other", "someone@other.example")
    assert (await browser.get("/console/events/sym/door")).status_code == 404
    assert (await post(browser, "/console/events/sym/door/keys",
                       {"name": "x"})).status_code == 404
    assert (await browser.get("/console/events/nope/door")).status_code == 404
    assert await ApiKey.all().count() == 0

    await make_user("kanri@example.jp", "admin")
    await log_in(browser, "kanri@example.jp")
    page = await browser.get("/console/events/sym/door?lang=en")
    assert page.status_code == 200 and "Create a check-in key" in page.text
