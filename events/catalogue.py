"""Organizations, series and events: create, change, find."""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q, Subquery
from tortoise.transactions import in_transaction

from events import audit, db, outbox, privacy, seats
from events.access import Actor
from events.errors import Code, Conflict, Forbidden, Invalid, NotFound, Refused
from events.inputs import (
    BASIC_MEMBERSHIPS,
    EventIn,
    EventPatch,
    OrganizationIn,
    PartnerIn,
    SeriesIn,
    SessionIn,
    Text100,
    TimeZoneName,
    in_zone,
    pair,
    parse,
)
from events.models import (
    EVENT_STATUSES,
    PARTNER_ROLES,
    SESSION_FORMATS,
    Event,
    EventPartner,
    Organization,
    Registration,
    Series,
    Session,
)
from events.validation import MAX_ID, Checker, is_slug, parse_date
from events.vocabulary import ATTENDANCE_MODES, modes_for_formats

# Undated events sort after every dated one.
FAR_FUTURE = datetime(2999, 12, 31, tzinfo=UTC)
MAX_LIMIT = 100


# ---- organizations and series -------------------------------------------------------------

async def create_organization(data: Any) -> Organization:
    org = parse(OrganizationIn, data)
    name_ja, name_en = pair(org.name)
    try:
        return await Organization.create(slug=org.slug, name_ja=name_ja, name_en=name_en,
                                         url=org.url or "")
    except IntegrityError:
        raise Conflict(f"An organization with slug {org.slug!r} exists already.",
                       field="slug") from None


async def list_organizations() -> list[Organization]:
    return await Organization.all().order_by("slug")


async def get_organization(slug: str) -> Organization:
    org = await Organization.get_or_none(slug=slug) if is_slug(slug) else None
    if org is None:
        raise NotFound(f"No organization {slug!r}.")
    return org


async def update_organization(org: Organization, data: Any, *,
                              now: datetime) -> dict[str, list[Any]]:
    """Change an organization's names and URL; its slug stays (feeds and links name it).

    `data` is OrganizationIn without the slug. Returns the changed fields, old and new."""
    change = parse(OrganizationIn, {**data, "slug": org.slug})
    name_ja, name_en = pair(change.name)
    after = {"name_ja": name_ja, "name_en": name_en, "url": change.url or ""}
    changed = await _save_changes(org, after)
    if changed:  # names appear in feeds and pages: their caches follow updated_at
        await Event.filter(id__in=Subquery(EventPartner.filter(
            organization_id=org.id).values("event_id"))).update(updated_at=now)
    return changed


async def create_series(data: Any, *, organization: Organization | None = None) -> Series:
    """A new series; organizers of `organization` may put events into it."""
    series = parse(SeriesIn, data)
    name_ja, name_en = pair(series.name)
    try:
        return await Series.create(slug=series.slug, name_ja=name_ja, name_en=name_en,
                                   organization=organization)
    except IntegrityError:
        raise Conflict(f"A series with slug {series.slug!r} exists already.",
                       field="slug") from None


async def list_series() -> list[Series]:
    return await Series.all().order_by("slug")


async def get_series(slug: str) -> Series:
    series = await Series.get_or_none(slug=slug) if is_slug(slug) else None
    if series is None:
        raise NotFound(f"No series {slug!r}.")
    return series


async def update_series(series: Series, data: Any, *, organization: Organization | None,
                        now: datetime) -> dict[str, list[Any]]:
    """Change a series' names and organization; its slug stays. `data` is SeriesIn without
    the slug. Returns the changed fields, old and new (the organization by slug)."""
    change = parse(SeriesIn, {**data, "slug": series.slug})
    name_ja, name_en = pair(change.name)
    changed = await _save_changes(series, {"name_ja": name_ja, "name_en": name_en,
                                           "organization_id": organization.id
                                           if organization else None})
    if "organization_id" in changed:
        slugs = {o.id: o.slug for o in await Organization.filter(
            id__in=[i for i in changed["organization_id"] if i is not None])}
        changed["organization"] = [slugs.get(i) for i in changed.pop("organization_id")]
    if {"name_ja", "name_en"} & changed.keys():  # feeds name the series of each event
        await Event.filter(series_id=series.id).update(updated_at=now)
    return changed


