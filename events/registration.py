"""Register, cancel, switch attendance mode, promote the waiting list. Never overbook.

Every seat change is a conditional UPDATE of the event's counters inside a transaction,
and it is the first write of that transaction: PostgreSQL then holds the event row lock
and SQLite the database write lock until commit, so concurrent registrations for one
event queue up in the database whatever the number of processes, and the waiting list
positions they read back are exact.
"""

from __future__ import annotations

import operator
import re
import secrets
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from events import audit, db, holds, inputs, kana, seats
from events.access import Actor
from events.catalogue import attendance_modes
from events.errors import Code, Conflict, FieldError, Invalid, NotFound, Refused
from events.inputs import BASIC_MEMBERSHIPS, AttendanceIn, RegistrationIn, TicketLinkIn
from events.models import (
    ATTENDANCE_MODES,
    REGISTRATION_STATUSES,
    Event,
    Notification,
    Organization,
    Registration,
)
from events.validation import MAX_ID, Checker, is_slug, storable

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass
class Answer:
    registration: Registration
    position: int | None
    # The event confirms addresses first: say "check your email" and nothing else, the
    # same whether the address is new or registered (events.holds).
    check_email: bool = False


# ---- reading and validating --------------------------------------------------------------

async def open_event(slug: str) -> Event:
    event = await Event.get_or_none(slug=slug)
    if event is None or event.status == "draft":
        raise NotFound(f"No event {slug!r}.")
    return event


class RecentEvents:
    """Events read in the last `ttl` seconds, for the flash-crowd path.

    Reading the event row was a third of a registration's cost. A copy that is two
    seconds old is safe: it only decides whether registration is open; seats are
    always decided by the database. Drafts and unknown slugs are never cached.
    """

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._events: dict[str, tuple[float, Event]] = {}

    async def get(self, slug: str) -> Event:
        now = time.monotonic()
        hit = self._events.get(slug)
        if hit and hit[0] > now:
            return hit[1]
        event = await open_event(slug)
        if len(self._events) > 1000:
            self._events.clear()
        self._events[slug] = (now + self.ttl, event)
        return event

    def forget(self, slug: str) -> None:
        """After a change made by this process, read the event afresh."""
        self._events.pop(slug, None)


def check_open(event: Event, now: datetime) -> None:
    """Refuse with a stable code when registration is not possible right now."""
    if event.status == "cancelled":
        raise Refused(Code.EVENT_CANCELLED, "The event is cancelled.")
    if event.status == "postponed":
        raise Refused(Code.EVENT_POSTPONED, "The event is postponed; registration will reopen.")
    if event.date_tbd or event.ends_at is None:
        raise Refused(Code.REGISTRATION_NOT_OPEN, "The date is not announced yet.")
    if event.registration_opens_at and now < event.registration_opens_at:
        raise Refused(Code.REGISTRATION_NOT_OPEN, "Registration has not opened yet.",
                      opens_at=event.registration_opens_at.isoformat())
    closes = event.registration_closes_at or event.ends_at
    if now >= closes:
        raise Refused(Code.REGISTRATION_CLOSED, "Registration is closed.")


async def parse_registration(event: Event, data: Any, *, require_consent: bool = False
                             ) -> dict[str, Any]:
    check = Checker()
    try:
        sent = inputs.parse(RegistrationIn, data)
    except Invalid as exc:
        if not isinstance(data, dict):
            raise
        check.errors += exc.errors
        sent = None
    modes = attendance_modes(event)
    given = data.get("attendance")
    if given is None and len(modes) > 1:
        check.fail("attendance", "choose_attendance")
    if require_consent and data.get("consent") is not True and not any(
            e.field == "consent" for e in check.errors):
        check.fail("consent", "consent")
    membership = (sent.membership if sent else _raw_text(data.get("membership"))) or "none"
    if membership not in ("none", *BASIC_MEMBERSHIPS) and (not is_slug(membership) or not await
                                                Organization.filter(slug=membership).exists()):
        check.fail("membership", "membership")
    check.done()
    assert sent is not None
    attendance = sent.attendance or (modes[0] if modes else None)
    if attendance not in modes:
        raise Refused(Code.ATTENDANCE_NOT_OFFERED,
                      f"This event does not offer {attendance} attendance.",
                      field="attendance")
    return {"name": sent.name, "name_kana": sent.name_kana or "", "email": sent.email,
            "email_normalized": normalize_email(sent.email),
            "affiliation": sent.affiliation or "", "membership": membership,
            "attendance": attendance, "locale": sent.locale or "ja",
            "consent": sent.consent is True}


