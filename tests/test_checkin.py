"""Check-in at the door through HTTP: results, per-day entry, retries, offline uploads."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events import access, checkin, tickets
from events.models import Admission, Registration, Scan
from tests.browser import missing
from tests.conftest import SECRET
from tests.factories import make_event, make_org, session_payload

TOKYO = ZoneInfo("Asia/Tokyo")
# The door's "today" is Tokyo's, so these tests run on a fixed clock (2 pm there), never
# across its midnight; tests/test_clock.py runs a sample of them at the edges of the day.
FIXED_NOW = datetime(2030, 6, 12, 14, 0, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def fixed_clock():
    """Everything that reads the time (requests, keys, factories) reads FIXED_NOW."""
    with time_machine.travel(FIXED_NOW.astimezone(UTC), tick=False):
        yield FIXED_NOW


def person(n: int = 1, **kw):
    return {"name": f"山田 太郎{n}", "name_kana": "やまだ たろう", "email": f"taro{n}@example.jp",
            "affiliation": "インターネット協会", **kw}


def local_midnight() -> datetime:
    return datetime.now(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)


async def today_event(slug: str = "door", fmt: str = "in_person", **kw):
    """An event with one venue session filling today (Tokyo), midnight to midnight: its door
    and its registration are open until the day ends."""
    kw.setdefault("sessions", [session_payload(local_midnight(), hours=24, fmt=fmt)])
    return await make_event(slug=slug, format=fmt, **kw)


async def clear_of_midnight(margin: timedelta = timedelta(minutes=2)) -> None:
    """For tests against a server in another process, where no clock can be fixed: start
    on the day it will scan on. A door's "today" is Tokyo's, and a test straddling midnight
    there would scan on two days; in the day's last minutes, wait for the next one (two
    minutes at most, rarely)."""
    now = datetime.now(TOKYO)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if midnight - now < margin:
        await asyncio.sleep((midnight - now).total_seconds() + 1)


async def register(client, slug: str, n: int = 1, **kw) -> dict:
    response = await client.post(f"/api/v1/events/{slug}/registrations", json=person(n, **kw))
    assert response.status_code == 201, response.text
    return response.json()


async def door_key(slug: str) -> dict[str, str]:
    _, raw = await access.create_key(f"door {slug}", "checkin", event_slug=slug)
    return {"Authorization": f"Bearer {raw}"}


async def scan(client, slug: str, key: dict[str, str], **body):
    return await client.post(f"/api/v1/events/{slug}/checkins", headers=key, json=body)


async def test_first_scan_checks_in_and_the_second_is_refused_with_the_first_entry(client):
    event = await today_event()
    ticket = await register(client, "door")
    key = await door_key("door")

    first = await scan(client, "door", key, code=ticket["ticket"]["code"], gate="東口")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["result"] == "checked_in"
    assert body["registration"] == {
        "id": ticket["id"], "name": "山田 太郎1", "name_kana": "やまだ たろう",
        "affiliation": "インターネット協会", "attendance": "venue", "status": "confirmed"}
    assert body["first_entry"]["gate"] == "東口"
    assert isinstance(body["session"], int)
    assert body["offline"] is False
    registration = await Registration.get(id=ticket["id"])
    assert registration.checked_in_at is not None

    second = await scan(client, "door", key, code=ticket["ticket"]["code"], gate="西口")
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    problem = second.json()
    assert problem["code"] == problem["result"] == "already_checked_in"
    assert problem["first_entry"]["gate"] == "東口"
    assert problem["first_entry"]["at"] == body["first_entry"]["at"]
    assert problem["registration"]["name"] == "山田 太郎1"
    assert await Admission.filter(registration_id=ticket["id"]).count() == 1
    scans = await Scan.filter(event_id=event.id).order_by("id")
    assert [(s.result, s.gate) for s in scans] == [("checked_in", "東口"),
                                                   ("already_checked_in", "西口")]
    assert all(s.api_key_id is not None for s in scans)


def flip_last_signature_byte(code: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(code[1:] + "=" * (-len(code[1:]) % 4)))
    raw[-1] ^= 0x01
    return "K" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


async def test_forged_truncated_garbled_and_foreign_codes_are_invalid(client):
    event = await today_event()
    ticket = await register(client, "door")
    key = await door_key("door")
    code = ticket["ticket"]["code"]
    other_key = Ed25519PrivateKey.generate()
    bad = {
        "forged": flip_last_signature_byte(code),
        "truncated": code[:-12],
        "garbled": "K" + "!" * 40,
        "not a ticket": "https://example.jp/",
        "empty": "",
        "other key": tickets.sign(other_key, event.id, ticket["id"]),
        "forged id": tickets.sign(other_key, event.id, ticket["id"] + 1),
        "huge": "K" + "A" * 1500,
        "nul": "K\x00" + code[2:],
    }
    for what, text in bad.items():
        response = await scan(client, "door", key, code=text)
        assert response.status_code == 422, (what, response.text)
        assert response.json()["result"] == "invalid", what
        assert response.json()["registration"] is None, what
    assert await Admission.all().count() == 0
    assert await Scan.filter(result="invalid").count() == len(bad)
    assert (await scan(client, "door", key, code=code)).status_code == 200, "still valid"


async def test_ticket_of_another_event_is_wrong_event(client):
    await today_event("door")
    await today_event("other")
    foreign = await register(client, "other")
    key = await door_key("door")
    response = await scan(client, "door", key, code=foreign["ticket"]["code"])
    assert response.status_code == 422
    assert response.json()["result"] == "wrong_event"
    assert response.json()["registration"] is None, "nothing about another event's attendee"
    assert (await Registration.get(id=foreign["id"])).checked_in_at is None


async def test_cancelled_waitlisted_and_online_tickets_are_refused(client):
    await today_event(fmt="hybrid", capacity={"venue": 1, "online": None})
    confirmed = await register(client, "door", 1, attendance="venue")
    waiting = await register(client, "door", 2, attendance="venue")
    online = await register(client, "door", 3, attendance="online")
    cancelled = await register(client, "door", 4, attendance="online")
    await client.post(f"/api/v1/registrations/{cancelled['id']}/cancel",
                      params={"token": cancelled["token"]})
    key = await door_key("door")
    expected = {waiting["id"]: "waitlisted", online["id"]: "online_only",
                cancelled["id"]: "cancelled"}
    for ticket in (waiting, online, cancelled):
        response = await scan(client, "door", key, code=ticket["ticket"]["code"])
        assert response.status_code == 409, response.text
        assert response.json()["result"] == expected[ticket["id"]]
        assert response.json()["registration"]["id"] == ticket["id"], "staff can explain"
    assert await Admission.all().count() == 0
    assert (await scan(client, "door", key, code=confirmed["ticket"]["code"])).status_code == 200


async def test_no_venue_session_today_is_wrong_day(client):
    await make_event(slug="later", start=datetime.now(UTC) + timedelta(days=3))
    ticket = await register(client, "later")
    key = await door_key("later")
    response = await scan(client, "later", key, code=ticket["ticket"]["code"])
    assert response.status_code == 409
    assert response.json()["result"] == "wrong_day"
    assert response.json()["day"] == datetime.now(TOKYO).date().isoformat()


def days_from_now(n: int, hour: int = 10) -> datetime:
    local = datetime.now(TOKYO).replace(hour=hour, minute=0, second=0, microsecond=0)
    return local + timedelta(days=n)


async def interop(client):
    """Interop Tokyo style: three venue days, and an online-only session on the fourth."""
    sessions = [session_payload(days_from_now(d), hours=8, fmt="in_person") for d in (0, 1, 2)]
    sessions.append(session_payload(days_from_now(3), hours=2, fmt="online"))
    await make_event(slug="interop", sessions=sessions, format="hybrid")
    door = await checkin.open_door("interop")
    ticket = await register(client, "interop", attendance="venue")
    return door, ticket


async def test_multi_day_event_admits_once_per_session_day(client, settings):
    door, ticket = await interop(client)
    public = tickets.private_key(SECRET).public_key()

    async def at(when: datetime, **kw):
        return (await checkin.check_in(door, code=ticket["ticket"]["code"], public_key=public,
                                       now=when.astimezone(UTC), **kw)).result

    assert await at(days_from_now(0, 9)) == "checked_in"
    assert await at(days_from_now(0, 15)) == "already_checked_in"
    assert await at(days_from_now(1, 9)) == "checked_in"
    assert await at(days_from_now(1, 23)) == "already_checked_in"
    assert await at(days_from_now(2, 8)) == "checked_in"
    assert await at(days_from_now(3, 10)) == "wrong_day", "the online-only day has no door"
    assert await at(days_from_now(4, 10)) == "wrong_day"
    day_two = [s for s in door.sessions if s.starts_at.astimezone(TOKYO).date()
               == days_from_now(1).date()][0]
    assert await at(days_from_now(2, 9), session=day_two) == "wrong_day", "not that part's day"
    admissions = await Admission.filter(registration_id=ticket["id"]).order_by("day")
    assert [a.day for a in admissions] == [days_from_now(d).date().isoformat() for d in (0, 1, 2)]
    registration = await Registration.get(id=ticket["id"])
    assert registration.checked_in_at.astimezone(TOKYO).hour == 9, "the first entry"

    stats = await checkin.stats(door)
    assert [d["checked_in"] for d in stats["days"]] == [1, 1, 1]
    assert stats["checked_in"] == 1 and stats["registered"] == 1


async def test_same_nonce_is_the_same_scan(client):
    await today_event()
    ticket = await register(client, "door")
    key = await door_key("door")
    code = ticket["ticket"]["code"]

    first = await scan(client, "door", key, code=code, nonce="n-1", gate="A")
    again = await scan(client, "door", key, code=code, nonce="n-1", gate="A")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json(), "a retry gets the original answer"
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    other = await scan(client, "door", key, code=code, nonce="n-2", gate="A")
    assert other.status_code == 409 and other.json()["result"] == "already_checked_in"
    assert (await scan(client, "door", key, code=code, nonce="n-2")).json() == other.json()

    refused = await scan(client, "door", key, code="Kgarbage", nonce="n-3")
    assert (await scan(client, "door", key, code="Kgarbage", nonce="n-3")).json() == \
        refused.json()
    assert await Scan.filter(nonce="n-1").count() == 1
    assert await Scan.all().count() == 3

    # Two copies of one request at once (a client retrying before the answer came back).
    racing = await asyncio.gather(*(scan(client, "door", key, code=code, nonce="n-4")
                                    for _ in range(4)))
    assert all(r.json() == racing[0].json() for r in racing)
    assert sum("idempotent-replayed" not in r.headers for r in racing) == 1
    assert await Scan.filter(nonce="n-4").count() == 1


async def test_offline_uploads_first_scan_wins_and_duplicates_are_reported(client):
    await today_event()
    ticket = await register(client, "door")
    key = await door_key("door")
    code = ticket["ticket"]["code"]
    now = datetime.now(UTC)
    # Both earlier today in Tokyo, whatever the time of day the suite runs.
    elapsed = now - local_midnight()
    early, late = now - elapsed * 2 / 3, now - elapsed / 3

    # Device B (later scan) uploads first; device A's earlier scan arrives afterwards.
    b = await scan(client, "door", key, code=code, nonce="b1", gate="B",
                   scanned_at=late.isoformat(), offline_result="checked_in")
    assert b.status_code == 200 and b.json()["offline"] is True
    a = await scan(client, "door", key, code=code, nonce="a1", gate="A",
                   scanned_at=early.isoformat(), offline_result="checked_in")
    assert a.status_code == 409
    answer = a.json()
    assert answer["result"] == "duplicate"
    assert answer["first_entry"]["gate"] == "A", "the first scan by time wins"
    assert answer["duplicate_of"]["gate"] == "B"
    admission = await Admission.get(registration_id=ticket["id"])
    assert (admission.gate, admission.admitted_at) == ("A", early)
    assert (await Registration.get(id=ticket["id"])).checked_in_at == early

    # A third device, online now: the settled first entry is A's.
    c = await scan(client, "door", key, code=code, gate="C")
    assert c.json()["result"] == "already_checked_in"
    assert c.json()["first_entry"]["gate"] == "A"

    # A device that showed amber offline (it had admitted the ticket itself) is no duplicate.
    d = await scan(client, "door", key, code=code, nonce="a2", gate="A",
                   scanned_at=(early + (late - early) / 2).isoformat(),
                   offline_result="already_checked_in")
    assert d.json()["result"] == "already_checked_in"

    stats = (await client.get("/api/v1/events/door/checkins/stats", headers=key)).json()
    assert stats["duplicates"] == 1
    assert stats["duplicate_scans"][0]["registration"]["id"] == ticket["id"]
    assert stats["duplicate_scans"][0]["other_entry"]["gate"] == "B"
    assert stats["scans"]["offline"] == 3
    assert stats["checked_in"] == 1


async def test_offline_scan_the_device_refused_admits_nobody(client):
    await today_event()
    ticket = await register(client, "door")
    key = await door_key("door")
    response = await scan(client, "door", key, code=ticket["ticket"]["code"], nonce="x",
                          scanned_at=datetime.now(UTC).isoformat(), offline_result="cancelled")
    assert response.json()["result"] == "cancelled"
    assert response.json()["offline_result"] == "cancelled"
    assert await Admission.all().count() == 0
    assert (await Registration.get(id=ticket["id"])).checked_in_at is None


async def test_search_and_manual_check_in_by_ticket_number(client):
    await today_event()
    ticket = await register(client, "door", 1)
    await register(client, "door", 2, name="佐藤 花子", name_kana="さとう はなこ",
                   email="hanako@example.jp")
    key = await door_key("door")

    async def find(q: str) -> list[dict]:
        response = await client.get("/api/v1/events/door/checkins/search", params={"q": q},
                                    headers=key)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    assert [i["name"] for i in await find("佐藤")] == ["佐藤 花子"]
    assert [i["name"] for i in await find("はなこ")] == ["佐藤 花子"]
    assert [i["name"] for i in await find("HANAKO@example")] == ["佐藤 花子"]
    assert [i["id"] for i in await find(str(ticket["id"]))] == [ticket["id"]]
    assert [i["id"] for i in await find(ticket["ticket"]["code"])] == [ticket["id"]]
    found = (await find("山田"))[0]
    assert found == {"id": ticket["id"], "name": "山田 太郎1", "name_kana": "やまだ たろう",
                     "attendance": "venue", "status": "confirmed", "entered_days": []}
    assert await find("nobody") == []

    manual = await scan(client, "door", key, registration_id=ticket["id"], gate="受付")
    assert manual.status_code == 200 and manual.json()["result"] == "checked_in"
    assert (await find("山田"))[0]["entered_days"] == [datetime.now(TOKYO).date().isoformat()]
    assert (await scan(client, "door", key, registration_id=ticket["id"])).status_code == 409
    unknown = await scan(client, "door", key, registration_id=999999)
    assert unknown.status_code == 422 and unknown.json()["result"] == "invalid"


async def test_search_shows_what_the_door_needs_and_folds_kana(client):
    await today_event()
    suzuki = await register(client, "door", 1, name="鈴木 一郎", name_kana="スズキ イチロウ",
                            email="ichiro@example.jp")
    await register(client, "door", 2, name="佐藤 花子", name_kana="ｻﾄｳ ﾊﾅｺ",
                   email="hanako@example.jp")
    gone = await register(client, "door", 3, name="田中 次郎", name_kana="たなか じろう",
                          email="jiro@example.jp")
    await client.post(f"/api/v1/registrations/{gone['id']}/cancel",
                      params={"token": gone["manage_url"].rsplit("/", 1)[1]})
    key = await door_key("door")

    async def find(q: str) -> list[dict]:
        response = await client.get("/api/v1/events/door/checkins/search", params={"q": q},
                                    headers=key)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    # Kana as typed on any keyboard: hiragana, katakana, half-width katakana.
    assert [i["id"] for i in await find("すずき")] == [suzuki["id"]]
    assert [i["id"] for i in await find("ｽｽﾞｷ")] == [suzuki["id"]]
    assert [i["name"] for i in await find("さとう")] == ["佐藤 花子"]
    assert [i["name"] for i in await find("サトウ")] == ["佐藤 花子"]
    # A ticket number typed with full-width digits.
    assert [i["id"] for i in await find(f"＃{str(suzuki['id']).translate(FULL_WIDTH)}")] == [
        suzuki["id"]]
    # What the door needs, nothing to contact or profile anyone with.
    [found] = await find("すずき")
    assert set(found) == {"id", "name", "name_kana", "attendance", "status", "entered_days"}
    # A cancelled registration is found by name (to tell the person why), not by email.
    assert await find("jiro@example") == []
    assert [i["status"] for i in await find("たなか")] == ["cancelled"]
    assert [i["id"] for i in await find("ichiro@example")] == [suzuki["id"]]


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


async def test_a_registration_of_another_event_cannot_be_checked_in_by_number(client):
    await today_event("door")
    await today_event("other")
    foreign = await register(client, "other")
    key = await door_key("door")
    response = await scan(client, "door", key, registration_id=foreign["id"])
    assert response.json()["result"] == "invalid"
    assert response.json()["registration"] is None
    search = await client.get("/api/v1/events/door/checkins/search",
                              params={"q": "山田"}, headers=key)
    assert search.json()["items"] == []


async def test_stats_count_per_mode_and_day(client):
    await today_event(fmt="hybrid", capacity={"venue": 2, "online": None})
    venue = [await register(client, "door", n, attendance="venue") for n in (1, 2)]
    await register(client, "door", 3, attendance="venue")  # waitlisted
    await register(client, "door", 4, attendance="online")
    key = await door_key("door")
    await scan(client, "door", key, code=venue[0]["ticket"]["code"])
    await scan(client, "door", key, code=venue[0]["ticket"]["code"])
    await scan(client, "door", key, code="Kbad")
    response = await client.get("/api/v1/events/door/checkins/stats", headers=key)
    assert response.status_code == 200
    stats = response.json()
    assert stats["registered"] == 3 and stats["checked_in"] == 1
    assert stats["attendance"]["venue"] == {"registered": 2, "waitlisted": 1, "cancelled": 0,
                                            "checked_in": 1}
    assert stats["attendance"]["online"]["registered"] == 1
    assert stats["days"] == [{"day": datetime.now(TOKYO).date().isoformat(),
                              "sessions": stats["days"][0]["sessions"], "checked_in": 1}]
    assert stats["scans"]["results"] == {"checked_in": 1, "already_checked_in": 1,
                                         "invalid": 1}
    assert stats["duplicates"] == 0


async def test_offline_kit_holds_the_key_revocations_and_names_only(client):
    event = await today_event(fmt="hybrid", capacity={"venue": 1, "online": None})
    confirmed = await register(client, "door", 1, attendance="venue")
    waiting = await register(client, "door", 2, attendance="venue")
    online = await register(client, "door", 3, attendance="online")
    gone = await register(client, "door", 4, attendance="online")
    await client.post(f"/api/v1/registrations/{gone['id']}/cancel", params={"token": gone["token"]})
    key = await door_key("door")
    await scan(client, "door", key, code=confirmed["ticket"]["code"], gate="A")
    response = await client.get("/api/v1/events/door/checkins/offline-kit", headers=key)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    kit = response.json()
    public = base64.urlsafe_b64decode(kit["key"]["public_key"] + "=")
    assert tickets.verify(public, confirmed["ticket"]["code"]).registration_id == confirmed["id"]
    assert kit["event"]["id"] == event.id and kit["event"]["timezone"] == "Asia/Tokyo"
    assert kit["revoked"] == {"cancelled": [gone["id"]], "waitlisted": [waiting["id"]],
                              "online_only": [online["id"]]}
    assert kit["names"] == {str(confirmed["id"]): "山田 太郎1"}
    today = datetime.now(TOKYO).date().isoformat()
    assert [d["day"] for d in kit["days"]] == [today]
    assert kit["entered"][today][0][0] == confirmed["id"] and kit["entered"][today][0][2] == "A"
    text = response.text
    assert "example.jp" not in text and "やまだ" not in text and "協会" not in text, \
        "no email, kana or affiliation leaves the server"


async def test_keys_the_door_accepts(client, admin):
    org = await make_org("iajapan")
    await today_event("door", partners=[{"org": "iajapan", "role": "organizer"}])
    await today_event("other")
    ticket = await register(client, "door")
    _, organizer = await access.create_key("org", "organizer", org_slug=org.slug)
    _, partner = await access.create_key("partner", "partner", org_slug=org.slug)
    other_door = await door_key("other")
    code = ticket["ticket"]["code"]
    paths = [("post", "/api/v1/events/door/checkins"),
             ("get", "/api/v1/events/door/checkins/search?q=x"),
             ("get", "/api/v1/events/door/checkins/stats"),
             ("get", "/api/v1/events/door/checkins/offline-kit"),
             ("get", "/api/v1/events/door/checkins/setup-qr.png")]
    for method, path in paths:
        kwargs = {"json": {"code": code}} if method == "post" else {}
        nobody = await client.request(method, path, **kwargs)
        assert nobody.status_code == 401, path
        assert nobody.headers["www-authenticate"] == "Bearer"
        for refused in (other_door, {"Authorization": f"Bearer {partner}"},
                        {"Authorization": "Bearer kaigi_not-a-key"}):
            response = await client.request(method, path, headers=refused, **kwargs)
            assert response.status_code in (401, 403), (path, refused)
            assert response.headers["content-type"] == "application/problem+json"
        assert (await client.request(method, path, headers=other_door, **kwargs)
                ).status_code == 403
    ok = await scan(client, "door", {"Authorization": f"Bearer {organizer}"}, code=code)
    assert ok.status_code == 200, "the event's organizer may check in"
    assert (await scan(client, "door", admin, code=code)).status_code == 409, "admins too"
    missing = await client.get("/api/v1/events/nope/checkins/stats", headers=admin)
    assert missing.status_code == 404
    shared = await client.get("/api/v1/events/door/checkins/setup-qr.png",
                              headers={"Authorization": f"Bearer {organizer}"})
    assert shared.status_code == 403, "an organizer key is never put in a volunteer's QR"


BAD_BODIES = [
    b"not json", b"[]", b'"text"', b"{}", b"null", b"{" * 5000,
    b'{"code": 5}', b'{"code": null, "registration_id": null}',
    b'{"code": "K", "registration_id": 1}', b'{"code": "K", "session": 999999}',
    b'{"code": "K", "session": "abc"}', b'{"code": "K", "session": -1}',
    b'{"code": "K", "session": 1e400}', b'{"code": "K", "scanned_at": "yesterday"}',
    b'{"code": "K", "scanned_at": "9999-99-99T99:99"}', b'{"code": "K", "scanned_at": 12}',
    b'{"code": "K", "scanned_at": "0001-01-01T00:00:00+14:00"}',
    b'{"code": "K", "scanned_at": "2999-01-01T00:00:00Z"}',
    b'{"code": "K", "gate": "' + b"g" * 10_000 + b'"}', b'{"code": "K", "nonce": "\\u0000"}',
    b'{"code": "K", "nonce": "' + b"n" * 101 + b'"}', b'{"code": "K", "gate": "a\\nb"}',
    b'{"code": "K", "gate": "\\ud800"}', b'{"code": "' + b"K" * 3000 + b'"}',
    b'{"registration_id": 99999999999999}', b'{"registration_id": true}',
    b'{"registration_id": "12a"}', b'{"code": "K", "offline_result": "maybe"}',
    b'{"code": "K", "surprise": 1}', b'{"code": ["K"]}',
]


async def test_bad_requests_are_problems_never_500(client):
    await today_event()
    key = await door_key("door")
    for raw in BAD_BODIES:
        response = await client.post("/api/v1/events/door/checkins", content=raw,
                                     headers={**key, "Content-Type": "application/json"})
        assert response.status_code == 422, (raw[:60], response.text[:300])
        assert response.headers["content-type"] == "application/problem+json", raw[:60]
    odd_codes = ["K\ud800", "K\x00\x00", "K" + "=" * 90, "K" + "\u3042" * 100, "K-_-_"]
    for code in odd_codes:
        response = await client.post("/api/v1/events/door/checkins", content=json.dumps(
            {"code": code}), headers={**key, "Content-Type": "application/json"})
        assert response.status_code == 422 and response.json()["result"] == "invalid"
    for q in ["", "x" * 300, "%25", "_", "%00", "%ED%A0%80", "%FF", "'%20OR%201=1%20--",
              "9" * 30, "K" + "A" * 90]:
        response = await client.get(f"/api/v1/events/door/checkins/search?q={q}", headers=key)
        assert response.status_code in (200, 422), (q, response.text)
    for slug in ["DOOR", "a" * 300, "%00", "door%2F..", "ドア"]:
        response = await client.get(f"/api/v1/events/{slug}/checkins/stats", headers=key)
        assert response.status_code in (403, 404), slug


async def run(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.DEVNULL)
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def test_the_served_qr_decodes_with_zbar_and_checks_in(client, tmp_path):
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        missing("zbarimg (Debian zbar-tools) is not installed: cannot decode the QR here")
    await today_event()
    ticket = await register(client, "door")
    png = await client.get(ticket["ticket"]["qr_png"].replace("http://testserver", ""))
    (tmp_path / "ticket.png").write_bytes(png.content)
    status, decoded = await run(zbarimg, "--raw", "-q", str(tmp_path / "ticket.png"))
    assert status == 0 and decoded.strip() == ticket["ticket"]["code"]
    key = await door_key("door")
    response = await scan(client, "door", key, code=decoded.strip())
    assert response.json()["result"] == "checked_in"

    setup = await client.get("/api/v1/events/door/checkins/setup-qr.png", headers=key)
    assert setup.status_code == 200 and setup.headers["content-type"] == "image/png"
    (tmp_path / "setup.png").write_bytes(setup.content)
    status, url = await run(zbarimg, "--raw", "-q", str(tmp_path / "setup.png"))
    raw_key = key["Authorization"].split(" ", 1)[1]
    assert url.strip() == f"http://testserver/checkin/door#key={raw_key}"


async def test_scanner_page_is_a_private_shell_with_no_inline_script(client):
    await today_event()
    await make_event(slug="secret-draft", status="draft")
    page = await client.get("/checkin/door", params={"lang": "en"})
    assert page.status_code == 200
    html = page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "private, no-store"
    assert page.headers["x-robots-tag"] == "noindex"
    assert '<script src="/static/checkin.js" defer></script>' in html
    assert '<script src="/static/vendor/jsQR.js" defer></script>' in html
    scripts = html.split("<script")[1:]
    assert all(' src="/static/' in s.split(">")[0] or 'type="application/json"' in s
               for s in scripts), "no inline script: the CSP would block it"
    assert "Check-in" in html and "Test event" in html
    assert "受付" in (await client.get("/checkin/door", params={"lang": "ja"})).text
    draft = await client.get("/checkin/secret-draft")
    unknown = await client.get("/checkin/nope")
    assert draft.status_code == unknown.status_code == 404
    assert draft.text == unknown.text.replace("nope", "secret-draft")
    assert "テストイベント" not in draft.text
    for path in ("/static/checkin.js", "/static/checkin.css", "/static/vendor/jsQR.js",
                 "/static/vendor/jsQR.LICENSE"):
        assert (await client.get(path)).status_code == 200, path


def test_vendored_jsqr_is_the_npm_package_with_its_licence():
    root = Path(__file__).resolve().parent.parent
    vendored = root / "static" / "vendor" / "jsQR.js"
    licence = (root / "static" / "vendor" / "jsQR.LICENSE").read_text()
    assert "Apache License" in licence
    pinned = json.loads((root / "package.json").read_text())["devDependencies"]["jsqr"]
    installed = root / "node_modules" / "jsqr"
    if not installed.exists():
        pytest.skip("node_modules/jsqr is missing (npm ci): cannot compare the vendored copy")
    assert json.loads((installed / "package.json").read_text())["version"] == pinned
    assert (installed / "dist" / "jsQR.js").read_bytes() == vendored.read_bytes(), \
        "refresh static/vendor/jsQR.js from node_modules/jsqr/dist/jsQR.js"
