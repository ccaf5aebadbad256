"""Confirm email first: an event's registrations hold their place until the address is proven.

With `Event.confirm_email` on, a new registration holds a seat (`unconfirmed`, counted
with the confirmed seats) or a waiting-list place (`waitlisted`, not yet confirmed) until
`hold_expires_at`; the only mail is `confirm_email`, whose link the attendee opens to
confirm. Then the registration is `confirmed` (or stays on the waiting list, its address
confirmed) and the usual confirmation goes out. Waiting people confirm first too: one
who moves up before confirming gets a held seat (`unconfirmed`) until the same deadline.
A hold that runs out is cancelled (`cancelled_by` = "hold_expired", no mail: the address
was never proven) and its seat goes to the waiting list; `kaigi worker` sweeps them, and
a registration for the event sweeps that event's first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from events import seats
from events.errors import Code, Refused
from events.models import ATTENDANCE_MODES, Event, Notification, Registration

UNCONFIRMED = "unconfirmed"
EXPIRED_BY = "hold_expired"
# Statuses a hold can be on: a held seat, or a waiting-list place.
HELD = (UNCONFIRMED, "waitlisted")
# Another confirmation link at most this often, when the address registers again.
RESEND_INTERVAL = timedelta(hours=1)


def hold_until(event: Event, now: datetime, hold: timedelta) -> datetime | None:
    """When a registration made now stops holding its place; None without confirm_email."""
    return now + hold if event.confirm_email else None


def is_held(registration: Registration) -> bool:
    """Waiting for the attendee to confirm their address."""
    return (registration.status in HELD and registration.email_confirmed_at is None
            and registration.hold_expires_at is not None)


def _expired(now: datetime) -> Any:
    return Registration.filter(status__in=HELD, email_confirmed_at__isnull=True,
                               hold_expires_at__lte=now)


async def expire_holds(now: datetime, *, event_id: int | None = None) -> int:
    """Cancel the holds that ran out (of one event, or all) and give their seats to the
    waiting list; returns how many. Each event in its own short transaction."""
    query = _expired(now)
    if event_id is not None:
        query = query.filter(event_id=event_id)
    event_ids = sorted(set(await query.values_list("event_id", flat=True)))
    released = 0
    for one in event_ids:
        with seats.busy_on_timeout("The event"):
            async with in_transaction() as conn:
                await seats.set_deadline(conn)
                released += await _expire_locked(one, now, conn)
    return released


async def _expire_locked(event_id: int, now: datetime, conn: Any) -> int:
    await seats.lock_event(event_id, conn)
    rows = await _expired(now).filter(event_id=event_id).using_db(conn)
    if not rows:
        return 0
    await Registration.filter(id__in=[r.id for r in rows]).using_db(conn).update(
        status="cancelled", cancelled_at=now, updated_at=now, cancelled_by=EXPIRED_BY,
        cancel_reason="")
    for mode in ATTENDANCE_MODES:
        seated = sum(1 for r in rows if r.attendance == mode and r.status == UNCONFIRMED)
        waiting = sum(1 for r in rows if r.attendance == mode and r.status == "waitlisted")
        if seated or waiting:
            await Event.filter(id=event_id).using_db(conn).update(**{
                f"{mode}_confirmed": F(f"{mode}_confirmed") - seated,
                f"{mode}_waitlisted": F(f"{mode}_waitlisted") - waiting})
        if seated:
            await seats.promote(event_id, mode, now, conn)
    return len(rows)


async def confirm(registration: Registration, *, now: datetime) -> Registration:
    """The attendee opened the mailed link: the held seat is theirs (`confirmed`), or their
    waiting-list place is kept; they get the usual confirmation. Idempotent. A hold that
    ran out is released first and refused (`hold_expired`)."""
    with seats.busy_on_timeout("The event"):
        async with in_transaction() as conn:
            await seats.set_deadline(conn)
            await seats.lock_event(registration.event_id, conn)
            current = await Registration.get(id=registration.id, using_db=conn)
            expired = current.status == "cancelled" and current.cancelled_by == EXPIRED_BY
            if is_held(current):
                assert current.hold_expires_at is not None
                if current.hold_expires_at <= now:
                    expired = bool(await _expire_locked(current.event_id, now, conn))
                else:
                    await _confirm_locked(current, now, conn)
    if expired:
        raise Refused(Code.HOLD_EXPIRED, "The time to confirm this registration has passed; "
                      "it was released. Register again.")
    return await Registration.get(id=registration.id).prefetch_related("event")


async def _confirm_locked(current: Registration, now: datetime, conn: Any) -> None:
    status = "confirmed" if current.status == UNCONFIRMED else current.status
    await Registration.filter(id=current.id).using_db(conn).update(
        status=status, email_confirmed_at=now, hold_expires_at=None, updated_at=now)
    revision = await Notification.filter(registration_id=current.id,
                                         purpose=status).using_db(conn).count()
    await Notification.create(registration_id=current.id, purpose=status, revision=revision,
                              created_at=now, next_attempt_at=now, using_db=conn)


async def remind(registration: Registration, now: datetime) -> bool:
    """The address registered again while its hold runs: the confirmation link once more,
    at most once an hour (the conditional UPDATE of `link_mailed_at` is the cap)."""
    async with in_transaction() as conn:
        claimed = await Registration.filter(
            id=registration.id, status__in=HELD, email_confirmed_at__isnull=True,
            hold_expires_at__gt=now).filter(
            link_mailed_at__isnull=True).using_db(conn).update(link_mailed_at=now)
        if not claimed:
            claimed = await Registration.filter(
                id=registration.id, status__in=HELD, email_confirmed_at__isnull=True,
                hold_expires_at__gt=now, link_mailed_at__lte=now - RESEND_INTERVAL
            ).using_db(conn).update(link_mailed_at=now)
        if not claimed:
            return False
        revision = await Notification.filter(registration_id=registration.id,
                                             purpose="confirm_email").using_db(conn).count()
        await Notification.create(registration_id=registration.id, purpose="confirm_email",
                                  revision=revision, created_at=now, next_attempt_at=now,
                                  using_db=conn)
    return True