def _raw_text(value: Any) -> str:
    """A field of a request that failed validation, when it is usable for the other checks."""
    return value.strip()[:100] if isinstance(value, str) and storable(value) else ""


def normalize_email(email: str) -> str:
    """The address registrations are told apart by: NFKC (ｔａｒｏ＠… is taro@…), lower case."""
    return unicodedata.normalize("NFKC", email).strip().lower()


async def _notify(registration: Registration, purpose: str, now: datetime, conn: Any,
                  revision: int | None = None) -> None:
    if revision is None:
        revision = await Notification.filter(
            registration_id=registration.id, purpose=purpose).using_db(conn).count()
    await Notification.create(registration=registration, purpose=purpose, revision=revision,
                              created_at=now, next_attempt_at=now, using_db=conn)


# ---- the attendee's actions --------------------------------------------------------------

async def register(slug: str, data: Any, *, now: datetime, require_consent: bool = False,
                   events: RecentEvents | None = None,
                   hold: timedelta = timedelta(minutes=30)) -> Answer:
    event = await (events.get(slug) if events else open_event(slug))
    check_open(event, now)
    hold_until = holds.hold_until(event, now, hold)
    fields = await parse_registration(
        event, data, require_consent=require_consent or event.consent_required)
    values = {
        "event_id": event.id, "token": secrets.token_urlsafe(24), "name": fields["name"],
        "name_kana": fields["name_kana"], "email": fields["email"],
        "email_normalized": fields["email_normalized"], "affiliation": fields["affiliation"],
        "membership": fields["membership"], "attendance": fields["attendance"],
        "locale": fields["locale"], "consent_at": now if fields["consent"] else None,
        # The privacy notice consented to (events.privacy): its version at this moment.
        "consent_version": event.privacy_version if fields["consent"] else None,
        "created_at": now, "updated_at": now, "hold_expires_at": hold_until,
    }
    if hold_until is not None:  # seats whose hold ran out go to the queue first
        await holds.expire_holds(now, event_id=event.id)
    try:
        registration_id, status, queue, position = await seats.register(
            values, fields["attendance"], hold_until=hold_until)
    except IntegrityError:
        # The unique (event, email) index: registered already, or cancelled and back.
        existing = await Registration.get_or_none(event_id=event.id,
                                                  email_normalized=fields["email_normalized"])
        if existing is None:
            raise
        if existing.status != "cancelled" and hold_until is not None:
            return await _registered_quietly(existing, now)
        if existing.status != "cancelled":
            raise await _already(existing, now) from None
        revived = await _reactivate(existing, values, now)
        if revived is None and hold_until is not None:
            return await _registered_quietly(existing, now)
        if revived is None:  # a concurrent request brought it back first
            raise await _already(existing, now) from None
        registration_id, position = revived
        registration = await Registration.get(id=registration_id)
    else:
        # Built from what was inserted: saves a query on the flash-crowd path.
        registration = Registration(id=registration_id, status=status, queue_seq=queue,
                                    checked_in_at=None, cancelled_at=None, **values)
        registration._saved_in_db = True
    registration.event = event
    return Answer(registration, position, check_email=hold_until is not None)


async def _registered_quietly(existing: Registration, now: datetime) -> Answer:
    """Registered already, under confirm email first: the address gets its confirmation
    link (still held) or its ticket link, and the asker the same answer as a new one."""
    if holds.is_held(existing):
        await holds.remind(existing, now)
    else:
        await _already(existing, now)
    return Answer(existing, None, check_email=True)


