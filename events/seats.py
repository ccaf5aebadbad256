"""The seat counters on the event row, and the SQL that changes them.

The database decides who gets the last seat: every change is a conditional UPDATE of the
event row, and the first write of its transaction, so the row lock (PostgreSQL) or the
write lock (SQLite) orders concurrent changes whatever the number of processes. On
PostgreSQL a new registration is one statement: lock, decide, count and insert in a
single round trip, which keeps the lock held for the shortest possible time.
Promoting the waiting list is set-based: however many seats are freed, it costs the
same few statements (see `promote`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from tortoise.connection import get_connection
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from events.errors import Busy
from events.models import ATTENDANCE_MODES, Event, Notification, Registration

REGISTRATION_COLUMNS = (
    "event_id", "token", "name", "name_kana", "email", "email_normalized", "affiliation",
    "membership", "attendance", "locale", "consent_at", "consent_version", "created_at",
    "updated_at", "hold_expires_at",
)


# The statuses that hold a seat (counted in `<mode>_confirmed`): an unconfirmed one holds
# it until the attendee confirms their address or the hold expires (events.holds).
SEATED = ("confirmed", "unconfirmed")
# A waiting registration whose address is not confirmed yet is promoted to a held seat.
PROMOTED_STATUS = ("CASE WHEN registration.email_confirmed_at IS NULL AND "
                   "registration.hold_expires_at IS NOT NULL THEN 'unconfirmed' "
                   "ELSE 'confirmed' END")


def _columns(mode: str) -> tuple[str, str, str]:
    if mode not in ATTENDANCE_MODES:  # column names are built from it: whitelist
        raise ValueError(f"unknown attendance mode {mode!r}")
    return f"{mode}_confirmed", f"{mode}_capacity", f"{mode}_waitlisted"


async def take_seat(event_id: int, mode: str, conn: Any) -> bool:
    """A seat if one is free and nobody waits before us."""
    confirmed, capacity, waiting = _columns(mode)
    # Typed Any: Q's own keyword (join_type) is a str, and mypy checks an unpacked dict's
    # values against it.
    unlimited: dict[str, Any] = {f"{capacity}__isnull": True}
    seat_free: dict[str, Any] = {f"{confirmed}__lt": F(capacity)}
    taken = await Event.filter(
        Q(**unlimited) | Q(**seat_free), id=event_id, **{waiting: 0},
    ).using_db(conn).update(**{confirmed: F(confirmed) + 1})
    return taken == 1


async def join_queue(event_id: int, mode: str, conn: Any) -> tuple[int, int]:
    """Join the end of the mode's waiting list; returns (queue number, position)."""
    _, _, waiting = _columns(mode)
    mark = "$1" if conn.capabilities.dialect == "postgres" else "?"
    # One round trip (RETURNING) where an UPDATE and a SELECT would take two.
    rows = await conn.execute_query_dict(
        f"UPDATE event SET {waiting} = {waiting} + 1, queue_seq = queue_seq + 1 "
        f"WHERE id = {mark} RETURNING queue_seq, {waiting} AS waiting", [event_id])
    return rows[0]["queue_seq"], rows[0]["waiting"]


async def release(registration: Registration, conn: Any) -> None:
    """Give back what the registration holds: its seat or its place in the queue."""
    confirmed, _, waiting = _columns(registration.attendance)
    counter = confirmed if registration.status in SEATED else waiting
    await Event.filter(id=registration.event_id).using_db(conn).update(
        **{counter: F(counter) - 1})


# Long work under an event's row lock (promoting hundreds, queuing mail for thousands) has a
# deadline, so one slow change cannot stall registration: waiting longer than LOCK_TIMEOUT
# for the lock, or one statement running longer than STATEMENT_TIMEOUT, gives up (`busy`)
# and rolls back. Seconds; PostgreSQL only (SQLite serialises writers on its own).
LOCK_TIMEOUT = 3.0
STATEMENT_TIMEOUT = 5.0
# SQLSTATEs: lock_not_available (lock_timeout), query_canceled (statement_timeout).
TIMED_OUT = ("55P03", "57014")


async def set_deadline(conn: Any, *, lock_timeout: float = LOCK_TIMEOUT,
                       statement_timeout: float = STATEMENT_TIMEOUT) -> None:
    """Bound the rest of `conn`'s transaction; call it before the first write."""
    if conn.capabilities.dialect != "postgres":
        return
    await conn.execute_script(
        f"SET LOCAL lock_timeout = {max(1, int(lock_timeout * 1000))}; "
        f"SET LOCAL statement_timeout = {max(1, int(statement_timeout * 1000))}")


