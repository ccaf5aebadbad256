"""Check-in at the venue door: one admission per registration and session day.

The database settles every race. The unique (registration, day) index on admissions
decides which of two scanners scanning one ticket at the same instant admits it; the
unique (event, nonce) index on scans makes a retried scan the same scan, and the scan
row holds the answer given, so a retry replays it. Both hold on SQLite and PostgreSQL
and across worker processes, with no lock held by Python.

Scans made offline arrive late with their `scanned_at`: the first scan by that time
wins (the admission takes its time and gate), and an offline entry that collides with
another entry of the same ticket on that day is reported as a `duplicate`.
"""

from __future__ import annotations

import base64
import json
import operator
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from events import inputs, kana, tickets
from events.access import Actor
from events.errors import CHECKIN_RESULTS, Forbidden, NotFound, status_of
from events.inputs import ScanIn
from events.models import Admission, Event, Registration, Scan, Session
from events.validation import MAX_ID, Checker, is_slug, printable
from events.vocabulary import serves_venue

# Every result a scan can have, with the HTTP status the API gives it.
RESULT_STATUS: dict[str, int] = {result: 200 if result == "checked_in" else status_of(result)
                                 for result in CHECKIN_RESULTS}
DETAILS = {
    "checked_in": "Checked in.",
    "already_checked_in": "This ticket has already entered today.",
    "duplicate": "Admitted offline, but this ticket also entered elsewhere that day.",
    "cancelled": "This registration is cancelled.",
    "waitlisted": "This registration is on the waiting list, not confirmed.",
    "unconfirmed": "The attendee has not confirmed their email address yet.",
    "online_only": "This registration is for online attendance, not the venue.",
    "wrong_day": "This event has no venue session on this day.",
    "wrong_event": "This ticket is for another event.",
    "invalid": "Not a valid ticket: garbled, truncated, forged or signed by another key.",
}
# A device clock a little ahead of ours is fine; a scan from the future is not.
CLOCK_SKEW = timedelta(minutes=5)
SEARCH_LIMIT = 20


@dataclass
class Outcome:
    """The answer to one scan; `replayed` when it is the stored answer to a retry."""

    answer: dict[str, Any]
    replayed: bool = False

    @property
    def result(self) -> str:
        result: str = self.answer["result"]
        return result

    @property
    def status(self) -> int:
        return RESULT_STATUS[self.result]


@dataclass(frozen=True)
class Door:
    """The event as the door sees it: its zone and the local days of its venue sessions."""

    event: Event
    tz: ZoneInfo
    sessions: list[Session]

    def day_of(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).date().isoformat()

    def session_days(self, session: Session) -> list[str]:
        first = session.starts_at.astimezone(self.tz).date()
        # A session ending at midnight does not spill into the next day.
        last = (session.ends_at - timedelta(microseconds=1)).astimezone(self.tz).date()
        last = max(first, last)
        return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]

    def venue_sessions(self) -> list[Session]:
        return [s for s in self.sessions if serves_venue(s.format)]

    def days(self) -> dict[str, list[Session]]:
        """Each local day with a venue session, and its sessions, in order."""
        out: dict[str, list[Session]] = {}
        for s in self.venue_sessions():
            for day in self.session_days(s):
                out.setdefault(day, []).append(s)
        return dict(sorted(out.items()))


async def open_door(slug: str) -> Door:
    """The event (drafts too: staff rehearse before publishing) and its sessions."""
    event = await Event.get_or_none(slug=slug) if is_slug(slug) else None
    if event is None:
        raise NotFound(f"No event {slug!r}.")
    sessions = await Session.filter(event_id=event.id).order_by("starts_at", "position", "id")
    return Door(event, ZoneInfo(event.timezone), sessions)


class RecentDoors:
    """Doors read in the last `ttl` seconds: a crowd at the entrance is one event.

    Reading the event and its sessions was two of a scan's queries. A copy a few seconds
    old only decides the session days and who may scan; admissions are always decided
    by the database. Unknown slugs are never cached.
    """

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._doors: dict[str, tuple[float, Door]] = {}

    async def get(self, slug: str) -> Door:
        now = time.monotonic()
        hit = self._doors.get(slug)
        if hit and hit[0] > now:
            return hit[1]
        door = await open_door(slug)
        if len(self._doors) > 1000:
            self._doors.clear()
        self._doors[slug] = (now + self.ttl, door)
        return door