async def _reactivate(existing: Registration, values: dict[str, Any], now: datetime
                      ) -> tuple[int, int | None] | None:
    """A cancelled registration comes back to life, at the end of the queue if full, with
    a new token: the old one, in old mails, no longer controls it. None when it is not
    cancelled any more (registered again meanwhile)."""
    mode = values["attendance"]
    held = values.get("hold_expires_at") is not None  # confirm email first (events.holds)
    try:
        async with in_transaction() as conn:
            position = None
            if await seats.take_seat(existing.event_id, mode, conn):
                status, queue = ("unconfirmed" if held else "confirmed"), 0
            else:
                status = "waitlisted"
                queue, position = await seats.join_queue(existing.event_id, mode, conn)
            changes = {k: v for k, v in values.items()
                       if k not in ("event_id", "created_at", "email_normalized")}
            updated = await Registration.filter(id=existing.id, status="cancelled").using_db(
                conn).update(**changes, status=status, queue_seq=queue, cancelled_at=None,
                             cancelled_by="", cancel_reason="", checked_in_at=None,
                             link_mailed_at=None, email_confirmed_at=None)
            if not updated:
                raise _Raced  # and the seat taken above is rolled back
            existing.status, existing.token = status, values["token"]
            await _notify(existing, "confirm_email" if held else status, now, conn)
    except _Raced:
        return None
    return existing.id, position


class _Raced(Exception):
    """The row changed under a conditional UPDATE: undo the transaction, nothing else."""


# A registered address receives its ticket link again at most this often, however often
# it is asked for (registering twice, "lost your ticket link?").
LINK_MAIL_INTERVAL = timedelta(hours=1)
# The registrations a ticket link is mailed for: a cancelled one has no ticket to show.
HOLDS_A_TICKET = ("confirmed", "waitlisted")


async def _already(existing: Registration, now: datetime) -> Conflict:
    """Registered already: the address gets its ticket link, the asker learns nothing more
    (not whether the registration is confirmed or waiting)."""
    await mail_ticket_link(existing.id, now)
    return Conflict("This email address is already registered for the event; its ticket "
                    "link has been mailed to it.", code=Code.ALREADY_REGISTERED,
                    field="email")


async def mail_ticket_link(registration_id: int, now: datetime) -> bool:
    """Queue the `ticket_link` message, unless one was queued less than an hour ago or the
    registration is cancelled; True when queued. The conditional UPDATE of
    `link_mailed_at` is the cap: of two concurrent requests, one changes the row."""
    async with in_transaction() as conn:
        claimed = await Registration.filter(
            Q(link_mailed_at__isnull=True) | Q(link_mailed_at__lte=now - LINK_MAIL_INTERVAL),
            id=registration_id, status__in=HOLDS_A_TICKET).using_db(conn).update(
            link_mailed_at=now)
        if not claimed:
            return False
        revision = await Notification.filter(registration_id=registration_id,
                                             purpose="ticket_link").using_db(conn).count()
        await Notification.create(registration_id=registration_id, purpose="ticket_link",
                                  revision=revision, created_at=now, next_attempt_at=now,
                                  using_db=conn)
    return True


def ticket_link_address(data: Any) -> str:
    """The address a "lost your ticket link?" request names ({"email": …}), as
    registrations are told apart by it; a malformed one is `Invalid`."""
    return normalize_email(inputs.parse(TicketLinkIn, data).email)


async def send_ticket_link(event: Event, address: str, *, now: datetime) -> None:
    """"Lost your ticket link?": mail it if the address is registered for the event. The
    caller answers the same whether it is or not, before this runs."""
    found: list[int] = await db.column(Registration.filter(
        event_id=event.id, email_normalized=address, status__in=HOLDS_A_TICKET), "id")
    if found:
        await mail_ticket_link(found[0], now)


async def by_token(registration_id: int | None, token: str) -> Registration:
    """The attendee's registration, proven by the secret token only."""
    if not TOKEN_RE.match(token or "") or (
            registration_id is not None and not 0 < registration_id < MAX_ID):
        raise NotFound("No such registration.")
    query = Registration.filter(token=token)
    if registration_id is not None:
        query = query.filter(id=registration_id)
    registration = await query.prefetch_related("event").first()
    if registration is None or not secrets.compare_digest(registration.token, token):
        raise NotFound("No such registration.")
    return registration