def timed_out(exc: BaseException) -> bool:
    """Whether `exc` (or what it wraps) is a lock or statement timeout."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) in TIMED_OUT:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextmanager
def busy_on_timeout(what: str, *, retry_after: int = 5) -> Iterator[None]:
    """Turn a deadline that ran out inside (the transaction is rolled back) into `busy`."""
    try:
        yield
    except Exception as exc:
        if timed_out(exc):
            raise Busy(f"{what} is busy with another change; nothing was changed, try "
                       "again shortly.", retry_after=retry_after) from exc
        raise


async def lock_event(event_id: int, conn: Any) -> None:
    """A no-op write that takes the event's lock before we read what it guards."""
    await Event.filter(id=event_id).using_db(conn).update(queue_seq=F("queue_seq"))


# Promotion, PostgreSQL. Two statements, not one: a statement's snapshot is taken before
# it waits for the event row lock, so a single statement that locked the event and also
# chose the queue heads could choose heads that a transaction committed while we waited
# had promoted or cancelled already. Locked by the first statement, the second one's
# fresh snapshot sees every change made under the lock.
TAKE_SEATS_POSTGRES = """
WITH current AS (
    SELECT id, LEAST({waiting}, COALESCE({capacity} - {confirmed}, {waiting})) AS free
    FROM event WHERE id = $1 FOR UPDATE
)
UPDATE event SET {confirmed} = event.{confirmed} + current.free,
                 {waiting} = event.{waiting} - current.free
FROM current WHERE event.id = current.id AND current.free > 0
RETURNING current.free
"""

PROMOTE_POSTGRES = """
WITH heads AS (
    SELECT id FROM registration
    WHERE event_id = $1 AND attendance = $2 AND status = 'waitlisted'
    ORDER BY queue_seq, id LIMIT $3
), promoted AS (
    UPDATE registration SET status = {promoted_status}, updated_at = $4::timestamptz
    FROM heads WHERE registration.id = heads.id AND registration.status = 'waitlisted'
    RETURNING registration.id, registration.queue_seq, registration.status
), noted AS (
    INSERT INTO notification (registration_id, purpose, revision, created_at,
                              next_attempt_at, status, attempts, claimed_by, last_error)
    SELECT p.id, 'promoted',
           (SELECT count(*) FROM notification n
            WHERE n.registration_id = p.id AND n.purpose = 'promoted'),
           $4::timestamptz, $4::timestamptz, 'pending', 0, '', ''
    FROM promoted p WHERE p.status = 'confirmed'
)
SELECT id FROM promoted ORDER BY queue_seq, id
"""

# Promotion, SQLite: no data-modifying CTEs and no old values in RETURNING, so the first
# write is a no-op conditional UPDATE that takes the write lock and reads the free seats;
# under that lock the next statements see the database as it is.
FREE_SEATS_SQLITE = """
UPDATE event SET queue_seq = queue_seq
WHERE id = ? AND {waiting} > 0 AND ({capacity} IS NULL OR {confirmed} < {capacity})
RETURNING MIN({waiting}, COALESCE({capacity} - {confirmed}, {waiting})) AS free
"""

PROMOTE_SQLITE = """
UPDATE registration SET status = {promoted_status}, updated_at = ?
WHERE id IN (SELECT id FROM registration
             WHERE event_id = ? AND attendance = ? AND status = 'waitlisted'
             ORDER BY queue_seq, id LIMIT ?)
RETURNING id, queue_seq, status
"""

NOTIFY_PROMOTED_SQLITE = """
INSERT INTO notification (registration_id, purpose, revision, created_at, next_attempt_at,
                          status, attempts, claimed_by, last_error)
SELECT r.value, 'promoted',
       (SELECT count(*) FROM notification n
        WHERE n.registration_id = r.value AND n.purpose = 'promoted'),
       ?, ?, 'pending', 0, '', ''
FROM json_each(?) AS r
"""


async def promote(event_id: int, mode: str, now: datetime, conn: Any) -> list[int]:
    """Give the mode's free seats to the head of its waiting list, in queue order.

    As many registrations as there are free seats (all of them when the capacity is
    unlimited) become confirmed, the counters move by as many, and each gets one
    `promoted` message in the outbox, all in `conn`'s transaction. The event row is
    changed first, so this is safe whether or not the transaction holds its lock already.
    Returns the promoted registrations' ids in queue order.
    """
    confirmed, capacity, waiting = _columns(mode)
    names = {"confirmed": confirmed, "capacity": capacity, "waiting": waiting}
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict(TAKE_SEATS_POSTGRES.format(**names), [event_id])
        if not rows:
            return []
        free = rows[0]["free"]
        rows = await conn.execute_query_dict(PROMOTE_POSTGRES.format(
            promoted_status=PROMOTED_STATUS), [event_id, mode, free, now])
        ids = [r["id"] for r in rows]
        if len(ids) < free:  # counters and rows disagree: nobody else waits, give back
            await Event.filter(id=event_id).using_db(conn).update(
                **{confirmed: F(confirmed) - (free - len(ids)), waiting: 0})
        return ids
    rows = await conn.execute_query_dict(FREE_SEATS_SQLITE.format(**names), [event_id])
    if not rows:
        return []
    free = rows[0]["free"]
    rows = await conn.execute_query_dict(PROMOTE_SQLITE.format(
        promoted_status=PROMOTED_STATUS.replace("registration.", "")),
        [now, event_id, mode, free])
    ids = [r["id"] for r in sorted(rows, key=lambda r: (r["queue_seq"], r["id"]))]
    # Fewer rows than counted: the counters and rows disagree, and nobody else waits.
    left = F(waiting) - len(ids) if len(ids) == free else 0
    await Event.filter(id=event_id).using_db(conn).update(
        **{confirmed: F(confirmed) + len(ids), waiting: left})
    told = [r["id"] for r in rows if r["status"] == "confirmed"]  # a held seat: no mail yet
    if told:
        await conn.execute_query(NOTIFY_PROMOTED_SQLITE, [now, now, json.dumps(told)])
    return ids