async def _save_changes(row: Organization | Series, after: dict[str, Any]
                        ) -> dict[str, list[Any]]:
    """Write the values that differ; {field: [old, new]} of those."""
    changed = {name: [getattr(row, name), value] for name, value in after.items()
               if getattr(row, name) != value}
    if changed:
        await type(row).filter(id=row.id).update(**{k: v[1] for k, v in changed.items()})
        for name, (_, value) in changed.items():
            setattr(row, name, value)
    return changed


# ---- events: reading ----------------------------------------------------------------------

async def get_event(slug: str, *, include_drafts: bool = False) -> Event:
    """One event with its sessions, partners and series loaded."""
    if not is_slug(slug):
        raise NotFound(f"No event {slug!r}.")
    query = Event.filter(slug=slug)
    if not include_drafts:
        query = query.exclude(status="draft")
    event = await query.prefetch_related("series", "owner").first()
    if event is None:
        raise NotFound(f"No event {slug!r}.")
    await load_details([event])
    return event


async def load_details(events: list[Event]) -> None:
    """Attach sorted sessions and partners to each event with two queries in all.

    `partner_list` holds accepted relations only (what pages, feeds and the API show);
    `pending_partners` the ones the named organization has yet to accept."""
    ids = [e.id for e in events]
    sessions: dict[int, list[Session]] = {i: [] for i in ids}
    partners: dict[int, list[EventPartner]] = {i: [] for i in ids}
    pending: dict[int, list[EventPartner]] = {i: [] for i in ids}
    if ids:
        for s in await Session.filter(event_id__in=ids).order_by("starts_at", "position", "id"):
            sessions[s.event_id].append(s)
        for p in await EventPartner.filter(event_id__in=ids).prefetch_related(
                "organization").order_by("position", "id"):
            (partners if p.status == "accepted" else pending)[p.event_id].append(p)
    for e in events:
        e.session_list = sessions[e.id]
        e.partner_list = partners[e.id]
        e.pending_partners = pending[e.id]


@dataclass
class Page:
    items: list[Event]
    next_cursor: str | None


async def list_events(params: Mapping[str, str], *, include_drafts: bool = False) -> Page:
    """Public listing: filters from query parameters, keyset paging on (date, id)."""
    check = Checker()
    query = Event.all()
    if not include_drafts:
        query = query.exclude(status="draft")

    start = _date_param(check, params, "from")
    end = _date_param(check, params, "to")
    if start and end and end < start:
        check.fail("to", "to_before_from")
    if start:
        query = query.filter(ends_at__gte=datetime.combine(start, datetime.min.time(), UTC)
                             - timedelta(days=1))
    if end:
        query = query.filter(starts_at__lt=datetime.combine(end, datetime.min.time(), UTC)
                             + timedelta(days=2))

    if q := check.text(params, "q", max_length=200):
        query = query.filter(
            Q(title_ja__icontains=q) | Q(title_en__icontains=q) | Q(summary_ja__icontains=q)
            | Q(summary_en__icontains=q) | Q(slug__icontains=q)
        )
    roles = check.choices(params, "role", PARTNER_ROLES)
    if org := check.text(params, "org", max_length=100):
        related = EventPartner.filter(organization__slug=org, status="accepted")
        if roles:
            related = related.filter(role__in=roles)
        query = query.filter(id__in=Subquery(related.values("event_id")))
    elif roles:
        query = query.filter(id__in=Subquery(EventPartner.filter(
            role__in=roles, status="accepted").values("event_id")))
    if series := check.text(params, "series", max_length=100):
        query = query.filter(series__slug=series)
    if formats := check.choices(params, "format", SESSION_FORMATS):
        condition = Q()
        for f in formats:
            condition |= Q(formats__contains=f",{f},") | Q(format=f)
        query = query.filter(condition)
    if statuses := check.choices(params, "status", EVENT_STATUSES):
        query = query.filter(status__in=statuses)

    limit = check.limit(params, default=20, maximum=MAX_LIMIT)
    if cursor := params.get("cursor"):
        position = _decode_cursor(cursor)
        if position is None:
            check.fail("cursor", "cursor")
        else:
            sort_at, last_id = position
            query = query.filter(Q(sort_at__gt=sort_at) | Q(sort_at=sort_at, id__gt=last_id))
    check.done()

    if start or end:
        query = query.filter(date_tbd=False)
    rows = await query.distinct().order_by("sort_at", "id").limit(limit + 1).prefetch_related(
        "series", "owner")
    items, more = rows[:limit], len(rows) > limit
    await load_details(items)
    next_cursor = _encode_cursor(items[-1]) if more and items else None
    return Page(items, next_cursor)


