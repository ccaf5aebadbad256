"""The seat counters on the event row, and the SQL that changes them.

The database decides who gets the last seat: every change is a conditional UPDATE of the
event row, and the first write of its transaction, so the row lock (PostgreSQL) or the
write lock (SQLite) orders concurrent changes whatever the number of processes. On
PostgreSQL a new registration is one statement: lock, decide, count and insert in a
single round trip, which keeps the lock held for the shortest possible time.
"""

from __future__ import annotations

from typing import Any

from tortoise.connection import get_connection
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from events.models import ATTENDANCE_MODES, Event, Notification, Registration

REGISTRATION_COLUMNS = (
    "event_id", "token", "name", "name_kana", "email", "email_normalized", "affiliation",
    "membership", "attendance", "locale", "consent_at", "created_at", "updated_at",
)


def _columns(mode: str) -> tuple[str, str, str]:
    if mode not in ATTENDANCE_MODES:  # column names are built from it: whitelist
        raise ValueError(f"unknown attendance mode {mode!r}")
    return f"{mode}_confirmed", f"{mode}_capacity", f"{mode}_waitlisted"


async def take_seat(event_id: int, mode: str, conn: Any) -> bool:
    """A seat if one is free and nobody waits before us."""
    confirmed, capacity, waiting = _columns(mode)
    taken = await Event.filter(
        Q(**{f"{capacity}__isnull": True}) | Q(**{f"{confirmed}__lt": F(capacity)}),
        id=event_id, **{waiting: 0},
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
    counter = confirmed if registration.status == "confirmed" else waiting
    await Event.filter(id=registration.event_id).using_db(conn).update(  # type: ignore[attr-defined]
        **{counter: F(counter) - 1})


async def lock_event(event_id: int, conn: Any) -> None:
    """A no-op write that takes the event's lock before we read what it guards."""
    await Event.filter(id=event_id).using_db(conn).update(queue_seq=F("queue_seq"))


async def register(values: dict[str, Any], mode: str) -> tuple[int, str, int, int | None]:
    """Insert a new registration with a seat or a queue place.

    Returns (id, status, queue number, waitlist position).

    Raises IntegrityError when the (event, email) pair exists, having changed nothing.
    """
    conn = get_connection("default")
    if conn.capabilities.dialect == "postgres":
        return await _register_postgres(conn, values, mode)
    async with in_transaction() as tx:
        position = None
        if await take_seat(values["event_id"], mode, tx):
            status, queue = "confirmed", 0
        else:
            status = "waitlisted"
            queue, position = await join_queue(values["event_id"], mode, tx)
        registration = await Registration.create(**values, status=status, queue_seq=queue,
                                                 using_db=tx)
        await Notification.create(registration=registration, purpose=status, revision=0,
                                  created_at=values["created_at"],
                                  next_attempt_at=values["created_at"], using_db=tx)
    return registration.id, status, queue, position


async def _register_postgres(conn: Any, values: dict[str, Any], mode: str
                             ) -> tuple[int, str, int, int | None]:
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
               CASE WHEN counted.seat THEN 'confirmed' ELSE 'waitlisted' END,
               CASE WHEN counted.seat THEN 0 ELSE counted.queue_seq END
        FROM counted
        RETURNING id, status, queue_seq
    ), noted AS (
        INSERT INTO notification (registration_id, purpose, revision, created_at,
                                  next_attempt_at, status, attempts, claimed_by, last_error)
        SELECT id, status, 0, {created_at}::timestamptz, {created_at}::timestamptz,
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