def require_staff(actor: Actor, event: Event) -> None:
    """Check-in keys of this event, and whoever manages it (its organizer, admins)."""
    actor.require_key()
    if actor.role == "checkin" and actor.event_id == event.id:
        return
    if actor.can_manage(event):
        return
    raise Forbidden("This key may not check in attendees of this event.")


# ---- reading a scan ---------------------------------------------------------------------

def parse_scan(data: Any, door: Door, now: datetime) -> dict[str, Any]:
    """The scan's fields as keyword arguments of `check_in`; every problem at once."""
    scan = inputs.parse(ScanIn, data)
    check = Checker()
    if scan.code is None and scan.registration_id is None:
        check.fail("code", "code_or_id")
    if scan.code is not None and scan.registration_id is not None:
        check.fail("registration_id", "code_and_id")
    session = None
    if scan.session is not None:
        session = next((s for s in door.sessions if s.id == scan.session), None)
        if session is None or not serves_venue(session.format):
            check.fail("session", "not_venue_session")
    scanned_at = inputs.in_zone(scan.scanned_at, door.tz) if scan.scanned_at else None
    if scanned_at is not None and scanned_at > now + CLOCK_SKEW:
        check.fail("scanned_at", "scanned_in_future")
    check.done()
    return {"code": scan.code, "registration_id": scan.registration_id, "session": session,
            "gate": scan.gate or "", "nonce": scan.nonce or None, "scanned_at": scanned_at,
            "offline_result": scan.offline_result}


# ---- the scan ---------------------------------------------------------------------------

async def check_in(door: Door, *, code: str | None = None, registration_id: int | None = None,
                   session: Session | None = None, gate: str = "", nonce: str | None = None,
                   scanned_at: datetime | None = None, offline_result: str | None = None,
                   public_key: Ed25519PublicKey | bytes, key_id: int | None = None,
                   now: datetime) -> Outcome:
    """Decide one scan, record it, and admit the attendee when the ticket is good.

    `scanned_at` marks a scan made offline and uploaded later: its time decides the day
    and who was first. `offline_result` is what the offline device showed; an entry the
    device refused is recorded but admits nobody.
    """
    offline = scanned_at is not None
    when = scanned_at or now
    scan = Scan(event_id=door.event.id, nonce=nonce, code=_storable(code or ""), gate=gate,
                offline=offline, scanned_at=when, received_at=now, api_key_id=key_id)
    base: dict[str, Any] = {"offline": offline, "scanned_at": _local(when, door.tz),
                            "gate": gate, "nonce": nonce, "day": door.day_of(when),
                            "session": session.id if session else None,
                            "registration": None, "first_entry": None}
    if offline_result:
        base["offline_result"] = offline_result

    registration, refusal = await _registration(door, code, registration_id, public_key)
    if registration is not None:
        scan.registration_id = registration.id
        base["registration"] = display(registration)
        refusal = refusal or _refusal(registration)
    if refusal is None:
        # The scanner may name the part; else the day's first venue session.
        day_sessions = door.days().get(base["day"], [])
        if not day_sessions or (session is not None and session not in day_sessions):
            refusal = "wrong_day"
        else:
            session = session or day_sessions[0]
            base["session"] = session.id
    if refusal is not None:
        return await _record(scan, _answer(base, refusal))
    assert registration is not None and session is not None
    if offline and offline_result not in (None, "checked_in"):
        return await _record_refused_offline(door, scan, base, registration, offline_result)
    return await _admit(door, scan, base, registration, session, when, offline=offline)


async def _registration(door: Door, code: str | None, registration_id: int | None,
                        public_key: Ed25519PublicKey | bytes
                        ) -> tuple[Registration | None, str | None]:
    """The registration a scan names, or the reason it names none."""
    if code is not None:
        try:
            ticket = tickets.verify(public_key, code)
        except tickets.TicketError:
            return None, "invalid"
        if ticket.event_id != door.event.id:
            return None, "wrong_event"
        registration_id = ticket.registration_id
    registration = await Registration.get_or_none(id=registration_id, event_id=door.event.id)
    return registration, (None if registration else "invalid")


def _refusal(registration: Registration) -> str | None:
    if registration.status == "cancelled":
        return "cancelled"
    if registration.status == "waitlisted":
        return "waitlisted"
    if registration.status == "unconfirmed":
        return "unconfirmed"
    if registration.attendance != "venue":
        return "online_only"
    return None