def _date_param(check: Checker, params: Mapping[str, str], name: str) -> date | None:
    if name not in params:
        return None
    value = parse_date(params[name])
    # The same years a session may have; the edges of `date` would overflow below.
    if value is None or not 1900 <= value.year <= 2999:
        check.fail(name, "date")
        return None
    return value


def _encode_cursor(event: Event) -> str:
    raw = json.dumps([event.sort_at.astimezone(UTC).isoformat(), event.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, last_id = json.loads(raw)
        when = datetime.fromisoformat(stamp)
        if type(last_id) is not int or not 1 <= last_id <= MAX_ID or when.tzinfo is None:
            return None
        when = when.astimezone(UTC)
        if not 1900 <= when.year <= FAR_FUTURE.year:
            return None
        return when, last_id
    except (ValueError, TypeError, OverflowError):
        return None


# ---- events: writing ----------------------------------------------------------------------

# Changes to these raise the event's revision (the calendar SEQUENCE).
SCHEDULE_FIELDS = ("status", "date_tbd", "timezone", "venue_name", "venue_address")
# Changed only by atomic UPDATEs (seats, revision, version), never written from a copy of
# the row.
COUNTERS = ("venue_confirmed", "venue_waitlisted", "online_confirmed", "online_waitlisted",
            "queue_seq", "revision", "version")


async def create_event(data: Any, *, actor: Actor, default_timezone: str,
                       now: datetime, client: str = "") -> Event:
    """A new event, audited (`event_created`, its fields) in the same transaction."""
    check = Checker()
    change = _read_event(check, EventIn, data)
    values, sessions, partners = await _event_values(check, change, data, partial=False,
                                                     default_timezone=default_timezone)
    _check_series_owner(check, values, actor)
    check.done()
    if partners is None:
        partners = []
    if not actor.is_admin:
        own = actor.organization_id
        organizers = [org for org, role in partners if role == "organizer"]
        if not organizers and own is not None:
            partners.insert(0, (await Organization.get(id=own), "organizer"))
        elif not organizers or organizers[0].id != own:
            raise Forbidden("An organizer key may only create events its organization "
                            "organizes (first organizer partner).")
    _check_shape(check, values, sessions or [])
    check.done()
    try:
        async with in_transaction() as conn:
            event = Event(**values, updated_at=now, sort_at=FAR_FUTURE)
            event.owner = _owner(partners)
            _derive(event, sessions or [])
            await event.save()
            await _replace_sessions(event, sessions or [])
            await _replace_partners(event, partners, actor=actor, now=now)
            created = await _audit_fields(event, sessions or [], partners)
            await audit.record("event_created", actor=actor, now=now, client=client,
                               event=event, target=event.slug, conn=conn, details=audit.changes(
                                   {}, {k: v for k, v in created.items() if v not in ("", None)}))
    except IntegrityError:
        raise Conflict(f"An event with slug {values['slug']!r} exists already.",
                       field="slug") from None
    return await get_event(event.slug, include_drafts=True)


@dataclass
class EventChange:
    """A change to an event, checked against every rule but not yet written."""

    event: Event  # loaded, with the changed values set on it (not saved)
    values: dict[str, Any]
    sessions: list[dict[str, Any]] | None  # the new list, or None to keep the sessions
    partners: list[tuple[Organization, str]] | None
    rescheduled: bool  # time, place or status changed: the revision rises, attendees hear
    status_before: str
    before: dict[str, Any]  # the fields as the audit log shows them
    loaded_version: int

    @property
    def purpose(self) -> str | None:
        """The mail attendees get when this is saved (see outbox.queue_event_change)."""
        if not self.rescheduled or self.event.status == "draft":
            return None
        return "event_cancelled" if self.event.status == "cancelled" else "event_changed"

    async def recipients(self) -> int:
        """How many registrants get that mail: the active ones, as the outbox counts them."""
        if self.purpose is None:
            return 0
        return await Registration.filter(
            event_id=self.event.id, status__in=("confirmed", "waitlisted")).count()

    def capacity_below_confirmed(self) -> dict[str, tuple[int, int]]:
        """Modes whose new capacity is below the seats confirmed: {mode: (capacity, confirmed)}.

        Nobody loses a seat; new registrations wait until enough are cancelled."""
        lowered: dict[str, tuple[int, int]] = {}
        for mode in ATTENDANCE_MODES:
            capacity = self.values.get(f"{mode}_capacity", ...)
            confirmed: int = getattr(self.event, f"{mode}_confirmed")
            if isinstance(capacity, int) and capacity < confirmed and capacity != self.before[
                    f"{mode}_capacity"]:
                lowered[mode] = (capacity, confirmed)
        return lowered

    async def changes(self) -> dict[str, list[Any]]:
        """The fields this change alters, {field: [old, new]}, as the audit log records them."""
        return audit.changes(self.before, await _audit_fields(
            self.event, self.sessions, self.partners))


async def plan_update(slug: str, data: Any, *, actor: Actor) -> EventChange:
    """Check a change as `update_event` would, without writing: for a confirmation step."""
    event = await get_event(slug, include_drafts=True)
    actor.require_manage(event)
    check = Checker()
    change = _read_event(check, EventPatch, data)
    values, sessions, partners = await _event_values(
        check, change, data, partial=True, default_timezone=event.timezone, event=event)
    _check_series_owner(check, values, actor)
    check.done()

    schedule_before, status_before = _schedule_of(event, event.session_list), event.status
    before = await _audit_fields(event)
    notice_before = privacy.notice_key(event)
    for name, value in values.items():
        setattr(event, name, value)
    final_sessions = sessions if sessions is not None else [
        _session_values(s) for s in event.session_list]
    _check_shape(check, values | _current(event), final_sessions)
    check.done()
    if partners is not None and not actor.is_admin:
        owner = _owner(partners)
        if owner is None or owner.id != actor.organization_id:
            raise Forbidden("An organizer key must keep its organization as the first organizer.")

    if "slug" in values and values["slug"] != slug and await Event.filter(
            slug=values["slug"]).exists():
        raise Conflict(f"An event with slug {values['slug']!r} exists already.", field="slug")
    _derive(event, final_sessions)
    if partners is not None:
        event.owner = _owner(partners)
    if privacy.notice_key(event, partners) != notice_before:  # consents name the version
        values["privacy_version"] = event.privacy_version = event.privacy_version + 1
    return EventChange(event, values, sessions, partners,
                       _schedule_of(event, final_sessions) != schedule_before, status_before,
                       before, event.version)


async def update_event(slug: str, data: Any, *, actor: Actor, now: datetime,
                       expected_version: int | None = None,
                       if_match: Collection[int] | None = None, client: str = "",
                       lock_timeout: float = seats.LOCK_TIMEOUT,
                       statement_timeout: float = seats.STATEMENT_TIMEOUT) -> Event:
    """Change an event and raise its `version`; with `expected_version` (the version the
    editor loaded), a change made meanwhile refuses the save (`stale_edit`); with
    `if_match` (the versions an API client's If-Match names), `precondition_failed`.

    Only the columns the change names, and those derived from them, are written, from the
    row as it is under the event's lock: a concurrent change of other fields stays. The
    transaction has a deadline (`lock_timeout`, `statement_timeout`, seconds): past it,
    nothing is changed and `busy` is raised, so registrations never wait on it for long."""
    planned = await plan_update(slug, data, actor=actor)  # invalid: refused before locking
    if expected_version is not None and planned.loaded_version != expected_version:
        raise _stale(slug)
    if if_match is not None and planned.loaded_version not in if_match:
        raise _precondition_failed(slug)
    try:
        with seats.busy_on_timeout(f"Event {slug!r}"):
            async with in_transaction() as conn:
                await seats.set_deadline(conn, lock_timeout=lock_timeout,
                                         statement_timeout=statement_timeout)
                event = await _write_change(planned, slug, data, actor=actor, now=now,
                                            conn=conn, expected_version=expected_version,
                                            if_match=if_match, client=client)
    except IntegrityError:
        raise Conflict("The change conflicts with existing data (duplicate slug?).",
                       field="slug") from None
    return await get_event(event.slug, include_drafts=True)


async def _write_change(planned: EventChange, slug: str, data: Any, *, actor: Actor,
                        now: datetime, conn: Any, expected_version: int | None,
                        if_match: Collection[int] | None, client: str) -> Event:
    # The first write, atomic under the row lock: of two saves made from the same
    # version, the second finds it raised and changes nothing.
    raised = Event.filter(id=planned.event.id).using_db(conn)
    if expected_version is not None:
        raised = raised.filter(version=expected_version)
    if if_match is not None:
        raised = raised.filter(version__in=list(if_match))
    if not await raised.update(version=F("version") + 1):
        raise _stale(slug) if if_match is None else _precondition_failed(slug)
    # Planned again on the row as it is under the lock: what others saved meanwhile is
    # the base of this change, and the rules are checked on the state it makes.
    change = await plan_update(slug, data, actor=actor)
    event, values, sessions, partners = (change.event, change.values, change.sessions,
                                         change.partners)
    event.updated_at = now
    await Event.filter(id=event.id).using_db(conn).update(**_written(change))
    if change.rescheduled:
        # Two concurrent changes give two SEQUENCE steps.
        await Event.filter(id=event.id).using_db(conn).update(revision=F("revision") + 1)
    event.revision, event.version = (await Event.filter(id=event.id).using_db(
        conn).values_list("revision", "version"))[0]
    for mode in ATTENDANCE_MODES:  # a raised capacity seats the waiting list
        if f"{mode}_capacity" in values:
            await seats.promote(event.id, mode, now, conn)
    if sessions is not None:
        await _replace_sessions(event, sessions)
    if partners is not None:
        await _replace_partners(event, partners, actor=actor, now=now)
    if change.rescheduled:  # tell every active registrant, in this same transaction
        await outbox.queue_event_change(event, now, conn, before=change.before,
                                        sessions_before=event.session_list)
    changed = await change.changes()
    if changed:
        await audit.record("event_changed", actor=actor, now=now, client=client,
                           event=event, target=event.slug, details=changed, conn=conn)
    return event


# Written on every change: derived from the sessions (and date_tbd), and the feeds' clock.
DERIVED = ("starts_at", "ends_at", "sort_at", "format", "formats", "updated_at")


def _written(change: EventChange) -> dict[str, Any]:
    """The columns a change writes: those it names, and the derived ones."""
    event = change.event
    columns = {name: value for name, value in change.values.items() if name != "series"}
    if "series" in change.values:
        columns["series_id"] = event.series_id
    if change.partners is not None:
        columns["owner_id"] = event.owner_id
    columns.update({name: getattr(event, name) for name in DERIVED})
    return columns


async def _series_slug(event: Event) -> str | None:
    if event.series_id is None:
        return None
    loaded = event.__dict__.get("_series")  # set when fetched or assigned
    if isinstance(loaded, Series) and loaded.id == event.series_id:
        return loaded.slug
    series = await Series.get_or_none(id=event.series_id)
    return series.slug if series else None


def _stale(slug: str) -> Conflict:
    return Conflict(f"Event {slug!r} was changed since it was loaded; reload it and redo "
                    "the change.", code=Code.STALE_EDIT)


def _precondition_failed(slug: str) -> Refused:
    return Refused(Code.PRECONDITION_FAILED, f"Event {slug!r} was changed since the version "
                   "If-Match names; read it again (its ETag) and redo the change.")


async def _audit_fields(event: Event, sessions: list[dict[str, Any]] | None = None,
                        partners: list[tuple[Organization, str]] | None = None
                        ) -> dict[str, Any]:
    """An event's fields as the audit log shows them: columns by name (no counters, nothing
    derived), the series by slug, sessions and partners as one line each."""
    skip = {*COUNTERS, "id", "created_at", "updated_at", "sort_at", "starts_at", "ends_at",
            "format", "formats", "series_id", "owner_id"}
    fields = {f: getattr(event, f) for f in event._meta.db_fields if f not in skip}
    fields["series"] = await _series_slug(event)
    tz = ZoneInfo(event.timezone)
    rows = sessions if sessions is not None else [
        _session_values(s) for s in getattr(event, "session_list", [])]
    fields["sessions"] = "; ".join(
        f"{r['starts_at'].astimezone(tz):%Y-%m-%d %H:%M}–{r['ends_at'].astimezone(tz):%H:%M} "
        f"{r['format']}" + (f" {r['venue_name']}" if r["venue_name"] else "")
        for r in sorted(rows, key=lambda r: (r["starts_at"], r["position"])))
    if partners is not None:
        fields["partners"] = ", ".join(f"{org.slug} {role}" for org, role in partners)
    else:
        listed = [*getattr(event, "partner_list", []), *getattr(event, "pending_partners", [])]
        listed.sort(key=lambda p: (p.position, p.id))
        fields["partners"] = ", ".join(f"{p.organization.slug} {p.role}" for p in listed)
    return fields


def _read_event(check: Checker, model: type[EventPatch], data: Any) -> EventPatch | None:
    """The change as a model; its problems go to `check` so that database checks add theirs."""
    try:
        return parse(model, data)
    except Invalid as exc:
        if not isinstance(data, dict):
            raise
        check.errors += exc.errors
        return None


async def _event_values(
        check: Checker, change: EventPatch | None, data: dict[str, Any], *, partial: bool,
        default_timezone: str, event: Event | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]] | None, list[tuple[Organization, str]] | None]:
    """Column values, session rows and partners from a valid change; database checks too."""
    if change is None:
        # Still name unknown series and organizations in the same answer.
        refs = _salvage(data)
        await _series(check, refs)
        if refs.partners is not None:
            await _partners(check, refs.partners)
        if refs.membership_choices is not None:
            await _check_memberships(check, refs.membership_choices)
        if refs.sessions is not None:  # a session ending before it starts, say so now too
            _sessions(check, refs.sessions, ZoneInfo(
                refs.timezone or (event.timezone if event else default_timezone)))
        return {}, None, None
    sent = change.model_fields_set
    values: dict[str, Any] = {}
    for name in ("slug", "status", "date_tbd"):
        if getattr(change, name) is not None:
            values[name] = getattr(change, name)
    for name in ("title", "summary", "description"):
        if name in sent:
            values[f"{name}_ja"], values[f"{name}_en"] = pair(getattr(change, name))
    # No time zone (null or "") means the default on creation and no change on PATCH.
    if change.timezone:
        values["timezone"] = change.timezone
    elif not partial:
        values["timezone"] = default_timezone
    tz = ZoneInfo(values.get("timezone") or (event.timezone if event else default_timezone))
    if "venue" in sent:
        venue = change.venue
        values["venue_name"] = (venue.name or "") if venue else ""
        values["venue_address"] = (venue.address or "") if venue else ""
        # Newer members: left out, they keep their value (older clients never send them).
        for member in ("name_en", "address_en", "map_url"):
            if venue is None or member in venue.model_fields_set or not partial:
                values[f"venue_{member}"] = (getattr(venue, member) or "") if venue else ""
    if "contact_email" in sent:
        values["contact_email"] = change.contact_email or ""
    if change.membership_choices is not None:
        await _check_memberships(check, change.membership_choices)
        values["membership_choices"] = ",".join(change.membership_choices)
    if change.share_registrants is not None:
        values["share_registrants"] = change.share_registrants
    if change.challenge is not None:
        values["challenge"] = change.challenge
    if "privacy" in sent:
        values["privacy"] = privacy.stored_notice(event.privacy if event else {}, change.privacy)
    if change.consent_required is not None:
        values["consent_required"] = change.consent_required
    if change.confirm_email is not None:
        values["confirm_email"] = change.confirm_email
    if "stream_url" in sent:
        values["stream_url"] = change.stream_url or ""
    if "capacity" in sent:
        capacity = change.capacity
        for mode in ATTENDANCE_MODES:
            if capacity is None or mode in capacity.model_fields_set:
                values[f"{mode}_capacity"] = getattr(capacity, mode, None)
    for name in ("registration_opens_at", "registration_closes_at"):
        if name in sent:
            moment = getattr(change, name)
            values[name] = in_zone(moment, tz) if moment else None
    if "series" in sent:
        found = await _series(check, change)
        if found is not False:
            values["series"] = found
    sessions = _sessions(check, change.sessions, tz) if change.sessions is not None else None
    partners = await _partners(check, change.partners) if change.partners is not None else None
    return values, sessions, partners