async def waitlist_position(registration: Registration) -> int | None:
    if registration.status != "waitlisted":
        return None
    return await Registration.filter(
        event_id=registration.event_id, attendance=registration.attendance,
        status="waitlisted", queue_seq__lte=registration.queue_seq,
    ).count()


async def cancel(registration: Registration, *, now: datetime) -> Registration:
    """Idempotent: cancelling twice is fine. Frees the seat and promotes in order."""
    async with in_transaction() as conn:
        # Lock the event first: it orders us with concurrent seat changes.
        await seats.lock_event(registration.event_id, conn)
        current = await Registration.get(id=registration.id, using_db=conn)
        if current.status == "cancelled":
            return registration
        await _cancel_locked(current, now, conn, by="attendee")
    return await Registration.get(id=registration.id).prefetch_related("event")


async def _cancel_locked(current: Registration, now: datetime, conn: Any, *, by: str,
                         reason: str = "") -> None:
    """Cancel `current`, read under the event's lock: free what it holds, tell the
    attendee, and give a freed seat to the waiting list."""
    await seats.release(current, conn)
    was_confirmed = current.status in seats.SEATED  # a held seat frees one too
    changed = await Registration.filter(id=current.id, status=current.status).using_db(
        conn).update(status="cancelled", cancelled_at=now, updated_at=now, cancelled_by=by,
                     cancel_reason=reason)
    assert changed == 1
    current.status, current.cancelled_by, current.cancel_reason = "cancelled", by, reason
    await _notify(current, "cancelled", now, conn)
    if was_confirmed:
        await seats.promote(current.event_id, current.attendance, now, conn)


async def switch_attendance(registration: Registration, data: Any, *, now: datetime
                            ) -> Answer:
    """Move to the other mode: a seat if free, else the end of that waiting list."""
    mode = inputs.parse(AttendanceIn, data).attendance
    event = await open_event(registration.event.slug)
    if registration.status == "cancelled":
        raise Refused(Code.REGISTRATION_CANCELLED, "This registration is cancelled.")
    if mode not in attendance_modes(event):
        raise Refused(Code.ATTENDANCE_NOT_OFFERED,
                      f"This event does not offer {mode} attendance.", field="attendance")
    check_open(event, now)
    if mode == registration.attendance:
        return Answer(registration, await waitlist_position(registration))
    async with in_transaction() as conn:
        await seats.lock_event(event.id, conn)
        current = await Registration.get(id=registration.id, using_db=conn)
        if current.status == "cancelled":
            raise Refused(Code.REGISTRATION_CANCELLED, "This registration is cancelled.")
        position = await _move_locked(current, mode, now, conn)
    fresh = await Registration.get(id=registration.id).prefetch_related("event")
    return Answer(fresh, position)


async def _move_locked(current: Registration, mode: str, now: datetime, conn: Any
                       ) -> int | None:
    """Move `current`, read under the event's lock, to `mode`: a seat if one is free,
    else the end of that waiting list. Returns the waiting-list position, if any."""
    old_mode, was_confirmed = current.attendance, current.status in seats.SEATED
    await seats.release(current, conn)
    position = None
    if await seats.take_seat(current.event_id, mode, conn):  # a hold stays a hold
        status, queue = ("unconfirmed" if holds.is_held(current) else "confirmed"), 0
    else:
        status = "waitlisted"
        queue, position = await seats.join_queue(current.event_id, mode, conn)
    await Registration.filter(id=current.id).using_db(conn).update(
        attendance=mode, status=status, queue_seq=queue, updated_at=now)
    current.attendance, current.status = mode, status
    await _notify(current, "attendance_changed", now, conn)
    if was_confirmed:
        await seats.promote(current.event_id, old_mode, now, conn)
    return position


# ---- for organizers ----------------------------------------------------------------------

