"""Where registration for an event stands, now: the one rule every page says it with.

The catalogue, the event page and the registration form all name the state in the same
words (受付中, 残りわずか, 満席（キャンセル待ち）, 受付前, 受付終了, 終了, 中止, 延期), and the
form preselects a way of attending that still has a seat. The rule follows
`events.registration.check_open` (which refuses a registration) and `events.seats.take_seat`
(which gives a seat only while nobody waits for one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from events.models import Event
from events.vocabulary import modes_for_formats

State = Literal["open", "few_left", "full", "not_open", "closed", "ended", "cancelled",
                "postponed"]
STATES: tuple[State, ...] = ("open", "few_left", "full", "not_open", "closed", "ended",
                             "cancelled", "postponed")
# The states in which the form takes registrations (a full event puts people on its list).
TAKING: frozenset[State] = frozenset({"open", "few_left", "full"})


@dataclass(frozen=True)
class ModeSeats:
    mode: str  # "venue" or "online"
    left: int | None  # seats anyone registering now would get; None: no limit
    few: bool  # a handful left: 残りわずか

    @property
    def full(self) -> bool:
        return self.left == 0


@dataclass(frozen=True)
class Availability:
    state: State
    modes: list[ModeSeats]  # in the order the form offers them
    opens_at: datetime | None  # when registration opens (not_open), if announced
    closes_at: datetime | None  # the deadline: the set one, else the end of the event

    @property
    def taking(self) -> bool:
        return self.state in TAKING

    @property
    def preselect(self) -> str | None:
        """The way of attending the form ticks first: the first one with a seat left."""
        free = [m.mode for m in self.modes if not m.full]
        return free[0] if free else (self.modes[0].mode if self.modes else None)


def few_threshold(capacity: int) -> int:
    """At most this many seats left reads 残りわずか: a tenth of the room, at least 3."""
    return max(3, math.ceil(capacity / 10))


def mode_seats(event: Event, mode: str) -> ModeSeats:
    capacity: int | None = getattr(event, f"{mode}_capacity")
    if capacity is None:
        return ModeSeats(mode, None, False)
    confirmed: int = getattr(event, f"{mode}_confirmed")
    waiting: int = getattr(event, f"{mode}_waitlisted")
    # A seat goes to the first person waiting before anyone new (seats.take_seat).
    left = 0 if waiting else max(capacity - confirmed, 0)
    return ModeSeats(mode, left, 0 < left <= few_threshold(capacity))


def of(event: Event, now: datetime) -> Availability:
    """The state of registration for `event` at `now`."""
    modes = [mode_seats(event, m) for m in
             modes_for_formats(f for f in event.formats.strip(",").split(",") if f)]
    closes = event.registration_closes_at or event.ends_at

    def answer(state: State, opens_at: datetime | None = None) -> Availability:
        return Availability(state, modes, opens_at, closes)

    if event.status == "cancelled":
        return answer("cancelled")
    if event.status == "postponed":
        return answer("postponed")
    if event.date_tbd or event.ends_at is None:
        return answer("not_open", event.registration_opens_at)
    if now >= event.ends_at:
        return answer("ended")
    if event.registration_opens_at and now < event.registration_opens_at:
        return answer("not_open", event.registration_opens_at)
    if closes is not None and now >= closes:
        return answer("closed")
    if not modes or all(m.full for m in modes):
        return answer("full")
    if all(m.few or m.full for m in modes):
        return answer("few_left")
    return answer("open")
