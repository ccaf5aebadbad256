"""Calendar invitations an attendee's client can trust (RFC 5546), and the mail cap.

Each attendee has their own SEQUENCE (Registration.calendar_sequence), raised by every
message; a CANCEL outranks every REQUEST before it; sessions that leave the attendee's
calendar (a switch of mode, a session deleted, the event or the registration cancelled)
are cancelled in it; a message overtaken by events is decided again when it is sent.
Every invitation passes libical's iTIP rules. Time is fixed: the worker's clock is ours.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
import pytest

from events import calendar, catalogue, mail, outbox, registration
from events.config import Settings
from events.models import Event, Notification, Registration, Session
from events.worker import Worker
from tests.factories import ADMIN, make_event, session_payload
from tests.mailserver import MailServer
from tests.test_mail import ITIP_CHECK, SYSTEM_PYTHON, itip_check

NOW = datetime(2030, 6, 12, 5, 0, tzinfo=UTC)
DAY1 = NOW + timedelta(days=30)
HOST = "testserver"


def person(n: int = 1, **kw: Any) -> dict[str, Any]:
    return {"name": f"山田 太郎{n}", "email": f"taro{n}@example.jp", "attendance": "venue",
            **kw}


async def signup(slug: str, n: int = 1, **kw: Any) -> Registration:
    answer = await registration.register(slug, person(n, **kw), now=NOW)
    return answer.registration


async def fresh(r: Registration) -> Registration:
    return await Registration.get(id=r.id).prefetch_related("event")


async def deliver(settings: Settings, server: MailServer, now: datetime = NOW) -> Worker:
    worker = Worker(replace(settings, smtp_url=server.url), poll=0.01, clock=lambda: now)
    await worker.run(once=True)
    return worker


def calendars(message: EmailMessage) -> list[bytes]:
    return [p.get_payload(decode=True) for p in message.walk()
            if p.get_content_type() == "text/calendar"]


def invitation(message: EmailMessage) -> icalendar.Calendar:
    [ics] = calendars(message)
    return icalendar.Calendar.from_ical(ics)


def uids_and_sequences(cal: icalendar.Calendar) -> dict[str, int]:
    return {str(e["UID"]): int(e["SEQUENCE"]) for e in cal.walk("VEVENT")}


def uid(session: Session) -> str:
    return calendar.session_uid(session.id, HOST)


async def sessions_of(slug: str) -> list[Session]:
    event = await Event.get(slug=slug)
    return list(await Session.filter(event_id=event.id).order_by("starts_at"))


def itip_many(texts: list[bytes]) -> list[dict[str, Any]]:
    """libical's verdict on each invitation, in one run of the system's Python."""
    if not texts:
        return []
    itip_check(texts[0])  # skips the test where libical's bindings are missing
    done = subprocess.run([SYSTEM_PYTHON, str(ITIP_CHECK), "--many"],
                          input=json.dumps([t.decode() for t in texts]).encode(),
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    verdicts: list[dict[str, Any]] = json.loads(done.stdout)
    return verdicts


# ---- sequences, and sessions leaving the calendar ---------------------------------------------

async def interop(slug: str = "interop") -> None:
    """Hybrid like Interop: a day at the venue and online, then a day online only."""
    await make_event(slug=slug, format="hybrid", now=NOW,
                     stream_url="https://stream.example.jp/live", sessions=[
                         session_payload(DAY1, fmt="hybrid"),
                         session_payload(DAY1 + timedelta(days=1), fmt="online")])


async def test_switching_modes_cancels_the_days_left_behind(database, smtp_server):
    await interop()
    day1, day2 = await sessions_of("interop")
    r = await signup("interop", attendance="online")
    await deliver(database, smtp_server)
    [first] = smtp_server.received
    assert uids_and_sequences(invitation(first.message)) == {uid(day1): 1, uid(day2): 1}
    r = await fresh(r)
    assert (r.calendar_sequence, sorted(r.calendar_uids)) == (1, sorted([uid(day1), uid(day2)]))

    await registration.switch_attendance(r, {"attendance": "venue"}, now=NOW)
    await deliver(database, smtp_server)
    removal, changed = (m.message for m in smtp_server.received[1:])
    # The online day leaves the calendar, in a message of its own, sent first.
    assert str(removal["Subject"]) == "【カレンダーの予定の取り消し】テストイベント"
    cancel = invitation(removal)
    assert cancel["METHOD"] == "CANCEL"
    assert uids_and_sequences(cancel) == {uid(day2): 2}
    assert [str(e["STATUS"]) for e in cancel.walk("VEVENT")] == ["CANCELLED"]
    assert "stream.example.jp" not in calendars(removal)[0].decode()
    text = removal.get_body(("plain",)).get_content()
    assert "- 2030年7月13日(土) 14:00–17:00" in text and "予定を取り消す" in text
    # Then the venue day, requested again above every SEQUENCE before.
    assert str(changed["Subject"]) == "【参加方法変更】テストイベント"
    request = invitation(changed)
    assert request["METHOD"] == "REQUEST"
    assert uids_and_sequences(request) == {uid(day1): 3}
    assert removal["Message-ID"] != changed["Message-ID"]
    r = await fresh(r)
    assert (r.calendar_sequence, r.calendar_uids) == (3, [uid(day1)])

    await registration.cancel(r, now=NOW)
    await deliver(database, smtp_server)
    cancelled = smtp_server.received[-1].message
    assert str(cancelled["Subject"]) == "【登録キャンセル】テストイベント"
    assert uids_and_sequences(invitation(cancelled)) == {uid(day1): 4}
    r = await fresh(r)
    assert (r.calendar_sequence, r.calendar_uids) == (4, [])
    verdicts = itip_many([ics for m in smtp_server.received for ics in calendars(m.message)])
    assert [v["method"] for v in verdicts] == ["REQUEST", "CANCEL", "REQUEST", "CANCEL"]
    assert all(v["valid"] for v in verdicts), verdicts


async def test_registering_again_after_a_cancellation_outranks_it(database, smtp_server):
    await interop()
    r = await signup("interop")
    await deliver(database, smtp_server)
    await registration.cancel(await fresh(r), now=NOW)
    await deliver(database, smtp_server)
    await signup("interop")  # the same address: the same registration comes back
    await deliver(database, smtp_server)
    sequences = [max(uids_and_sequences(invitation(m.message)).values())
                 for m in smtp_server.received]
    methods = [invitation(m.message)["METHOD"] for m in smtp_server.received]
    assert methods == ["REQUEST", "CANCEL", "REQUEST"]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3


async def test_a_deleted_session_is_cancelled_in_every_calendar(database, smtp_server):
    await make_event(slug="two", now=NOW, sessions=[
        session_payload(DAY1), session_payload(DAY1 + timedelta(days=1))])
    day1, day2 = await sessions_of("two")
    await signup("two", 1)
    await signup("two", 2, locale="en")
    await deliver(database, smtp_server)
    await catalogue.update_event("two", {"sessions": [
        session_payload(DAY1, id=day1.id)]}, actor=ADMIN, now=NOW)
    await deliver(database, smtp_server)
    later = [m for m in smtp_server.received[2:]]
    assert len(later) == 4, "each attendee: the removal, then the change"
    by_subject = {str(m.message["Subject"]): m.message for m in later}
    removal = by_subject["【カレンダーの予定の取り消し】テストイベント"]
    [vevent] = invitation(removal).walk("VEVENT")
    assert str(vevent["UID"]) == uid(day2)
    assert "DTSTART" not in vevent, "the session is gone: cancelled by its UID"
    assert str(vevent["STATUS"]) == "CANCELLED" and vevent["SEQUENCE"] == 2
    assert "プログラムから削除された回" in removal.get_body(("plain",)).get_content()
    changed = by_subject["【変更のお知らせ】テストイベント"]
    assert uids_and_sequences(invitation(changed)) == {uid(day1): 3}
    text = changed.get_body(("plain",)).get_content()
    assert "変更点:" in text and "取りやめ: " in text
    english = by_subject["Changed: Test event"].get_body(("plain",)).get_content()
    assert "What changed:" in english and "Removed: " in english
    assert "Calendar update: Test event" in by_subject
    verdicts = itip_many([ics for m in later for ics in calendars(m.message)])
    assert all(v["valid"] for v in verdicts), verdicts


# ---- decided when sent --------------------------------------------------------------------------

async def test_a_confirmation_overtaken_by_the_cancellation_of_the_event(database, smtp_server):
    await make_event(slug="off", now=NOW, start=DAY1)
    r = await signup("off")
    await catalogue.update_event("off", {"status": "cancelled"}, actor=ADMIN, now=NOW)
    worker = await deliver(database, smtp_server)
    confirmation = await Notification.get(registration_id=r.id, purpose="confirmed")
    assert confirmation.status == "skipped"
    assert "the event was cancelled before delivery" in confirmation.last_error
    [received] = smtp_server.received
    assert str(received.message["Subject"]) == "【中止のお知らせ】テストイベント"
    assert calendars(received.message) == [], "the calendar never got the sessions"
    assert worker.stats["sent"] == 1


async def test_an_event_cancelled_after_the_confirmation_outranks_it(database, smtp_server):
    await make_event(slug="off", now=NOW, start=DAY1)
    r = await signup("off")
    await deliver(database, smtp_server)
    await catalogue.update_event("off", {"status": "cancelled"}, actor=ADMIN, now=NOW)
    await deliver(database, smtp_server)
    request, cancel = (invitation(m.message) for m in smtp_server.received)
    [(key, requested)] = uids_and_sequences(request).items()
    assert uids_and_sequences(cancel) == {key: requested + 1}
    assert cancel["METHOD"] == "CANCEL"
    assert (await fresh(r)).calendar_uids == []


async def test_change_mail_says_what_changed_old_and_new(database, smtp_server):
    await make_event(slug="moved", now=NOW, start=DAY1)
    [session] = await sessions_of("moved")
    await signup("moved", 1)
    await signup("moved", 2, locale="en")
    await deliver(database, smtp_server)
    later = DAY1 + timedelta(days=1, hours=2)
    await catalogue.update_event("moved", {
        "venue": {"name": "大阪会場", "address": "大阪府"},
        "sessions": [session_payload(later, id=session.id)]}, actor=ADMIN, now=NOW)
    # A second change before anything was sent: the mail tells both, from the first state.
    await catalogue.update_event("moved", {"status": "postponed"}, actor=ADMIN, now=NOW)
    await deliver(database, smtp_server)
    mails = {m.recipients[0]: m.message for m in smtp_server.received[2:]}
    assert len(mails) == 2
    ja = mails["taro1@example.jp"]
    assert str(ja["Subject"]) == "【延期のお知らせ】テストイベント"
    for body in (ja.get_body(("plain",)).get_content(), ja.get_body(("html",)).get_content()):
        assert "開催状況: 開催予定 → 延期" in body
        assert "日時: 2030年7月12日(金) 14:00–17:00 → 2030年7月13日(土) 16:00–19:00" in body
        assert "会場: 会場, 東京都 → 大阪会場, 大阪府" in body
    en = mails["taro2@example.jp"].get_body(("plain",)).get_content()
    assert "Status: Scheduled → Postponed" in en
    assert "Time: Fri 12 Jul 2030 14:00–17:00 → Sat 13 Jul 2030 16:00–19:00" in en
    assert "Place: 会場, 東京都 → 大阪会場, 大阪府" in en
    skipped = await Notification.filter(purpose="event_changed", status="skipped").count()
    assert skipped == 2, "the first change's messages were folded into the second's"
    # A postponed event is requested as TENTATIVE: a REQUEST is never CANCELLED.
    cal = invitation(ja)
    assert {str(e["STATUS"]) for e in cal.walk("VEVENT")} == {"TENTATIVE"}


# ---- every invitation, every state --------------------------------------------------------------

EVENT_STATUSES = ("scheduled", "tentative", "postponed", "cancelled")
REGISTRATION_STATUSES = ("confirmed", "waitlisted", "cancelled")


@pytest.mark.parametrize("mode", ["venue", "online"])
@pytest.mark.parametrize("event_status", EVENT_STATUSES)
async def test_every_invitation_passes_libical(database, event_status, mode):
    """Every purpose × registration status for this event status and mode, from a calendar
    that holds the other mode's days and a session since deleted, at SEQUENCE 7."""
    await interop("every")
    day1, day2 = await sessions_of("every")
    cases = [(p, s) for p in mail.CALENDAR_PURPOSES for s in REGISTRATION_STATUSES]
    people = [await signup("every", n, attendance=mode) for n in range(len(cases))]
    await Event.filter(slug="every").update(status=event_status, revision=4)
    worker = Worker(database, clock=lambda: NOW)
    gone = calendar.session_uid(day2.id + 1000, HOST)
    texts: list[bytes] = []
    decided: list[tuple[str, str, str]] = []
    for r, (purpose, status) in zip(people, cases, strict=True):
        await Registration.filter(id=r.id).update(
            status=status, calendar_sequence=7, calendar_uids=[uid(day1), uid(day2), gone])
        message = await Notification.create(registration_id=r.id, purpose=purpose,
                                            revision=99, created_at=NOW)
        message = await Notification.get(id=message.id).prefetch_related(
            "registration", "broadcast", "user")
        facts = await worker.facts(message, {}, NOW)
        if not isinstance(facts, mail.Facts):
            decided.append((purpose, status, "skipped"))
            continue
        for out in worker.outgoing(facts):
            for ics in calendars(out.email):
                cal = icalendar.Calendar.from_ical(ics)
                method = str(cal["METHOD"])
                decided.append((purpose, status, method))
                texts.append(ics)
                for vevent in cal.walk("VEVENT"):
                    assert int(vevent["SEQUENCE"]) > 7, "above every SEQUENCE sent before"
                    if method == "REQUEST":
                        assert str(vevent["STATUS"]) in ("CONFIRMED", "TENTATIVE")
                        assert status == "confirmed" and event_status != "cancelled"
                    else:
                        assert str(vevent["STATUS"]) == "CANCELLED"
                        assert "stream.example.jp" not in ics.decode()
    assert texts, decided
    for verdict, (purpose, status, method) in zip(
            itip_many(texts), [d for d in decided if d[2] != "skipped"], strict=True):
        assert verdict == {"valid": True, "method": method, "errors": []}, (purpose, status)
    # A confirmed attendee of an event that takes place always hears of their sessions.
    if event_status != "cancelled":
        assert ("confirmed", "confirmed", "REQUEST") in decided
    else:
        assert ("event_cancelled", "confirmed", "CANCEL") in decided
        assert ("confirmed", "confirmed", "skipped") in decided