async def list_registrations(event: Event, params: Mapping[str, str]) -> tuple[
        list[Registration], str | None]:
    check = Checker()
    query = Registration.filter(event_id=event.id)
    if status := params.get("status"):
        if status not in REGISTRATION_STATUSES:
            check.fail("status", "one_of", choices=", ".join(REGISTRATION_STATUSES))
        query = query.filter(status=status)
    if attendance := params.get("attendance"):
        if attendance not in ATTENDANCE_MODES:
            check.fail("attendance", "one_of", choices=", ".join(ATTENDANCE_MODES))
        query = query.filter(attendance=attendance)
    if q := params.get("q", "").strip():
        if len(q) > 200 or not storable(q):
            check.fail("q", "too_long", max=200)
        query = query.filter(reduce(operator.or_, [
            Q(name__icontains=s) | Q(name_kana__icontains=s) | Q(affiliation__icontains=s)
            for s in kana.spellings(q)], Q(email_normalized__icontains=normalize_email(q))))
    limit = check.limit(params, default=50, maximum=500)
    if (cursor := check.id_cursor(params)) is not None:
        query = query.filter(id__gt=cursor)
    check.done()
    rows = await query.order_by("id").limit(limit + 1)
    items = rows[:limit]
    return items, (str(items[-1].id) if len(rows) > limit else None)


async def all_registrations(event: Event) -> list[Registration]:
    return await Registration.filter(event_id=event.id).order_by("id")


async def positions(registrations: list[Registration]) -> dict[int, int]:
    """Waiting-list positions for many registrations with one query per event and mode."""
    out: dict[int, int] = {}
    groups: dict[tuple[int, str], list[Registration]] = {}
    for r in registrations:
        if r.status == "waitlisted":
            groups.setdefault((r.event_id, r.attendance), []).append(r)
    for (event_id, mode), members in groups.items():
        queue: list[int] = await db.column(Registration.filter(
            event_id=event_id, attendance=mode, status="waitlisted").order_by(
            "queue_seq", "id"), "id")
        rank = {rid: i + 1 for i, rid in enumerate(queue)}
        for r in members:
            out[r.id] = rank.get(r.id, 0)
    return out


# ---- the organizer's console: finding attendees, and acting for them -------------------------

PAGE_SIZE = 50
CHECKED_IN_CHOICES = ("yes", "no")
MAX_SEARCH_TERMS = 8
REASON_MAX = 1000
# A confirmation goes out again at most this often: the attendee's inbox, and our name
# with their mail provider, matter more than a second copy minutes after the first.
RESEND_INTERVAL = timedelta(hours=1)


@dataclass
class Listing:
    """One page of an event's registrations, and what the search found in all."""

    items: list[Registration]
    positions: dict[int, int]
    # Matches per status with every other filter applied: what each status filter finds.
    counts: dict[str, int]
    total: int
    offset: int  # matches before this page
    before: int | None  # cursors of the previous and the next page
    after: int | None


def _search_terms(q: str) -> Q:
    """Every word matches a name, kana reading, email, affiliation or ticket number.

    Names and readings are compared kana-folded (see events.kana): each word is looked
    for in each of its spellings, so plain `icontains` works on SQLite and PostgreSQL.
    """
    match = Q()
    for term in q.split()[:MAX_SEARCH_TERMS]:
        spelled = kana.spellings(term)
        either = [Q(name__icontains=s) | Q(name_kana__icontains=s) | Q(affiliation__icontains=s)
                  for s in spelled]
        either.append(Q(email_normalized__icontains=kana.fold(term)))
        number = unicodedata.normalize("NFKC", term).lstrip("#")
        if number.isascii() and number.isdigit() and 0 < int(number) < MAX_ID:
            either.append(Q(id=int(number)))
        match &= reduce(operator.or_, either)
    return match


def _cursor(check: Checker, params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name, "")
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and int(raw) < MAX_ID:
        return int(raw)
    check.fail(name, "cursor")
    return None