async def _check_memberships(check: Checker, choices: list[str]) -> None:
    """Each choice is a basic membership or an existing organization's slug."""
    # "none" is always offered; a malformed slug has its own error already.
    slugs = [c for c in choices if c not in BASIC_MEMBERSHIPS and c != "none" and is_slug(c)]
    known = set(await db.column(Organization.filter(slug__in=slugs), "slug")) if slugs else set()
    for i, choice in enumerate(choices):
        if choice in slugs and choice not in known:
            check.fail(f"membership_choices[{i}]", "unknown_organization", slug=choice)


def _check_series_owner(check: Checker, values: dict[str, Any], actor: Actor) -> None:
    """Series belong to an organization: only its organizers (and admins) add events."""
    series = values.get("series")
    if series is not None and not actor.is_admin and (
            series.organization_id is None or series.organization_id != actor.organization_id):
        check.fail("series", "series_not_yours", slug=series.slug)


class _References(BaseModel):
    """The parts of an invalid change that can still be checked further, each on its own."""

    series: Text100 | None = None
    partners: list[PartnerIn] | None = None
    membership_choices: list[str] | None = None
    sessions: list[SessionIn] | None = None
    timezone: TimeZoneName | None = None


def _salvage(data: dict[str, Any]) -> _References:
    valid = {}
    for name in _References.model_fields:
        try:
            _References.model_validate({name: data.get(name)})
        except ValidationError:
            continue
        valid[name] = data.get(name)
    return _References.model_validate(valid)


