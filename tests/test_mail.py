"""What attendees receive, read back from a real SMTP server with Python's email package.

Confirmation: parts and their order, headers, the inline QR (decoded by zbar), the
calendar invitation (icalendar, libical's iTIP rules, ical.js), Japanese intact. Then
every other kind of message, and header injection.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine

from events import calendar, catalogue, outbox
from events.config import Settings
from events.models import Event, Notification, Registration, Session
from events.worker import Worker
from tests.factories import ADMIN, make_event, session_payload
from tests.mailserver import MailServer

ROOT = Path(__file__).resolve().parent.parent
ITIP_CHECK = ROOT / "tests" / "tools" / "itip_check.py"
ICAL_JS_SCRIPT = ROOT / "tests" / "js" / "ical_events.mjs"
# Debian's interpreter, which has python3-gi and gir1.2-ical-3.0; override for other systems.
SYSTEM_PYTHON = os.environ.get("KAIGI_ITIP_PYTHON", "/usr/bin/python3")
TOKYO = ZoneInfo("Asia/Tokyo")
# Reminders depend on the hour (a session's day is Tokyo's): a fixed clock, 2 pm there.
FIXED_NOW = datetime(2030, 6, 12, 5, 0, tzinfo=UTC)


def person(n: int = 1, **kw):
    return {"name": f"山田 太郎{n}", "name_kana": "やまだ たろう", "email": f"taro{n}@example.jp",
            "affiliation": "インターネット協会", **kw}


async def register(client, slug: str, **kw) -> dict:
    response = await client.post(f"/api/v1/events/{slug}/registrations", json=person(**kw))
    assert response.status_code == 201, response.text
    return response.json()


async def deliver(settings: Settings, server: MailServer, **kw) -> Worker:
    """Run a worker until nothing is due, against the test SMTP server."""
    worker = Worker(replace(settings, smtp_url=server.url), poll=0.01, **kw)
    await worker.run(once=True)
    return worker


def structure(part: EmailMessage) -> object:
    """The MIME tree as nested (type, [children]) for readable assertions."""
    if part.is_multipart():
        return (part.get_content_type(), [structure(p) for p in part.iter_parts()])
    return part.get_content_type()


def part_of(message: EmailMessage, content_type: str) -> EmailMessage:
    found = [p for p in message.walk() if p.get_content_type() == content_type]
    assert len(found) == 1, f"{len(found)} {content_type} parts"
    return found[0]  # type: ignore[return-value]


def calendar_bytes(message: EmailMessage) -> bytes:
    return part_of(message, "text/calendar").get_payload(decode=True)


def itip_check(ics: bytes) -> dict:
    """libical's iTIP rule check, run by the system's Python (python3-gi)."""
    if not Path(SYSTEM_PYTHON).exists():
        pytest.skip(f"{SYSTEM_PYTHON} is missing: install Debian's python3-gi and "
                    "gir1.2-ical-3.0 (or set KAIGI_ITIP_PYTHON) to run libical's iTIP check")
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', '3.0'); "
                              "from gi.repository import ICalGLib"],
        capture_output=True, text=True, timeout=60, check=False)
    if probe.returncode != 0:
        pytest.skip("libical's GObject bindings are missing: `apt-get install -y "
                    f"gir1.2-ical-3.0 python3-gi` ({probe.stderr.strip().splitlines()[-1:]})")
    done = subprocess.run([SYSTEM_PYTHON, str(ITIP_CHECK)], input=ics, capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def ical_js(ics: bytes) -> dict:
    """What Thunderbird's parser makes of the invitation."""
    if not (ROOT / "node_modules" / "ical.js" / "package.json").exists():
        pytest.fail("ical.js is missing: run `npm ci` at the repository root.")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: install Node.js 20 or later, then run `npm ci`.")
    done = subprocess.run([node, str(ICAL_JS_SCRIPT)], input=ics, capture_output=True,
                          cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def zbar(png: bytes, tmp_path: Path) -> str:
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is missing: apt-get install zbar-tools")
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    done = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# ---- the confirmation ------------------------------------------------------------------------

async def test_confirmation_parts_headers_qr_and_invitation(client, database, smtp_server,
                                                            tmp_path):
    await make_event(slug="sym", format="hybrid", stream_url="https://stream.example.jp/live")
    body = await register(client, "sym", attendance="venue")
    worker = await deliver(database, smtp_server)
    assert worker.stats["sent"] == 1
    [received] = smtp_server.received
    assert received.recipients == ["taro1@example.jp"]
    assert received.sender == "noreply@testserver"
    message = received.message

    assert structure(message) == ("multipart/mixed", [
        ("multipart/alternative", [
            "text/plain",
            ("multipart/related", ["text/html", "image/png"]),
            "text/calendar",
        ]),
        "application/ics",
    ])
    # Headers: an RFC 2047 subject, Date, the Message-ID kept in the outbox.
    raw_headers = received.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "Subject: =?utf-8?" in raw_headers, "non-ASCII subjects are RFC 2047 encoded"
    assert str(message["Subject"]) == "【参加登録完了】テストイベント"
    assert parseaddr(str(message["To"])) == ("山田 太郎1", "taro1@example.jp")
    assert abs(parsedate_to_datetime(str(message["Date"])) - datetime.now(UTC)) < timedelta(
        minutes=1)
    row = await Notification.get(registration_id=body["id"], purpose="confirmed")
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
    assert message["Message-ID"] == row.message_id
    assert "List-Unsubscribe" not in message, "only broadcasts can be unsubscribed from"

    # Japanese intact in both alternatives; the stream link only for online attendance.
    text = part_of(message, "text/plain").get_content()
    html = part_of(message, "text/html").get_content()
    for content in (text, html):
        assert "山田 太郎1 様" in content
        assert "テストイベント" in content
        assert "会場参加" in content
        assert f"http://testserver/tickets/{body['token']}" in content
        assert "stream.example.jp" not in content
    event = await Event.get(slug="sym")
    start = (await Session.get(event_id=event.id)).starts_at.astimezone(TOKYO)
    assert f"{start.year}年{start.month}月{start.day}日" in text
    assert f"{start:%H:%M}" in text, "sessions in the event's time zone"

    # The QR is inline, referenced from the HTML, and decodes to the ticket code.
    image = part_of(message, "image/png")
    cid = str(image["Content-ID"]).strip("<>")
    assert f'src="cid:{cid}"' in html
    assert image.get_content_disposition() == "inline"
    assert zbar(image.get_payload(decode=True), tmp_path) == body["ticket"]["code"]

    # The invitation: base64 of exact CRLF bytes, the same bytes as the attachment.
    invite = part_of(message, "text/calendar")
    assert invite.get_param("method") == "REQUEST"
    assert invite.get_param("charset") == "utf-8"
    assert invite["Content-Transfer-Encoding"] == "base64"
    ics = calendar_bytes(message)
    assert b"\n" not in ics.replace(b"\r\n", b""), "a bare LF in the calendar"
    attachment = part_of(message, "application/ics")
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == ics


async def test_invitation_has_the_feed_uids_and_the_itip_properties(client, database,
                                                                    smtp_server):
    await make_event(slug="sym", format="hybrid", sessions=[
        session_payload(datetime.now(UTC) + timedelta(days=20), fmt="hybrid"),
        session_payload(datetime.now(UTC) + timedelta(days=21), fmt="online")])
    await register(client, "sym", attendance="online")
    await deliver(database, smtp_server)
    ics = calendar_bytes(smtp_server.received[0].message)
    cal = icalendar.Calendar.from_ical(ics)
    assert cal["METHOD"] == "REQUEST"
    feed = icalendar.Calendar.from_ical((await client.get("/events/sym.ics")).content)
    assert sorted(str(e["UID"]) for e in cal.events) == sorted(
        str(e["UID"]) for e in feed.events), "the same UIDs as the event's feed"
    # The attendee's own SEQUENCE, kept with what their calendar now holds.
    registration = await Registration.get(email="taro1@example.jp")
    assert registration.calendar_sequence == 1
    assert sorted(registration.calendar_uids) == sorted(str(e["UID"]) for e in cal.events)
    for vevent in cal.events:
        assert vevent["SEQUENCE"] == registration.calendar_sequence
        assert str(vevent["ORGANIZER"]) == "mailto:noreply@testserver"
        attendee = vevent["ATTENDEE"]
        assert str(attendee) == "mailto:taro1@example.jp"
        assert attendee.params["RSVP"] == "FALSE"
        assert attendee.params["CN"] == "山田 太郎1"
    assert itip_check(ics) == {"valid": True, "method": "REQUEST", "errors": []}
    parsed = ical_js(ics)
    assert {e["uid"] for e in parsed["events"]} == {str(e["UID"]) for e in cal.events}
    assert all(e["zone"] == "Asia/Tokyo" and e["sequence"] == 1 for e in parsed["events"])


async def test_organizer_is_the_from_address(client, database, smtp_server):
    await make_event(slug="sym")
    await register(client, "sym")
    settings = replace(database, mail_from="IAjapan イベント <events@iajapan.example>")
    await deliver(settings, smtp_server)
    message = smtp_server.received[0].message
    assert parseaddr(str(message["From"])) == ("IAjapan イベント", "events@iajapan.example")
    assert smtp_server.received[0].sender == "events@iajapan.example"
    [vevent] = icalendar.Calendar.from_ical(calendar_bytes(message)).events
    assert str(vevent["ORGANIZER"]) == "mailto:events@iajapan.example"


async def test_english_attendee_reads_english_and_gets_the_stream_link(client, database,
                                                                       smtp_server):
    await make_event(slug="sym", format="online", stream_url="https://stream.example.jp/live")
    await register(client, "sym", locale="en", name="Jane Doe")
    await deliver(database, smtp_server)
    message = smtp_server.received[0].message
    assert str(message["Subject"]) == "Registration confirmed: Test event"
    assert message["Content-Language"] == "en"
    for content in (part_of(message, "text/plain").get_content(),
                    part_of(message, "text/html").get_content()):
        assert "Dear Jane Doe," in content
        assert "https://stream.example.jp/live" in content
    assert structure(message)[1][0][1][1] == "text/html", "no QR for online attendance"
    [vevent] = icalendar.Calendar.from_ical(calendar_bytes(message)).events
    assert str(vevent["CONFERENCE"]) == "https://stream.example.jp/live"


# ---- the other messages ------------------------------------------------------------------------

async def test_waitlist_then_promotion(client, database, smtp_server):
    await make_event(slug="small", capacity={"venue": 1, "online": None})
    first = await register(client, "small", n=1)
    await register(client, "small", n=2)
    await deliver(database, smtp_server)
    waitlisted = smtp_server.received[1].message
    assert str(waitlisted["Subject"]) == "【キャンセル待ち登録】テストイベント"
    assert "現在 1 番目" in part_of(waitlisted, "text/plain").get_content()
    assert structure(waitlisted) == ("multipart/alternative", ["text/plain", "text/html"])

    token = first["token"]
    await client.post(f"/api/v1/registrations/{first['id']}/cancel", params={"token": token})
    await deliver(database, smtp_server)
    by_subject = {str(r.message["Subject"]): r for r in smtp_server.received[2:]}
    assert set(by_subject) == {"【登録キャンセル】テストイベント",
                               "【参加確定】キャンセル待ちから繰り上がりました: テストイベント"}
    cancelled = by_subject["【登録キャンセル】テストイベント"].message
    cancel = icalendar.Calendar.from_ical(calendar_bytes(cancelled))
    assert cancel["METHOD"] == "CANCEL"
    assert part_of(cancelled, "text/calendar").get_param("method") == "CANCEL"
    assert [str(e["STATUS"]) for e in cancel.events] == ["CANCELLED"]
    assert itip_check(calendar_bytes(cancelled))["valid"]
    promoted = by_subject["【参加確定】キャンセル待ちから繰り上がりました: テストイベント"]
    assert promoted.recipients == ["taro2@example.jp"]
    assert icalendar.Calendar.from_ical(calendar_bytes(promoted.message))["METHOD"] == "REQUEST"


async def test_event_change_raises_sequence_for_every_active_registrant(client, admin,
                                                                        database, smtp_server):
    await make_event(slug="sym", capacity={"venue": 1, "online": None})
    await register(client, "sym", n=1)
    await register(client, "sym", n=2)  # waitlisted: told, without an invitation
    await deliver(database, smtp_server)
    event = await Event.get(slug="sym")
    session = await Session.get(event_id=event.id)
    later = session.starts_at + timedelta(days=1)
    response = await client.patch("/api/v1/events/sym", headers=admin, json={"sessions": [
        session_payload(later, fmt="in_person", id=session.id)]})
    assert response.status_code == 200, response.text
    assert response.json()["revision"] == 1
    # Queued in the same transaction as the change, keyed on the new revision.
    rows = await Notification.filter(purpose="event_changed").order_by("registration_id")
    assert [(r.revision, r.status) for r in rows] == [(1, "pending"), (1, "pending")]

    await deliver(database, smtp_server)
    changed = {r.recipients[0]: r.message for r in smtp_server.received[2:]}
    assert set(changed) == {"taro1@example.jp", "taro2@example.jp"}
    confirmed = changed["taro1@example.jp"]
    assert str(confirmed["Subject"]) == "【変更のお知らせ】テストイベント"
    [vevent] = icalendar.Calendar.from_ical(calendar_bytes(confirmed)).events
    assert str(vevent["UID"]) == calendar.session_uid(session.id, "testserver")
    assert vevent["SEQUENCE"] == 2, "above the confirmation's 1"
    assert vevent.start.astimezone(UTC) == later.replace(microsecond=0)
    assert itip_check(calendar_bytes(confirmed))["valid"]
    assert "text/calendar" not in str(structure(changed["taro2@example.jp"]))

    # A change that moves nothing queues nothing.
    await client.patch("/api/v1/events/sym", headers=admin, json={"summary": "新しい概要"})
    assert await Notification.filter(purpose="event_changed").count() == 2


async def test_event_cancelled_sends_cancel(client, admin, database, smtp_server):
    await make_event(slug="sym")
    await register(client, "sym")
    await deliver(database, smtp_server)
    await client.patch("/api/v1/events/sym", headers=admin, json={"status": "cancelled"})
    await deliver(database, smtp_server)
    message = smtp_server.received[1].message
    assert str(message["Subject"]) == "【中止のお知らせ】テストイベント"
    ics = calendar_bytes(message)
    cal = icalendar.Calendar.from_ical(ics)
    assert cal["METHOD"] == "CANCEL"
    # Above the confirmation's REQUEST (1), whatever the event's revision says.
    assert [(str(e["STATUS"]), e["SEQUENCE"]) for e in cal.events] == [("CANCELLED", 2)]
    assert itip_check(ics) == {"valid": True, "method": "CANCEL", "errors": []}
    assert [e["status"] for e in ical_js(ics)["events"]] == ["CANCELLED"]


async def test_superseded_change_and_cancelled_registration_are_skipped(client, admin,
                                                                        database, smtp_server):
    await make_event(slug="sym")
    body = await register(client, "sym")
    await deliver(database, smtp_server)
    event = await Event.get(slug="sym")
    session = await Session.get(event_id=event.id)
    for days in (1, 2):
        await client.patch("/api/v1/events/sym", headers=admin, json={"sessions": [
            session_payload(session.starts_at + timedelta(days=days), id=session.id)]})
    await deliver(database, smtp_server)
    assert len(smtp_server.received) == 2, "only the latest change is mailed"
    old = await Notification.get(purpose="event_changed", revision=1)
    assert old.status == "skipped" and "superseded" in old.last_error

    await client.patch("/api/v1/events/sym", headers=admin, json={"sessions": [
        session_payload(session.starts_at + timedelta(days=3), id=session.id)]})
    await client.post(f"/api/v1/registrations/{body['id']}/cancel",
                      params={"token": body["token"]})
    await deliver(database, smtp_server)
    assert [str(r.message["Subject"]) for r in smtp_server.received[2:]] == [
        "【登録キャンセル】テストイベント"]


async def test_attendance_change_mail(client, database, smtp_server):
    await make_event(slug="sym", format="hybrid", stream_url="https://stream.example.jp/x")
    body = await register(client, "sym", attendance="venue")
    response = await client.post(f"/api/v1/registrations/{body['id']}/attendance",
                                 params={"token": body["token"]}, json={"attendance": "online"})
    assert response.status_code == 200
    await deliver(database, smtp_server)
    changed = smtp_server.received[1].message
    assert str(changed["Subject"]) == "【参加方法変更】テストイベント"
    assert "https://stream.example.jp/x" in part_of(changed, "text/plain").get_content()
    assert icalendar.Calendar.from_ical(calendar_bytes(changed))["METHOD"] == "REQUEST"


async def test_reminder_once_per_session_day(client, database, smtp_server):
    with time_machine.travel(FIXED_NOW, tick=False):
        await reminder_once_per_session_day(client, database, smtp_server)


def reminder_start(now: datetime) -> datetime:
    """Inside the reminder lead, with room for a second session the same day in Tokyo."""
    start = now + timedelta(hours=20)
    if (start + timedelta(hours=5)).astimezone(TOKYO).date() != start.astimezone(TOKYO).date():
        start -= timedelta(hours=6)  # 7 pm or later there: the second would be tomorrow's
    return start


async def reminder_once_per_session_day(client, database: Settings,
                                        smtp_server: MailServer) -> None:
    """At whatever time the clock says: tests/test_clock.py runs it at awkward hours."""
    now = datetime.now(UTC)
    start = reminder_start(now)
    await make_event(slug="soon", sessions=[session_payload(start, hours=2),
                                            session_payload(start + timedelta(hours=3), hours=2),
                                            session_payload(start + timedelta(days=2))])
    body = await register(client, "soon")
    await register(client, "soon", n=2)
    # The first registered days ago; the second inside the window (their confirmation is
    # their reminder).
    await Registration.filter(id=body["id"]).update(created_at=now - timedelta(days=3))
    lead = database.reminder_lead
    assert lead == timedelta(hours=24)
    assert await outbox.queue_reminders(now, lead) == 1
    assert await outbox.queue_reminders(now, lead) == 0, "idempotent"
    event = await Event.get(slug="soon")
    first = await Session.filter(event_id=event.id).order_by("starts_at").first()
    reminder = await Notification.get(purpose="reminder")
    assert (reminder.registration_id, reminder.revision) == (body["id"], first.id)
    await deliver(database, smtp_server)
    subjects = [(r.recipients[0], str(r.message["Subject"])) for r in smtp_server.received]
    assert ("taro1@example.jp", "【まもなく開催】テストイベント") in subjects
    assert not any(s[0] == "taro2@example.jp" and "まもなく" in s[1] for s in subjects)
    # The worker queues reminders itself; still once.
    await deliver(database, smtp_server)
    assert await Notification.filter(purpose="reminder").count() == 1


async def test_without_smtp_messages_become_eml_files(client, database):
    await make_event(slug="sym")
    await register(client, "sym")
    worker = Worker(database, poll=0.01)
    await worker.run(once=True)
    [path] = (database.var_dir / "outbox").glob("*.eml")
    row = await Notification.get(purpose="confirmed")
    assert path.name == row.message_id.strip("<>").split("@")[0] + ".eml"
    from email import message_from_bytes, policy

    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert str(message["Subject"]) == "【参加登録完了】テストイベント"
    assert b"\r\n" in path.read_bytes()


# ---- header injection --------------------------------------------------------------------------

async def test_control_characters_are_refused_at_registration(client):
    await make_event(slug="sym")
    for field in ("name", "affiliation"):
        response = await client.post("/api/v1/events/sym/registrations", json=person(
            **{field: "太郎\r\nBcc: victim@example.com"}))
        assert response.status_code == 422, field
        assert response.json()["errors"][0]["field"] == field


# Every line break and control character PostgreSQL stores (it refuses NUL).
INJECTION = "山田\r\nBcc: victim@example.com\r\nX-Injected: yes\n\rSubject: spam\x0b\x85"


async def test_injection_in_stored_names_creates_no_header(client, admin, database,
                                                           smtp_server):
    """Defence in depth: even data that bypassed validation cannot add headers."""
    await make_event(slug="sym")
    body = await register(client, "sym")
    await Registration.filter(id=body["id"]).update(name=INJECTION, affiliation=INJECTION)
    await Event.filter(slug="sym").update(title_ja="会議\r\nX-Injected: title")
    await deliver(database, smtp_server)
    [received] = smtp_server.received
    assert received.recipients == ["taro1@example.jp"], "no extra envelope recipient"
    message = received.message
    names = [k.lower() for k in message.keys()]
    assert "bcc" not in names and "x-injected" not in names
    assert names.count("subject") == 1 and names.count("to") == 1
    head = received.data.split(b"\r\n\r\n", 1)[0]
    assert b"\nX-Injected" not in head and b"\nBcc" not in head
    assert str(message["Subject"]) == "【参加登録完了】会議 X-Injected: title"
    assert parseaddr(str(message["To"]))[1] == "taro1@example.jp"
    [vevent] = icalendar.Calendar.from_ical(calendar_bytes(message)).events
    assert "\n" not in vevent["ATTENDEE"].params["CN"]


async def test_a_bad_address_fails_permanently_without_smtp(client, database, smtp_server):
    await make_event(slug="sym")
    body = await register(client, "sym")
    await Registration.filter(id=body["id"]).update(email="taro@example.jp>\r\nRCPT TO:<x@y")
    await deliver(database, smtp_server)
    assert smtp_server.received == []
    row = await Notification.get(registration_id=body["id"])
    assert row.status == "failed" and "not a deliverable address" in row.last_error


async def test_changes_outside_the_api_still_queue_in_the_transaction(database):
    """catalogue.update_event queues in its own transaction: a failure queues nothing."""
    await make_event(slug="sym")
    event = await Event.get(slug="sym")
    await Registration.create(event=event, token="t" * 32, name="a", email="a@example.jp",
                              email_normalized="a@example.jp", attendance="venue",
                              status="confirmed", created_at=event.updated_at,
                              updated_at=event.updated_at)
    await catalogue.update_event("sym", {"venue": {"name": "新会場", "address": "大阪"}},
                                 actor=ADMIN, now=datetime.now(UTC))
    assert await Notification.filter(purpose="event_changed", revision=1).count() == 1
    # Repeating the same change raises nothing and queues nothing.
    await catalogue.update_event("sym", {"venue": {"name": "新会場", "address": "大阪"}},
                                 actor=ADMIN, now=datetime.now(UTC))
    assert await Notification.filter(purpose="event_changed").count() == 1