# ---- the mail cap ---------------------------------------------------------------------------

async def test_toggling_attendance_sends_at_most_the_cap_then_the_final_state(
        database, smtp_server):
    """A toggle a minute for 50 minutes, the worker keeping up: the cap, then the final
    state once the hour has room; everything between is skipped, nothing is lost."""
    await make_event(slug="toggle", format="hybrid", now=NOW,
                     sessions=[session_payload(DAY1, fmt="hybrid")])
    r = await signup("toggle")
    await deliver(database, smtp_server)
    cap = database.mail_per_registration_hour
    assert cap == 5
    for minute, mode in enumerate(["online", "venue"] * 25, start=1):
        now = NOW + timedelta(minutes=minute)
        await registration.switch_attendance(await fresh(r), {"attendance": mode}, now=now)
        await deliver(database, smtp_server, now)
        if minute == cap:
            held = await Notification.filter(registration_id=r.id).order_by("-id").first()
            assert held is not None and held.status == "pending" and held.attempts == 0
            assert held.next_attempt_at == NOW + timedelta(hours=1), "when the hour has room"
            assert "5 mails about this registration in the last hour" in held.last_error
    assert len(smtp_server.received) == cap
    rows = await Notification.filter(registration_id=r.id).order_by("id")
    assert len(rows) == 51
    assert [m.status for m in rows[cap:]] == ["pending"] * (51 - cap)

    worker = await deliver(database, smtp_server, NOW + timedelta(hours=1))
    assert worker.stats["sent"] == 1 and worker.stats["skipped"] == 51 - cap - 1
    assert len(smtp_server.received) == cap + 1
    final = smtp_server.received[-1].message
    assert "「会場参加」に変更しました" in final.get_body(("plain",)).get_content()
    assert (await fresh(r)).attendance == "venue"
    rows = await Notification.filter(registration_id=r.id).order_by("id")
    assert rows[-1].status == "sent"
    assert all(m.status == "skipped" and "superseded" in m.last_error for m in rows[cap:-1])


