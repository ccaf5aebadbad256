"""The dashboard: the user's coming events at a glance, and relations waiting for consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.responses import Response
from starlette.routing import Route
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from api.console.common import Console, page, safe_next
from api.docs import console_form, console_page
from events import audit, catalogue, vocabulary
from events.access import Actor
from events.errors import FieldError, Invalid, NotFound
from events.models import Admission, Event, EventPartner, Organization, Registration
from events.validation import MAX_ID

CHART_DAYS = 30
MAX_EVENTS = 100
# The chart's drawing box (SVG user units): one bar per day, a gap between bars.
BAR_STEP, BAR_WIDTH, CHART_HEIGHT = 10, 8, 48


@dataclass
class ModeSeats:
    """Seats of one attendance mode: taken of the capacity (None: unlimited)."""

    mode: str
    taken: int
    capacity: int | None
    waitlisted: int

    @property
    def percent(self) -> float:
        if not self.capacity:
            return 0.0
        return min(100.0, 100.0 * self.taken / self.capacity)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity


@dataclass
class Bar:
    day: date
    count: int
    x: int
    height: float


@dataclass
class Chart:
    """Registrations per local day over the last CHART_DAYS days, drawn as SVG bars."""

    bars: list[Bar]
    total: int
    peak: Bar | None

    @property
    def width(self) -> int:
        return BAR_STEP * len(self.bars)


@dataclass
class Tile:
    event: Event
    title: str
    when: str | None
    modes: list[ModeSeats]
    chart: Chart
    # Entries at the door today, when today is one of the event's days (its time zone).
    checked_in_today: int | None
    can_manage: bool
    can_see_registrants: bool

    @property
    def waitlisted(self) -> int:
        return sum(m.waitlisted for m in self.modes)


# ---- what the dashboard reads ---------------------------------------------------------------

async def upcoming_events(actor: Actor, now: datetime) -> list[Event]:
    """Events not over yet (drafts and undated ones too) that the user may see: all for
    admins; an organizer's own events and those their organization co-hosts."""
    query = Event.filter(Q(ends_at__gte=now) | Q(ends_at__isnull=True))
    if not actor.is_admin:
        co_hosted = EventPartner.filter(organization_id=actor.organization_id,
                                        role="co_host", status="accepted")
        query = query.filter(Q(owner_id=actor.organization_id) | Q(
            id__in=Subquery(co_hosted.values("event_id"))))
    events = await query.order_by("sort_at", "id").limit(MAX_EVENTS).prefetch_related(
        "series", "owner")
    await catalogue.load_details(events)
    return [e for e in events if actor.can_view(e)]


def local_today(event: Event, now: datetime) -> date:
    return now.astimezone(ZoneInfo(event.timezone)).date()


async def registrations_per_day(events: list[Event], now: datetime
                                ) -> dict[int, dict[date, int]]:
    """New registrations per event and local day (the event's time zone), last CHART_DAYS."""
    counts: dict[int, dict[date, int]] = {e.id: {} for e in events}
    if not events:
        return counts
    zones = {e.id: ZoneInfo(e.timezone) for e in events}
    since = now - timedelta(days=CHART_DAYS + 1)
    rows = await Registration.filter(event_id__in=list(counts), created_at__gte=since
                                     ).values_list("event_id", "created_at")
    for event_id, created_at in rows:
        day = created_at.astimezone(zones[event_id]).date()
        counts[event_id][day] = counts[event_id].get(day, 0) + 1
    return counts


def chart(per_day: dict[date, int], today: date) -> Chart:
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    peak_count = max((per_day.get(d, 0) for d in days), default=0)
    bars = [Bar(d, per_day.get(d, 0), i * BAR_STEP,
                CHART_HEIGHT * per_day.get(d, 0) / peak_count if peak_count else 0.0)
            for i, d in enumerate(days)]
    peak = max(bars, key=lambda b: (b.count, b.day)) if peak_count else None
    return Chart(bars, sum(b.count for b in bars), peak)


def event_days(event: Event) -> set[date]:
    """The local days on which the event has a session."""
    tz = ZoneInfo(event.timezone)
    days: set[date] = set()
    for s in event.session_list:
        first, last = s.starts_at.astimezone(tz).date(), s.ends_at.astimezone(tz).date()
        days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return days


async def checked_in_today(events: list[Event], now: datetime) -> dict[int, int]:
    """Entries so far today, for the events whose day it is."""
    today = {e.id: local_today(e, now) for e in events if local_today(e, now) in event_days(e)}
    counts = {event_id: 0 for event_id in today}
    if today:
        days = {d.isoformat() for d in today.values()}
        for event_id, day in await Admission.filter(
                event_id__in=list(today), day__in=list(days)).values_list("event_id", "day"):
            if day == today[event_id].isoformat():
                counts[event_id] += 1
    return counts