async def _admit(door: Door, scan: Scan, base: dict[str, Any], registration: Registration,
                 session: Session, when: datetime, *, offline: bool) -> Outcome:
    values = {"registration_id": registration.id, "event_id": door.event.id,
              "session_id": session.id, "day": base["day"], "gate": scan.gate,
              "admitted_at": when}
    first = _answer(base, "checked_in", first_entry={
        "at": _local(when, door.tz), "gate": scan.gate, "session": session.id})
    try:
        if db_dialect() == "postgres" and await _admit_postgres(scan, values, first):
            return Outcome(first)
        async with in_transaction() as conn:
            admission = await _insert_admission(conn, values)
            if admission is None:
                admission = await Admission.get(registration_id=registration.id,
                                                day=base["day"], using_db=conn)
                answer = await _collision(door, conn, base, admission, registration, session,
                                          when, scan.gate, offline=offline)
            else:
                answer = first
            scan.admission_id = admission.id
            scan.result, scan.answer = answer["result"], answer
            await scan.save(using_db=conn)
    except IntegrityError:
        # Only the scan's (event, nonce) index is left to break: a retry raced us.
        return await _replay(scan)
    return Outcome(answer)


# A first entry on PostgreSQL in one statement, so a crowd at the door costs one round
# trip: ON CONFLICT waits for a concurrent insert of the same key to commit, then does
# nothing (and records nothing: the caller then takes the slower path that explains
# why); a repeated nonce fails the whole statement.
ADMIT_POSTGRES = """
WITH admitted AS (
    INSERT INTO admission (registration_id, event_id, session_id, day, gate, admitted_at)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (registration_id, day) DO NOTHING
    RETURNING id
), first_entry AS (
    UPDATE registration SET checked_in_at = $6
    WHERE id = $1 AND (checked_in_at IS NULL OR checked_in_at > $6)
      AND EXISTS (SELECT 1 FROM admitted)
), scanned AS (
    INSERT INTO scan (event_id, registration_id, admission_id, api_key_id, nonce, code,
                      result, gate, offline, scanned_at, received_at, answer)
    SELECT $2, $1, id, $7, $8, $9, 'checked_in', $5, $10, $6, $11, $12::jsonb
    FROM admitted
)
SELECT id FROM admitted
"""


def db_dialect() -> str:
    return get_connection("default").capabilities.dialect


async def _admit_postgres(scan: Scan, values: dict[str, Any], answer: dict[str, Any]) -> bool:
    """Admit and record in one statement; False when the ticket entered already today."""
    rows = await get_connection("default").execute_query_dict(ADMIT_POSTGRES, [
        values["registration_id"], values["event_id"], values["session_id"], values["day"],
        values["gate"], values["admitted_at"], scan.api_key_id, scan.nonce,
        scan.code, scan.offline, scan.received_at, json.dumps(answer, ensure_ascii=False)])
    return bool(rows)


async def _insert_admission(conn: Any, values: dict[str, Any]) -> Admission | None:
    """The day's admission if this scan made it; None when the ticket entered already."""
    try:
        async with in_transaction():  # a savepoint: a lost race is not an error
            admission = await Admission.create(**values, using_db=conn)
    except IntegrityError:
        return None
    await Registration.filter(
        Q(checked_in_at__isnull=True) | Q(checked_in_at__gt=values["admitted_at"]),
        id=values["registration_id"]).using_db(conn).update(
        checked_in_at=values["admitted_at"])
    return admission


async def _collision(door: Door, conn: Any, base: dict[str, Any], admission: Admission,
                     registration: Registration, session: Session, when: datetime, gate: str,
                     *, offline: bool) -> dict[str, Any]:
    """The ticket entered already that day: refuse, or settle an offline duplicate."""
    if not offline:
        return _answer(base, "already_checked_in", first_entry=_entry(admission, door.tz))
    other = _entry(admission, door.tz)
    if when < admission.admitted_at:
        # First scan wins: the earlier offline entry becomes the day's admission.
        moved = await Admission.filter(id=admission.id, admitted_at__gt=when).using_db(
            conn).update(admitted_at=when, gate=gate, session_id=session.id)
        if moved:
            admission.admitted_at, admission.gate = when, gate
            admission.session_id = session.id
            await Registration.filter(
                Q(checked_in_at__isnull=True) | Q(checked_in_at__gt=when),
                id=registration.id).using_db(conn).update(checked_in_at=when)
    return _answer(base, "duplicate", first_entry=_entry(admission, door.tz),
                   duplicate_of=other)


async def _record_refused_offline(door: Door, scan: Scan, base: dict[str, Any],
                                  registration: Registration, shown: str) -> Outcome:
    """The offline device turned the attendee away: keep the scan, admit nobody."""
    admission = await Admission.get_or_none(registration_id=registration.id, day=base["day"])
    if admission is None:
        return await _record(scan, _answer(base, shown))
    scan.admission_id = admission.id
    return await _record(scan, _answer(base, "already_checked_in",
                                       first_entry=_entry(admission, door.tz)))