async def register(values: dict[str, Any], mode: str, *, hold_until: datetime | None = None
                   ) -> tuple[int, str, int, int | None]:
    """Insert a new registration with a seat or a queue place.

    With `hold_until` (the event confirms addresses first), a seat is held as
    `unconfirmed` (a queue place stays `waitlisted`) until then, and the one message
    queued is `confirm_email`, not the confirmation.

    Returns (id, status, queue number, waitlist position).

    Raises IntegrityError when the (event, email) pair exists, having changed nothing.
    """
    values = {**values, "hold_expires_at": hold_until}
    seated = "unconfirmed" if hold_until else "confirmed"
    conn = get_connection("default")
    if conn.capabilities.dialect == "postgres":
        return await _register_postgres(conn, values, mode, seated)
    async with in_transaction() as tx:
        position = None
        if await take_seat(values["event_id"], mode, tx):
            status, queue = seated, 0
        else:
            status = "waitlisted"
            queue, position = await join_queue(values["event_id"], mode, tx)
        registration = await Registration.create(**values, status=status, queue_seq=queue,
                                                 using_db=tx)
        await Notification.create(registration=registration,
                                  purpose="confirm_email" if hold_until else status,
                                  revision=0, created_at=values["created_at"],
                                  next_attempt_at=values["created_at"], using_db=tx)
    return registration.id, status, queue, position


async def _register_postgres(conn: Any, values: dict[str, Any], mode: str, seated: str
                             ) -> tuple[int, str, int, int | None]:
    if seated not in SEATED:  # written into the statement: whitelist
        raise ValueError(f"not a seated status: {seated!r}")
    purpose = "'confirm_email'" if seated == "unconfirmed" else "status"
    confirmed, capacity, waiting = _columns(mode)
    columns = ", ".join(REGISTRATION_COLUMNS)
    params = ", ".join(f"${i + 1}" for i in range(1, len(REGISTRATION_COLUMNS)))
    created_at = f"${REGISTRATION_COLUMNS.index('created_at') + 1}"
    sql = f"""
    WITH current AS (
        SELECT id, ({waiting} = 0 AND ({capacity} IS NULL OR {confirmed} < {capacity})) AS seat
        FROM event WHERE id = $1 FOR UPDATE
    ), counted AS (
        UPDATE event SET
            {confirmed} = {confirmed} + CASE WHEN current.seat THEN 1 ELSE 0 END,
            {waiting} = {waiting} + CASE WHEN current.seat THEN 0 ELSE 1 END,
            queue_seq = event.queue_seq + CASE WHEN current.seat THEN 0 ELSE 1 END
        FROM current WHERE event.id = current.id
        RETURNING current.seat, event.queue_seq, event.{waiting} AS waiting
    ), inserted AS (
        INSERT INTO registration ({columns}, status, queue_seq)
        SELECT $1, {params},
               CASE WHEN counted.seat THEN '{seated}' ELSE 'waitlisted' END,
               CASE WHEN counted.seat THEN 0 ELSE counted.queue_seq END
        FROM counted
        RETURNING id, status, queue_seq
    ), noted AS (
        INSERT INTO notification (registration_id, purpose, revision, created_at,
                                  next_attempt_at, status, attempts, claimed_by, last_error)
        SELECT id, {purpose}, 0, {created_at}::timestamptz, {created_at}::timestamptz,
               'pending', 0, '', '' FROM inserted
    )
    SELECT inserted.id, inserted.status, inserted.queue_seq, counted.seat, counted.waiting
    FROM inserted, counted
    """
    args = [values[c] for c in REGISTRATION_COLUMNS]
    rows = await conn.execute_query_dict(sql, args)
    if not rows:
        raise LookupError(f"event {values['event_id']} vanished")
    row = rows[0]
    position = None if row["seat"] else row["waiting"]
    return row["id"], row["status"], row["queue_seq"], position