async def test_toggling_before_the_worker_runs_sends_the_final_state_only(
        database, smtp_server):
    await make_event(slug="toggle", format="hybrid", now=NOW,
                     sessions=[session_payload(DAY1, fmt="hybrid")])
    r = await signup("toggle")
    for mode in ["online", "venue"] * 25:
        await registration.switch_attendance(await fresh(r), {"attendance": mode}, now=NOW)
    worker = await deliver(database, smtp_server)
    assert worker.stats["sent"] == 2, "the confirmation, then the final state"
    assert "会場参加" in smtp_server.received[-1].message.get_body(("plain",)).get_content()


async def test_under_the_cap_every_message_goes_out(database, smtp_server):
    await make_event(slug="calm", format="hybrid", now=NOW,
                     sessions=[session_payload(DAY1, fmt="hybrid")])
    r = await signup("calm")
    await registration.switch_attendance(await fresh(r), {"attendance": "online"}, now=NOW)
    worker = await deliver(database, smtp_server)
    assert worker.stats == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}


def test_the_cap_is_a_setting(tmp_path: Path):
    from tests.conftest import make_settings

    settings = make_settings("sqlite://x", tmp_path, KAIGI_MAIL_PER_REGISTRATION_HOUR="2")
    assert settings.mail_per_registration_hour == 2
    with pytest.raises(Exception, match="KAIGI_MAIL_PER_REGISTRATION_HOUR"):
        make_settings("sqlite://x", tmp_path, KAIGI_MAIL_PER_REGISTRATION_HOUR="0")