async def _series(check: Checker, change: EventPatch | _References) -> Series | None | bool:
    """The series named, None to leave the series, or False when unknown."""
    if not change.series:
        return None
    series = await Series.get_or_none(slug=change.series)
    if series is None:
        check.fail("series", "unknown_series", slug=change.series)
        return False
    return series


def _sessions(check: Checker, sessions: list[SessionIn], tz: ZoneInfo) -> list[dict[str, Any]]:
    rows = []
    for i, session in enumerate(sessions):
        starts, ends = in_zone(session.starts_at, tz), in_zone(session.ends_at, tz)
        if ends <= starts:
            check.fail(f"sessions[{i}].ends_at", "ends_before_start")
        title_ja, title_en = pair(session.title)
        venue = session.venue
        rows.append({
            "id": session.id, "position": i, "title_ja": title_ja, "title_en": title_en,
            "starts_at": starts, "ends_at": ends, "format": session.format,
            "venue_name": (venue.name or "") if venue else "",
            "venue_address": (venue.address or "") if venue else "",
        })
    return rows


async def _partners(check: Checker, partners: list[PartnerIn]) -> list[tuple[Organization, str]]:
    seen: set[tuple[str, str]] = set()
    for i, p in enumerate(partners):
        if (p.org, p.role) in seen:
            check.fail(f"partners[{i}]", "partner_twice", slug=p.org, role=p.role)
        seen.add((p.org, p.role))
    orgs = {o.slug: o for o in await Organization.filter(slug__in=[p.org for p in partners])}
    found: list[tuple[Organization, str]] = []
    for i, p in enumerate(partners):
        if p.org not in orgs:
            check.fail(f"partners[{i}].org", "unknown_organization", slug=p.org)
        else:
            found.append((orgs[p.org], p.role))
    return found