async def search(event: Event, params: Mapping[str, str]) -> Listing:
    """Registrations by search words and filters, 50 a page in registration order.

    Paging is by id (`after` / `before` the ids at the page's ends), so a page costs the
    same at the end of thousands as at the start, and rows that arrive meanwhile never
    shift a page under the reader.
    """
    check = Checker()
    query = Registration.filter(event_id=event.id)
    if q := check.text(params, "q", max_length=200):
        query = query.filter(_search_terms(q))
    if attendance := params.get("attendance"):
        if attendance not in ATTENDANCE_MODES:
            check.fail("attendance", "one_of", choices=", ".join(ATTENDANCE_MODES))
        query = query.filter(attendance=attendance)
    if checked_in := params.get("checked_in"):
        if checked_in not in CHECKED_IN_CHOICES:
            check.fail("checked_in", "one_of", choices=", ".join(CHECKED_IN_CHOICES))
        query = query.filter(checked_in_at__isnull=checked_in == "no")
    status = params.get("status")
    if status and status not in REGISTRATION_STATUSES:
        check.fail("status", "one_of", choices=", ".join(REGISTRATION_STATUSES))
    after, before = _cursor(check, params, "after"), _cursor(check, params, "before")
    check.done()
    counts: dict[str, int] = {s: 0 for s in REGISTRATION_STATUSES}
    for name, n in await query.annotate(n=Count("id")).group_by("status").values_list(
            "status", "n"):
        counts[name] = n
    if status:
        query = query.filter(status=status)
    total = counts[status] if status else sum(counts.values())
    if before is not None and after is None:
        rows = list(reversed(await query.filter(id__lt=before).order_by("-id").limit(PAGE_SIZE)))
    else:
        rows = await query.filter(id__gt=after or 0).order_by("id").limit(PAGE_SIZE)
    offset = await query.filter(id__lt=rows[0].id).count() if rows else 0
    more = bool(rows) and await query.filter(id__gt=rows[-1].id).exists()
    return Listing(items=rows, positions=await positions(rows), counts=counts, total=total,
                   offset=offset, before=rows[0].id if offset else None,
                   after=rows[-1].id if more else None)


async def of_event(event: Event, registration_id: int) -> Registration:
    """One registration of the event, for its organizers; another event's is not found."""
    found = await Registration.get_or_none(id=registration_id, event_id=event.id) if (
        0 < registration_id < MAX_ID) else None
    if found is None:
        raise NotFound("No such registration for this event.")
    found.event = event
    return found


async def _locked(event: Event, registration_id: int, conn: Any) -> Registration:
    """Take the event's lock, then read the registration as it is under it."""
    await seats.lock_event(event.id, conn)
    current = await Registration.get_or_none(id=registration_id, event_id=event.id,
                                             using_db=conn)
    if current is None:
        raise NotFound("No such registration for this event.")
    return current


def _active(current: Registration) -> None:
    if current.status == "cancelled":
        raise Refused(Code.REGISTRATION_CANCELLED, "This registration is cancelled.")


async def cancel_for_organizer(event: Event, registration_id: int, reason: str, *,
                               actor: Actor, now: datetime, client: str = "") -> Registration:
    """The organizer cancels: the attendee's mail says so, with the reason if one is given."""
    reason = reason.strip()
    check = Checker()
    if len(reason) > REASON_MAX:
        check.fail("cancel_reason", "too_long", max=REASON_MAX)
    elif not storable(reason):
        check.fail("cancel_reason", "not_text")
    check.done()
    async with in_transaction() as conn:
        current = await _locked(event, registration_id, conn)
        _active(current)
        before = {"status": current.status, "attendance": current.attendance}
        await _cancel_locked(current, now, conn, by="organizer", reason=reason)
        await audit.record("registration_cancelled", actor=actor, now=now, client=client,
                           event=event, target=str(current.id), details={
                               **audit.changes(before, {"status": "cancelled"}),
                               "attendance": current.attendance, "reason": reason}, conn=conn)
    return await of_event(event, registration_id)


async def move_for_organizer(event: Event, registration_id: int, mode: str, *,
                             actor: Actor, now: datetime, client: str = "") -> Answer:
    """Move to the other mode as the attendee could (a seat if free, else the end of its
    waiting list), also after registration has closed."""
    if mode not in attendance_modes(event):
        raise Refused(Code.ATTENDANCE_NOT_OFFERED,
                      f"This event does not offer {mode} attendance.", field="attendance")
    async with in_transaction() as conn:
        current = await _locked(event, registration_id, conn)
        _active(current)
        if current.attendance == mode:
            return Answer(current, await waitlist_position(current))
        before = {"attendance": current.attendance, "status": current.status}
        position = await _move_locked(current, mode, now, conn)
        await audit.record("registration_moved", actor=actor, now=now, client=client,
                           event=event, target=str(current.id), details=audit.changes(
                               before, {"attendance": mode, "status": current.status}),
                           conn=conn)
    return Answer(await of_event(event, registration_id), position)