async def _record(scan: Scan, answer: dict[str, Any]) -> Outcome:
    scan.result, scan.answer = answer["result"], answer
    try:
        await scan.save()
    except IntegrityError:
        return await _replay(scan)
    return Outcome(answer)


async def _replay(scan: Scan) -> Outcome:
    stored = await Scan.get(event_id=scan.event_id, nonce=scan.nonce)
    return Outcome(stored.answer, replayed=True)


async def replay(door: Door, nonce: str | None) -> Outcome | None:
    """The stored answer when this nonce was scanned before: a retry is the same scan."""
    if not nonce:
        return None
    stored = await Scan.get_or_none(event_id=door.event.id, nonce=nonce)
    return Outcome(stored.answer, replayed=True) if stored else None


def _answer(base: dict[str, Any], result: str, **more: Any) -> dict[str, Any]:
    return {"result": result, "status": RESULT_STATUS[result], "detail": DETAILS[result],
            **base, **more}


def _entry(admission: Admission, tz: ZoneInfo) -> dict[str, Any]:
    return {"at": _local(admission.admitted_at, tz), "gate": admission.gate,
            "session": admission.session_id}


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat()


def _storable(text: str) -> str:
    return printable(text).replace("\x00", "")[:200]


def display(registration: Registration) -> dict[str, Any]:
    """What the door shows of an attendee: enough to greet them, nothing to contact them."""
    return {"id": registration.id, "name": registration.name,
            "name_kana": registration.name_kana, "affiliation": registration.affiliation,
            "attendance": registration.attendance, "status": registration.status}


# ---- the manual fallback ---------------------------------------------------------------

async def search(door: Door, q: str, public_key: Ed25519PublicKey | bytes
                 ) -> list[dict[str, Any]]:
    """Find an attendee whose phone died: by name or kana (hiragana, katakana and
    half-width katakana alike), email, ticket number or code. The answer holds what the
    door needs and no more (`found`); a cancelled registration is not found by email."""
    check = Checker()
    q = (q or "").strip()
    if not q:
        check.fail("q", "search_needed")
    elif len(q) > 200 or not storable_query(q):
        check.fail("q", "too_long", max=200)
    check.done()
    match = reduce(operator.or_, [Q(name__icontains=s) | Q(name_kana__icontains=s)
                                  for s in kana.spellings(q)])
    match |= Q(Q(email_normalized__icontains=kana.fold(q)), ~Q(status="cancelled"))
    number = unicodedata.normalize("NFKC", q).lstrip("#")
    if number.isascii() and number.isdigit() and 0 < int(number) < MAX_ID:
        match |= Q(id=int(number))
    if q.startswith(tickets.PREFIX):
        try:
            ticket = tickets.verify(public_key, q)
        except tickets.TicketError:
            pass
        else:
            match |= Q(id=ticket.registration_id)
    rows = await Registration.filter(match, event_id=door.event.id).order_by(
        "name_kana", "name", "id").limit(SEARCH_LIMIT)
    entries: dict[int, list[str]] = {}
    for registration_id, day in await Admission.filter(
            registration_id__in=[r.id for r in rows]).order_by("day").values_list(
            "registration_id", "day"):
        entries.setdefault(registration_id, []).append(day)
    return [found(r, entries.get(r.id, [])) for r in rows]


def found(registration: Registration, entered_days: list[str]) -> dict[str, Any]:
    """A search result: who it is, their ticket number, whether the door may admit them
    and when they entered; no affiliation, nothing of the address."""
    return {"id": registration.id, "name": registration.name,
            "name_kana": registration.name_kana, "attendance": registration.attendance,
            "status": registration.status, "entered_days": entered_days}


def storable_query(q: str) -> bool:
    return "\x00" not in q and printable(q) == q


# ---- for the organizer -------------------------------------------------------------------