def _check_shape(check: Checker, values: dict[str, Any], sessions: list[dict[str, Any]]) -> None:
    """Rules across fields, checked on the final state of the event."""
    opens, closes = values.get("registration_opens_at"), values.get("registration_closes_at")
    if isinstance(opens, datetime) and isinstance(closes, datetime) and closes <= opens:
        check.fail("registration_closes_at", "closes_before_opens")
    if values.get("date_tbd") and sessions:
        check.fail("sessions", "tbd_with_sessions")
    if not values.get("date_tbd") and not sessions and values.get("status", "scheduled") not in (
            "draft", "postponed", "cancelled"):
        check.fail("sessions", "needs_sessions")


def _current(event: Event) -> dict[str, Any]:
    return {
        "date_tbd": event.date_tbd, "status": event.status,
        "registration_opens_at": event.registration_opens_at,
        "registration_closes_at": event.registration_closes_at,
    }


def _session_values(s: Session) -> dict[str, Any]:
    return {
        "id": s.id, "position": s.position, "title_ja": s.title_ja, "title_en": s.title_en,
        "starts_at": s.starts_at, "ends_at": s.ends_at, "format": s.format,
        "venue_name": s.venue_name, "venue_address": s.venue_address,
    }


# The event's SCHEDULE_FIELDS and its sessions' times and places: a change raises the revision.
Schedule = tuple[tuple[Any, ...], list[tuple[Any, ...]]]