def test_change_summaries_fold_into_one():
    a = {"starts_at": "2030-01-01T01:00:00+00:00", "ends_at": "2030-01-01T02:00:00+00:00",
         "format": "in_person", "place": "A", "id": 1, "title_ja": "", "title_en": ""}
    b, c = {**a, "place": "B"}, {**a, "place": "A"}
    first = {"status": ["scheduled", "postponed"], "sessions": [[a, b]]}
    second = {"status": ["postponed", "scheduled"], "sessions": [[b, c]]}
    assert outbox.merge_changes(first, second) == {}, "back where it was: nothing to say"
    assert outbox.merge_changes(first, {"sessions": [[b, None]]}) == {
        "status": ["scheduled", "postponed"], "sessions": [[a, None]]}


async def test_an_invitation_sent_before_sequences_were_kept_is_still_outranked(
        database, smtp_server):
    """A registration confirmed by an earlier kaigi: no UIDs kept, SEQUENCE 0, but a REQUEST
    at the event's revision went out. Its cancellation removes those sessions, above it."""
    await interop()
    day1, day2 = await sessions_of("interop")
    r = await signup("interop", attendance="online")
    await Event.filter(slug="interop").update(revision=2)
    await Notification.filter(registration_id=r.id).update(status="sent", sent_at=NOW)
    await registration.cancel(await fresh(r), now=NOW)
    await deliver(database, smtp_server)
    [received] = smtp_server.received
    assert uids_and_sequences(invitation(received.message)) == {uid(day1): 3, uid(day2): 3}


async def test_a_change_of_place_is_not_news_to_online_attendees(database, smtp_server):
    await make_event(slug="moved", format="hybrid", now=NOW,
                     sessions=[session_payload(DAY1, fmt="hybrid")])
    [session] = await sessions_of("moved")
    await signup("moved", 1, attendance="venue")
    online = await signup("moved", 2, attendance="online")
    await deliver(database, smtp_server)
    await catalogue.update_event("moved", {"venue": {"name": "大阪会場", "address": "大阪府"}},
                                 actor=ADMIN, now=NOW)
    await deliver(database, smtp_server)
    assert [m.recipients for m in smtp_server.received[2:]] == [["taro1@example.jp"]]
    skipped = await Notification.get(registration_id=online.id, purpose="event_changed")
    assert skipped.status == "skipped" and "does not concern" in skipped.last_error
    await catalogue.update_event("moved", {"sessions": [
        session_payload(DAY1 + timedelta(hours=1), fmt="hybrid", id=session.id)]},
        actor=ADMIN, now=NOW)
    await deliver(database, smtp_server)
    assert sorted(m.recipients[0] for m in smtp_server.received[3:]) == [
        "taro1@example.jp", "taro2@example.jp"]