def tiles(events: list[Event], actor: Actor, now: datetime, lang: str,
          per_day: dict[int, dict[date, int]], door: dict[int, int]) -> list[Tile]:
    out = []
    for e in events:
        tz = ZoneInfo(e.timezone)
        when = (vocabulary.date_range(e.starts_at, e.ends_at, tz, lang)
                if e.starts_at and e.ends_at and not e.date_tbd else None)
        modes = [ModeSeats(mode, getattr(e, f"{mode}_confirmed"),
                           getattr(e, f"{mode}_capacity"), getattr(e, f"{mode}_waitlisted"))
                 for mode in catalogue.attendance_modes(e)]
        out.append(Tile(e, vocabulary.pick(e.title_ja, e.title_en, lang), when, modes,
                        chart(per_day.get(e.id, {}), local_today(e, now)), door.get(e.id),
                        actor.can_manage(e), actor.can_see_registrants(e)))
    return out


@dataclass
class Waiting:
    """A relation waiting for an organization's answer, as a row of the consent table."""

    relation: EventPartner
    title: str
    when: str | None
    asked_by: str


async def waiting_relations(organization_id: int | None, lang: str) -> list[Waiting]:
    """Relations naming the organization that wait for its answer (None: every one)."""
    relations = await catalogue.pending_relations(organization_id)
    owners = {o.id: o for o in await Organization.filter(
        id__in={r.event.owner_id for r in relations if r.event.owner_id})}
    rows = []
    for r in relations:
        e, owner = r.event, owners.get(r.event.owner_id or 0)
        when = (vocabulary.date_range(e.starts_at, e.ends_at, ZoneInfo(e.timezone), lang)
                if e.starts_at and e.ends_at and not e.date_tbd else None)
        rows.append(Waiting(r, vocabulary.pick(e.title_ja, e.title_en, lang), when,
                            vocabulary.pick(owner.name_ja, owner.name_en, lang) if owner else ""))
    return rows


def short_day(day: date, lang: str) -> str:
    """3月14日 / 14 Mar: a day in a chart, where the year goes without saying."""
    if lang == "ja":
        return f"{day.month}月{day.day}日"
    return f"{day.day} {vocabulary.MONTHS_EN[day.month - 1][:3]}"


# ---- pages ------------------------------------------------------------------------------------

@console_page("Dashboard: coming events with seats, waiting lists, registrations per day "
              "and today's check-ins; relations waiting for consent")
@page
async def dashboard(c: Console) -> Response:
    events = await upcoming_events(c.actor, c.now)
    per_day = await registrations_per_day(events, c.now)
    door = await checked_in_today(events, c.now)
    own = (await Organization.get_or_none(id=c.actor.organization_id)
           if c.actor.organization_id is not None else None)
    # Admins without an organization of their own answer for every organization.
    waiting = (await waiting_relations(c.actor.organization_id, c.lang)
               if own is not None or c.actor.is_admin else [])
    return c.render("console/dashboard.html", tiles=tiles(events, c.actor, c.now, c.lang,
                                                          per_day, door),
                    relations=waiting, own=own, has_orgs=own is not None or (
                        await Organization.exists()),
                    chart_days=CHART_DAYS, bar_width=BAR_WIDTH, chart_height=CHART_HEIGHT,
                    short_day=lambda d: short_day(d, c.lang), notice=notice_of(c, NOTICES))


NOTICES = ("relation_accepted", "relation_declined")


def notice_of(c: Console, known: tuple[str, ...]) -> str | None:
    """The `?notice=` of a redirect, when it is one this page knows."""
    notice = c.request.query_params.get("notice")
    return notice if notice in known else None


@console_form("Accept or decline a relation that names your organization",
              fields=("answer", "next"), errors=(403, 404, 422))
@page
async def answer_relation(c: Console) -> Response:
    try:
        relation_id = int(c.request.path_params["id"])
        if not 1 <= relation_id <= MAX_ID:
            raise ValueError
    except ValueError:
        raise NotFound("No such pending relation.") from None
    await catalogue.pending_relation(relation_id, c.actor)  # who may answer, before what
    form = await c.request.form()
    answer = str(form.get("answer", ""))
    if answer not in ("accept", "decline"):
        raise Invalid([FieldError.of("answer", "one_of", choices="accept, decline")])
    async with in_transaction() as conn:
        relation = await catalogue.answer_relation(relation_id, accept=answer == "accept",
                                                   actor=c.actor, now=c.now)
        action = "relation_accepted" if answer == "accept" else "relation_declined"
        await audit.record(action, actor=c.actor, now=c.now, client=c.client,
                           event=relation.event, organization_id=relation.organization_id,
                           target=f"{relation.organization.slug} ({relation.role})",
                           details={"organization": relation.organization.slug,
                                    "role": relation.role}, conn=conn)
    c.request.app.state.recent_events.forget(relation.event.slug)
    return c.back(safe_next(str(form.get("next", ""))), action)


routes = [
    Route("/console/", dashboard, methods=["GET"]),
    Route("/console/relations/{id}", answer_relation, methods=["POST"]),
]