def _schedule_of(event: Event, sessions: list[Session] | list[dict[str, Any]]) -> Schedule:
    def norm(s: Session | dict[str, Any]) -> tuple[Any, ...]:
        s = s if isinstance(s, dict) else _session_values(s)
        return (s["starts_at"], s["ends_at"], s["format"], s["venue_name"], s["venue_address"])

    return (tuple(getattr(event, f) for f in SCHEDULE_FIELDS),
            sorted(norm(s) for s in sessions))


def _owner(partners: list[tuple[Organization, str]]) -> Organization | None:
    return next((org for org, role in partners if role == "organizer"), None)


def _derive(event: Event, sessions: list[dict[str, Any]]) -> None:
    """An event's dates and format come from its sessions."""
    formats = sorted({s["format"] for s in sessions})
    if sessions and not event.date_tbd:
        event.starts_at = min(s["starts_at"] for s in sessions)
        event.ends_at = max(s["ends_at"] for s in sessions)
        event.sort_at = event.starts_at
    else:
        event.starts_at = event.ends_at = None
        event.sort_at = FAR_FUTURE
    event.formats = "," + ",".join(formats) + "," if formats else ""
    if not formats:
        event.format = None
    elif len(formats) == 1:
        event.format = formats[0]
    else:
        event.format = "hybrid"