@dataclass
class Seats:
    """A mode's seat counters, as the event row holds them."""

    mode: str
    confirmed: int
    capacity: int | None

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.confirmed >= self.capacity


def seats_of(event: Event, mode: str) -> Seats:
    if mode not in ATTENDANCE_MODES:  # an attribute name is built from it
        raise ValueError(f"unknown attendance mode {mode!r}")
    return Seats(mode, getattr(event, f"{mode}_confirmed"), getattr(event, f"{mode}_capacity"))


async def confirm_from_waitlist(event: Event, registration_id: int, *, over_capacity: bool,
                                actor: Actor, now: datetime, client: str = "") -> Registration:
    """Confirm someone on the waiting list now, ahead of the queue and past a full mode
    when the organizer says so (`over_capacity`). The counters move under the event's
    lock, and the attendee gets the `promoted` message."""
    async with in_transaction() as conn:
        current = await _locked(event, registration_id, conn)
        if current.status != "waitlisted":
            raise Conflict("Only a registration on the waiting list can be confirmed.",
                           registration_status=current.status)
        mode = current.attendance
        fresh = await Event.get(id=event.id, using_db=conn)
        counted = seats_of(fresh, mode)
        if counted.full and not over_capacity:
            raise Invalid([FieldError.of("over_capacity", "over_capacity",
                                         capacity=counted.capacity, confirmed=counted.confirmed)])
        confirmed, waiting = f"{mode}_confirmed", f"{mode}_waitlisted"
        await Event.filter(id=event.id).using_db(conn).update(
            **{confirmed: F(confirmed) + 1, waiting: F(waiting) - 1})
        changed = await Registration.filter(id=current.id, status="waitlisted").using_db(
            conn).update(status="confirmed", updated_at=now)
        assert changed == 1
        current.status = "confirmed"
        await _notify(current, "promoted", now, conn)
        await audit.record("registration_confirmed", actor=actor, now=now, client=client,
                           event=event, target=str(current.id), details={
                               **audit.changes({"status": "waitlisted"},
                                               {"status": "confirmed"}),
                               "attendance": mode, "capacity": counted.capacity,
                               "confirmed_before": counted.confirmed,
                               "over_capacity": counted.full}, conn=conn)
    return await of_event(event, registration_id)


async def resend_confirmation(event: Event, registration_id: int, *, actor: Actor,
                              now: datetime, client: str = "") -> Notification:
    """Queue the confirmation of the registration's current state (confirmed or
    waitlisted) again; refused while one was queued less than RESEND_INTERVAL ago."""
    async with in_transaction() as conn:
        # A no-op write locks the registration row: two clicks cannot both pass the check.
        if not await Registration.filter(id=registration_id, event_id=event.id).using_db(
                conn).update(updated_at=F("updated_at")):
            raise NotFound("No such registration for this event.")
        current = await Registration.get(id=registration_id, using_db=conn)
        _active(current)
        last = await Notification.filter(
            registration_id=current.id, purpose__in=("confirmed", "waitlisted"),
            created_at__gt=now - RESEND_INTERVAL).using_db(conn).order_by("-created_at").first()
        if last is not None:
            allowed_at = last.created_at + RESEND_INTERVAL
            raise Refused(Code.TOO_MANY_ATTEMPTS, "A confirmation was queued less than an "
                          "hour ago.", last_at=last.created_at.isoformat(),
                          allowed_at=allowed_at.isoformat(),
                          retry_after=int((allowed_at - now).total_seconds()) + 1)
        revision = await Notification.filter(registration_id=current.id,
                                             purpose=current.status).using_db(conn).count()
        message = await Notification.create(
            registration_id=current.id, purpose=current.status, revision=revision,
            created_at=now, next_attempt_at=now, using_db=conn)
        await audit.record("confirmation_resent", actor=actor, now=now, client=client,
                           event=event, target=str(current.id),
                           details={"purpose": current.status}, conn=conn)
    return message
