"""The outbox: queue messages with their cause, claim them with a lease, settle them.

A message is a `Notification` row written in the same transaction as the change that
owes it, so a change and its mail commit or vanish together. Workers claim due rows in
batches: on PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED` (concurrent workers pass
over each other's rows instead of waiting), on SQLite with a conditional UPDATE that
re-checks the row is still due (SQLite runs one writer at a time, so only one claim can
match). A claim is a lease: a worker that dies leaves rows whose `claimed_until` runs
out, and they are due again. Every settling UPDATE names the lease holder, so a worker
whose lease was taken over never overwrites the newer holder's outcome.

Mail to a console user (an invitation, a password reset) is a row with `user` instead of
`registration`; its `payload` holds the link, a credential, so the UPDATE that settles the
row for good (sent, failed, skipped) empties it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from tortoise.connection import get_connection
from tortoise.expressions import F, Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from events import db
from events.errors import Code, Conflict, NotFound
from events.models import MESSAGE_STATUSES, Event, Notification, Registration, Session, User
from events.validation import Checker
from events.vocabulary import ATTENDANCE_MODES, formats_for_mode

RegistrationPurpose = Literal["confirmed", "waitlisted", "promoted", "attendance_changed",
                              "cancelled"]
Purpose = Literal[RegistrationPurpose, "event_changed", "event_cancelled", "reminder",
                  "broadcast", "ticket_link"]
REGISTRATION_PURPOSES: tuple[RegistrationPurpose, ...] = get_args(RegistrationPurpose)
PURPOSES: tuple[Purpose, ...] = get_args(Purpose)
# Mail to a console user: no event, so never among an event's messages (PURPOSES).
AccountPurpose = Literal["account_invite", "account_reset"]
ACCOUNT_PURPOSES: tuple[AccountPurpose, ...] = get_args(AccountPurpose)
INSERT_BATCH = 500


# ---- queueing ------------------------------------------------------------------------------

def new_row(registration_id: int, purpose: str, revision: int, now: datetime,
            **extra: Any) -> Notification:
    return Notification(registration_id=registration_id, purpose=purpose, revision=revision,
                        created_at=now, next_attempt_at=now, **extra)


async def queue_many(rows: list[Notification], conn: Any = None) -> None:
    """Insert, skipping rows whose (registration, purpose, revision) is queued already."""
    if rows:
        await Notification.bulk_create(rows, batch_size=INSERT_BATCH, ignore_conflicts=True,
                                       using_db=conn)


async def queue_account_mail(user: User, purpose: AccountPurpose, link: str, now: datetime,
                             conn: Any = None, inviter: User | None = None) -> Notification:
    """Queue an invitation or a password reset for a console user, due now.

    `link` is the full URL with the raw token (events.accounts.issue_link); it waits in the
    row's payload until the message is settled. Call it in the transaction that issued the
    link. Each call queues one message: `revision` counts the earlier ones of the purpose.
    """
    if purpose not in ACCOUNT_PURPOSES:
        raise ValueError(f"not a purpose of mail to a console user: {purpose!r}")
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("the link must be a full http(s) URL")
    payload: dict[str, Any] = {"link": link}
    if inviter is not None:
        payload["inviter"] = {"name": inviter.name, "email": inviter.email}
    revision = await Notification.filter(user_id=user.id, purpose=purpose).using_db(
        conn).count()
    return await Notification.create(user=user, purpose=purpose, revision=revision,
                                     payload=payload, created_at=now, next_attempt_at=now,
                                     using_db=conn)


async def queue_event_change(event: Event, now: datetime, conn: Any, *,
                             before: Mapping[str, Any] | None = None,
                             sessions_before: Sequence[Session] | None = None) -> int:
    """In the transaction that raised the event's revision: one message per active registrant.

    A draft is unpublished: nobody is told. Keyed on the new revision, so repeating the
    same change queues nothing twice. `before` (the event's fields before the change) and
    `sessions_before` give each message what changed, old → new (`change_summary`), for the
    mail to say; a message still waiting for an earlier change is folded in, so the one
    that goes out tells everything since the attendee last heard.
    """
    if event.status == "draft":
        return 0
    purpose = "event_cancelled" if event.status == "cancelled" else "event_changed"
    ids: list[int] = await db.column(Registration.filter(
        event_id=event.id, status__in=("confirmed", "waitlisted")).using_db(conn), "id")
    summary: dict[str, Any] = {}
    if before is not None:
        sessions_after = await Session.filter(event_id=event.id).using_db(conn)
        summary = change_summary(before, sessions_before, event, sessions_after)
    waiting: dict[int, dict[str, Any]] = {}
    if summary and ids:
        for row in await Notification.filter(
                registration__event_id=event.id, purpose__in=EVENT_PURPOSES,
                status="pending", revision__lt=event.revision).using_db(conn).order_by(
                "revision").values("registration_id", "payload"):
            older = row["payload"].get("changes") if isinstance(row["payload"], dict) else None
            if isinstance(older, dict) and row["registration_id"] not in waiting:
                waiting[row["registration_id"]] = older
    rows = []
    for i in ids:
        changes = merge_changes(waiting[i], summary) if i in waiting else summary
        rows.append(new_row(i, purpose, event.revision, now,
                            payload={"changes": changes} if changes else {}))
    await queue_many(rows, conn)
    return len(ids)


EVENT_PURPOSES = ("event_changed", "event_cancelled")


def _snapshot(s: Session, venue: tuple[str, str]) -> dict[str, Any]:
    """A session as an attendee reads it: when, how, where (its own venue, else the event's)."""
    place = ""
    if s.format in ("in_person", "hybrid"):
        place = ", ".join(p for p in (s.venue_name or venue[0], s.venue_address or venue[1])
                          if p)
    return {"id": s.id, "title_ja": s.title_ja, "title_en": s.title_en,
            "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
            "format": s.format, "place": place}


def _moved(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Time, format or place differ (a new title alone is not news)."""
    keys = ("starts_at", "ends_at", "format", "place")
    return a is None or b is None or any(a[k] != b[k] for k in keys)


def change_summary(before: Mapping[str, Any], sessions_before: Sequence[Session] | None,
                   event: Event, sessions_after: Sequence[Session]) -> dict[str, Any]:
    """{"status": [old, new], "sessions": [[old, new], …]}, with only what changed; a
    session added has no old, one removed no new (JSON: the outbox keeps it in `payload`)."""
    summary: dict[str, Any] = {}
    if before.get("status") not in (None, event.status):
        summary["status"] = [before["status"], event.status]
    if sessions_before is None:
        return summary
    old_venue = (str(before.get("venue_name") or ""), str(before.get("venue_address") or ""))
    new_venue = (event.venue_name or "", event.venue_address or "")
    old = {s.id: _snapshot(s, old_venue) for s in sessions_before}
    new = {s.id: _snapshot(s, new_venue) for s in sessions_after}
    pairs = [[old.get(i), new.get(i)] for i in sorted(old.keys() | new.keys())
             if _moved(old.get(i), new.get(i))]
    if pairs:
        summary["sessions"] = sorted(pairs, key=lambda p: (p[1] or p[0])["starts_at"])
    return summary


def merge_changes(older: Mapping[str, Any], newer: Mapping[str, Any]) -> dict[str, Any]:
    """Two summaries in a row as one: the old values of the first, the new of the second."""
    merged: dict[str, Any] = {}
    statuses = [s for s in (older.get("status"), newer.get("status")) if s]
    if statuses and statuses[0][0] != statuses[-1][1]:
        merged["status"] = [statuses[0][0], statuses[-1][1]]
    pairs: dict[Any, list[Any]] = {}
    for old, new in (*(older.get("sessions") or []), *(newer.get("sessions") or [])):
        key = (old or new)["id"]
        pairs[key] = [pairs[key][0], new] if key in pairs else [old, new]
    kept = [p for p in pairs.values() if (p[0] or p[1]) and _moved(p[0], p[1])
            and not (p[0] is None and p[1] is None)]
    if kept:
        merged["sessions"] = sorted(kept, key=lambda p: (p[1] or p[0])["starts_at"])
    return merged


async def queue_reminders(now: datetime, lead: timedelta) -> int:
    """Queue a reminder for each confirmed attendee's first session of each day that
    starts within `lead`. Idempotent (keyed on the session), so workers call it often.

    Whoever registered inside the window got a confirmation moments ago: no reminder.
    """
    if lead <= timedelta(0):
        return 0
    soon = await Session.filter(
        starts_at__gt=now, starts_at__lte=now + lead,
        event__status__in=("scheduled", "tentative"), event__date_tbd=False,
    ).prefetch_related("event")
    wanted: list[Notification] = []
    for event_id in {s.event_id for s in soon}:
        event = next(s.event for s in soon if s.event_id == event_id)
        sessions = await Session.filter(event_id=event_id).order_by("starts_at", "id")
        firsts = {mode: _first_of_each_day(sessions, mode, ZoneInfo(event.timezone))
                  for mode in ATTENDANCE_MODES}
        due = {mode: [s for s in firsts[mode] if now < s.starts_at <= now + lead]
               for mode in ATTENDANCE_MODES}
        if not any(due.values()):
            continue
        attendees = await Registration.filter(event_id=event_id, status="confirmed").values(
            "id", "attendance", "created_at")
        session_ids = [s.id for s in soon if s.event_id == event_id]
        queued = set(await Notification.filter(
            purpose="reminder", revision__in=session_ids,
            registration__event_id=event_id).values_list("registration_id", "revision"))
        for a in attendees:
            for s in due.get(a["attendance"], []):
                if (a["id"], s.id) not in queued and a["created_at"] <= s.starts_at - lead:
                    wanted.append(new_row(a["id"], "reminder", s.id, now))
    await queue_many(wanted)
    return len(wanted)


def _first_of_each_day(sessions: list[Session], mode: str, tz: ZoneInfo) -> list[Session]:
    seen: set[Any] = set()
    firsts = []
    for s in sessions:
        day = s.starts_at.astimezone(tz).date()
        if s.format in formats_for_mode(mode) and day not in seen:
            seen.add(day)
            firsts.append(s)
    return firsts


# ---- claiming and settling -----------------------------------------------------------------

def _due(now: datetime) -> Q:
    pending = Q(status="pending") & (Q(next_attempt_at__isnull=True)
                                     | Q(next_attempt_at__lte=now))
    return pending | Q(status="sending", claimed_until__lt=now)


CLAIM_POSTGRES = """
UPDATE notification SET status = 'sending', claimed_by = $1, claimed_until = $2,
       attempts = attempts + 1
WHERE id IN (
    SELECT id FROM notification
    WHERE (status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $3))
       OR (status = 'sending' AND claimed_until < $3)
    ORDER BY next_attempt_at NULLS FIRST, id
    LIMIT $4
    FOR UPDATE SKIP LOCKED)
RETURNING id
"""


async def claim(worker: str, now: datetime, *, limit: int, lease: timedelta) -> list[int]:
    """Take up to `limit` due messages for `worker` until now + lease; returns their ids."""
    conn = get_connection("default")
    until = now + lease
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict(CLAIM_POSTGRES, [worker, until, now, limit])
        return sorted(r["id"] for r in rows)
    candidates: list[int] = await db.column(Notification.filter(_due(now)).order_by(
        "next_attempt_at", "id").limit(limit), "id")
    if not candidates:
        return []
    # The due condition again, in the UPDATE itself: of two workers reading the same
    # candidates, the second one's UPDATE matches nothing.
    await Notification.filter(_due(now), id__in=candidates).update(
        status="sending", claimed_by=worker, claimed_until=until, attempts=F("attempts") + 1)
    claimed: list[int] = await db.column(Notification.filter(
        id__in=candidates, status="sending", claimed_by=worker, claimed_until=until), "id")
    return sorted(claimed)


def _held(message_id: int, worker: str) -> QuerySet[Notification]:
    return Notification.filter(id=message_id, status="sending", claimed_by=worker)


async def extend(ids: list[int], worker: str, until: datetime) -> None:
    """Keep the lease on messages still waiting in a slow batch."""
    if ids:
        await Notification.filter(id__in=ids, status="sending", claimed_by=worker).update(
            claimed_until=until)


# Sent, failed and skipped empty the payload in the same UPDATE: a link kept in it is a
# credential, and nothing reads it after (only a temporary failure, mark_retry, keeps it
# for the next attempt; an organizer's retry is for an event's messages, which have none).

async def mark_sent(message_id: int, worker: str, now: datetime) -> bool:
    """False when the lease was lost (another worker may deliver it again)."""
    return bool(await _held(message_id, worker).update(
        status="sent", sent_at=now, claimed_until=None, last_error="", payload={}))


async def mark_failed(message_id: int, worker: str, reason: str) -> bool:
    return bool(await _held(message_id, worker).update(
        status="failed", claimed_until=None, last_error=shown_error(reason), payload={}))


async def mark_skipped(message_id: int, worker: str, reason: str) -> bool:
    return bool(await _held(message_id, worker).update(
        status="skipped", claimed_until=None, last_error=shown_error(reason), payload={}))


async def mark_retry(message_id: int, worker: str, at: datetime, reason: str) -> bool:
    return bool(await _held(message_id, worker).update(
        status="pending", next_attempt_at=at, claimed_until=None, claimed_by="",
        last_error=shown_error(reason)))


# `last_error` is shown to organizers (console, API): the network behind the mail server is
# the operator's business, kept in the worker's log. Failures to reach the server become a
# plain sentence; addresses and host names left in any other text are masked.
_UNREACHABLE = [
    (re.compile(r"timed out|timeout", re.I), "the mail server did not answer in time"),
    (re.compile(r"refused|errno (?:111|61)\b", re.I), "connection refused by the mail server"),
    (re.compile(r"name or service not known|nodename nor servname|getaddrinfo|"
                r"name resolution|errno -[235]\b", re.I),
     "the mail server's name could not be resolved"),
    (re.compile(r"unreachable|no route", re.I), "the mail server cannot be reached"),
]
_CONNECTING = re.compile(r"connect|errno|\bOSError|disconnected", re.I)
_IP = re.compile(r"\[?\b(?:\d{1,3}\.){3}\d{1,3}\b\]?"
                 r"|\[?(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])\]?", re.I)
# In a server's reply, a dotted name not after "@" (a recipient's domain stays).
_HOST = re.compile(r"(?<![\w.@=-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*"
                   r"[a-z0-9](?![\w@-])", re.I)
_REPLY = re.compile(r"\d{3}[ -]")


def shown_error(reason: str) -> str:
    """What organizers may read of a delivery failure: SMTP replies and kaigi's own reasons
    as they are, but never the mail server's address, its host name or port."""
    head, _, text = reason.rpartition("gave up after ")
    if head == "" and text != reason:
        attempts, _, rest = text.partition(": ")
        return f"gave up after {attempts}: {shown_error(rest)}"[:2000]
    reply = bool(_REPLY.match(reason))
    if _CONNECTING.search(reason) and not reply:
        for pattern, sentence in _UNREACHABLE:
            if pattern.search(reason):
                return sentence
        return "the connection to the mail server failed"
    shown = _IP.sub("[mail server]", reason)
    return (_HOST.sub("[mail server]", shown) if reply else shown)[:2000]


async def defer(message_id: int, worker: str, at: datetime, reason: str) -> bool:
    """Due again at `at`, the attempt not counted: held back (the mail cap), not failed."""
    return bool(await _held(message_id, worker).update(
        status="pending", next_attempt_at=at, claimed_until=None, claimed_by="",
        attempts=F("attempts") - 1, last_error=reason[:2000]))


async def record_calendar(registration_id: int, sequence: int, uids: list[str]) -> None:
    """What the attendee's calendar holds from kaigi once a message left: the UIDs, and
    the highest SEQUENCE used (never lowered, whatever order two workers finish in)."""
    await Registration.filter(id=registration_id, calendar_sequence__lt=sequence).update(
        calendar_sequence=sequence)
    await Registration.filter(id=registration_id).update(calendar_uids=uids)


async def release(ids: list[int], worker: str, now: datetime) -> int:
    """Hand back claimed messages never attempted (a worker asked to stop)."""
    if not ids:
        return 0
    return await Notification.filter(id__in=ids, status="sending", claimed_by=worker).update(
        status="pending", next_attempt_at=now, claimed_until=None, claimed_by="",
        attempts=F("attempts") - 1)


async def set_message_id(message_id: int, value: str) -> str:
    """The first attempt names the message; every later attempt reuses that name."""
    await Notification.filter(id=message_id, message_id__isnull=True).update(message_id=value)
    names: list[str] = await db.column(Notification.filter(id=message_id), "message_id")
    return names[0]


@dataclass(frozen=True)
class Backoff:
    """Exponential, with jitter so a crowd of retries spreads out: the first retry comes
    within `first` (between half of it and all of it), later ones double, up to `cap`."""

    first: timedelta = timedelta(seconds=50)
    cap: timedelta = timedelta(minutes=15)
    # About three days of trying, as mail servers do, before a message counts as failed.
    max_attempts: int = 300

    def delay(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        exponent = min(max(attempts - 1, 0), 30)
        doubling: int = 2 ** exponent
        ceiling = min(self.cap, self.first * doubling)
        jitter: float = (rng or random).uniform(0.5, 1.0)
        return ceiling * jitter


# ---- for organizers --------------------------------------------------------------------------

async def list_messages(event: Event, params: Mapping[str, str]) -> tuple[
        list[Notification], str | None, dict[str, int]]:
    """The event's messages, newest first, with counts per status."""
    check = Checker()
    query = Notification.filter(registration__event_id=event.id)
    if status := params.get("status"):
        if status not in MESSAGE_STATUSES:
            check.fail("status", "one_of", choices=", ".join(MESSAGE_STATUSES))
        query = query.filter(status=status)
    if purpose := params.get("purpose"):
        if purpose not in PURPOSES:
            check.fail("purpose", "one_of", choices=", ".join(PURPOSES))
        query = query.filter(purpose=purpose)
    limit = check.limit(params, default=50, maximum=500)
    if (cursor := check.id_cursor(params)) is not None:
        query = query.filter(id__lt=cursor)
    check.done()
    rows = await query.order_by("-id").limit(limit + 1).prefetch_related("registration")
    items = rows[:limit]
    counts: dict[str, int] = {s: 0 for s in MESSAGE_STATUSES}
    for status_name, count in await _counts(event):
        counts[status_name] = count
    return items, (str(items[-1].id) if len(rows) > limit else None), counts


async def _counts(event: Event) -> list[tuple[str, int]]:
    rows = await Notification.filter(registration__event_id=event.id).annotate(
        n=Count("id")).group_by("status").values_list("status", "n")
    return [(status, n) for status, n in rows]


async def retry(event: Event, message_id: int, now: datetime) -> Notification:
    """An organizer sends a failed (or skipped) message again, now."""
    message = await Notification.filter(id=message_id, registration__event_id=event.id).first()
    if message is None:
        raise NotFound("No such message for this event.")
    updated = await Notification.filter(id=message.id, status__in=("failed", "skipped")).update(
        status="pending", next_attempt_at=now, claimed_by="", claimed_until=None, attempts=0)
    if not updated:
        raise Conflict(f"Only failed or skipped messages can be retried; this one is "
                       f"{message.status}.", code=Code.NOT_RETRYABLE, message_status=message.status)
    return await Notification.get(id=message.id).prefetch_related("registration")