async def _replace_sessions(event: Event, sessions: list[dict[str, Any]]) -> None:
    """Keep sessions that carry their id (calendar UIDs hang on it); replace the rest."""
    existing = {s.id: s for s in await Session.filter(event_id=event.id)}
    kept: set[int] = set()
    for values in sessions:
        values = dict(values)
        session_id = values.pop("id", None)
        if session_id in existing and session_id not in kept:
            session = existing[session_id]
            for name, value in values.items():
                setattr(session, name, value)
            await session.save()
            kept.add(session_id)
        else:
            await Session.create(event_id=event.id, **values)
    stale = [i for i in existing if i not in kept]
    if stale:
        await Session.filter(id__in=stale).delete()


async def _replace_partners(event: Event, partners: list[tuple[Organization, str]], *,
                            actor: Actor, now: datetime) -> None:
    """Relations need consent: one naming another organization waits for it to accept,
    unless an admin made it; one accepted before stays accepted."""
    accepted = {(p.organization_id, p.role): p.accepted_at for p in await EventPartner.filter(
        event_id=event.id, status="accepted")}
    await EventPartner.filter(event_id=event.id).delete()
    for i, (org, role) in enumerate(partners):
        agreed = (org.id, role) in accepted or actor.is_admin or (
            org.id == actor.organization_id)
        await EventPartner.create(
            event_id=event.id, organization=org, role=role, position=i,
            status="accepted" if agreed else "pending",
            accepted_at=accepted.get((org.id, role)) or (now if agreed else None))


async def pending_relations(organization_id: int | None) -> list[EventPartner]:
    """Relations waiting for an organization's answer (all of them for None: admins)."""
    query = EventPartner.filter(status="pending")
    if organization_id is not None:
        query = query.filter(organization_id=organization_id)
    return await query.prefetch_related("event", "organization").order_by("id")


async def pending_relation(relation_id: int, actor: Actor) -> EventPartner:
    """A relation waiting for `actor`'s answer; anyone else is told it does not exist."""
    relation = await EventPartner.get_or_none(id=relation_id, status="pending"
                                              ).prefetch_related("event", "organization")
    if relation is None or not (actor.is_admin or (
            actor.role == "organizer" and actor.organization_id == relation.organization_id)):
        raise NotFound("No such pending relation.")
    return relation


async def answer_relation(relation_id: int, *, accept: bool, actor: Actor,
                          now: datetime) -> EventPartner:
    """An organizer of the named organization (or an admin) accepts or declines."""
    relation = await pending_relation(relation_id, actor)
    if accept:
        await EventPartner.filter(id=relation.id, status="pending").update(
            status="accepted", accepted_at=now)
        relation.status = "accepted"
    else:
        await EventPartner.filter(id=relation.id, status="pending").delete()
        relation.status = "declined"
    # Feeds and pages change with the relation.
    await Event.filter(id=relation.event_id).update(updated_at=now)
    return relation


def attendance_modes(event: Event) -> list[str]:
    """Which ways to attend the event's sessions offer: venue, online or both."""
    return modes_for_formats(f for f in event.formats.strip(",").split(",") if f)


def is_public(event: Event) -> bool:
    return event.status != "draft"



@dataclass
class Overview:
    upcoming: list[Event]
    undated: list[Event]
    past: list[Event]


async def overview(now: datetime, *, past_limit: int = 30) -> Overview:
    """What the front page shows: coming events, undated ones, then the recent past."""
    public = Event.exclude(status="draft")
    upcoming = await public.filter(date_tbd=False, ends_at__gte=now).order_by(
        "starts_at", "id").prefetch_related("series")
    undated = await public.filter(Q(date_tbd=True) | Q(starts_at=None)).order_by(
        "id").prefetch_related("series")
    past = await public.filter(date_tbd=False, ends_at__lt=now).order_by(
        "-starts_at", "-id").limit(past_limit).prefetch_related("series")
    await load_details(upcoming + undated + past)
    return Overview(upcoming, undated, past)