async def stats(door: Door) -> dict[str, Any]:
    """Registered and checked in, per attendance mode and per session day; duplicates."""
    event = door.event
    modes: dict[str, dict[str, int]] = {
        m: {"registered": 0, "waitlisted": 0, "cancelled": 0, "checked_in": 0}
        for m in ("venue", "online")}
    for row in await Registration.filter(event_id=event.id).annotate(n=Count("id")).group_by(
            "attendance", "status").values("attendance", "status", "n"):
        if row["status"] == "unconfirmed":  # a held seat, not a registration yet
            continue
        key = "registered" if row["status"] == "confirmed" else row["status"]
        modes.setdefault(row["attendance"], {k: 0 for k in modes["venue"]})[key] = row["n"]
    for row in await Registration.filter(event_id=event.id, checked_in_at__isnull=False
                                         ).annotate(n=Count("id")).group_by(
            "attendance").values("attendance", "n"):
        modes[row["attendance"]]["checked_in"] = row["n"]
    admitted = {row["day"]: row["n"] for row in await Admission.filter(
        event_id=event.id).annotate(n=Count("id")).group_by("day").values("day", "n")}
    results = {row["result"]: row["n"] for row in await Scan.filter(
        event_id=event.id).annotate(n=Count("id")).group_by("result").values("result", "n")}
    offline = await Scan.filter(event_id=event.id, offline=True).count()
    days = door.days()
    return {
        "event": event.slug,
        "registered": sum(m["registered"] for m in modes.values()),
        "checked_in": sum(m["checked_in"] for m in modes.values()),
        "attendance": modes,
        "days": [{"day": day, "sessions": [s.id for s in sessions],
                  "checked_in": admitted.get(day, 0)} for day, sessions in days.items()],
        "scans": {"total": sum(results.values()), "offline": offline, "results": results},
        "duplicates": results.get("duplicate", 0),
        "duplicate_scans": await _duplicates(door),
    }


async def _duplicates(door: Door, limit: int = 50) -> list[dict[str, Any]]:
    """The latest offline entries that collided with another entry: staff follow these up."""
    scans = await Scan.filter(event_id=door.event.id, result="duplicate").order_by(
        "-received_at").limit(limit).prefetch_related("registration")
    return [{"registration": display(s.registration) if s.registration else None,
             "day": s.answer.get("day"), "scanned_at": s.answer.get("scanned_at"),
             "gate": s.gate, "first_entry": s.answer.get("first_entry"),
             "other_entry": s.answer.get("duplicate_of")} for s in scans]


async def recent_scans(door: Door, limit: int = 30) -> list[Scan]:
    """The latest scans at this event's door, newest first (offline ones by arrival)."""
    return await Scan.filter(event_id=door.event.id).order_by("-received_at", "-id").limit(
        limit).prefetch_related("registration")


async def offline_kit(door: Door, public: bytes, now: datetime) -> dict[str, Any]:
    """What a scanner needs to decide alone when the hall's network is gone.

    Ticket codes carry no personal data, so the kit adds the names of the confirmed
    venue attendees (to greet them), and nothing else personal: no email, kana or
    affiliation. Revoked tickets are listed by registration number with the reason.
    """
    event = door.event
    revoked: dict[str, list[int]] = {"cancelled": [], "waitlisted": [], "online_only": []}
    names: dict[str, str] = {}
    rows = await Registration.filter(event_id=event.id).values_list(
        "id", "status", "attendance", "name")
    for registration_id, status, attendance, name in rows:
        if status == "cancelled":
            revoked["cancelled"].append(registration_id)
        elif status in ("waitlisted", "unconfirmed"):  # neither holds a confirmed seat
            revoked["waitlisted"].append(registration_id)
        elif attendance != "venue":
            revoked["online_only"].append(registration_id)
        else:
            names[str(registration_id)] = name
    days = door.days()
    # Entries of today and later only: a device needs no history to refuse a second entry.
    today = door.day_of(now)
    entered: dict[str, list[list[Any]]] = {day: [] for day in days if day >= today}
    for registration_id, day, at, gate in await Admission.filter(
            event_id=event.id, day__gte=today).values_list(
            "registration_id", "day", "admitted_at", "gate"):
        entered.setdefault(day, []).append([registration_id, _local(at, door.tz), gate])
    return {
        "event": {"id": event.id, "slug": event.slug,
                  "title": {"ja": event.title_ja, "en": event.title_en},
                  "timezone": event.timezone},
        "key": {"algorithm": "Ed25519", "key_id": tickets.key_id(public),
                "public_key": base64.urlsafe_b64encode(public).decode().rstrip("=")},
        "generated_at": _local(now, door.tz),
        "days": [{"day": day, "sessions": [{
            "id": s.id, "title": {"ja": s.title_ja or event.title_ja,
                                  "en": s.title_en or event.title_en},
            "starts_at": _local(s.starts_at, door.tz), "ends_at": _local(s.ends_at, door.tz),
        } for s in sessions]} for day, sessions in days.items()],
        "revoked": revoked,
        "entered": entered,
        "names": names,
    }
