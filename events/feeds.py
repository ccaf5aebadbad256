"""Which events each calendar feed holds, and feeds served from a per-process cache.

A feed is rebuilt only when the catalogue changed: every request reads one small
"marker" row (newest change, row counts); when it matches the cached feed's, the
cached bytes are served. On a change, only the events whose revision or update time
moved are serialized again (`calendar.EntryCache`). Reading the marker from the
database on every request, rather than remembering changes in memory, keeps several
worker processes (and the CLI) from ever serving a stale feed.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from tortoise.connection import get_connection
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from events import calendar, catalogue, db
from events.errors import FieldError, Invalid, NotFound
from events.models import Event, EventPartner
from events.validation import is_slug
from events.vocabulary import LANGUAGES, PARTNER_ROLES, SESSION_FORMATS, pick, translate

# A cancelled event stays this long after its end, so subscribers see the cancellation.
CANCELLED_KEPT = timedelta(days=30)
LOAD_CHUNK = 500  # ids per IN (...) query: SQLite limits bound variables
IN_LOOP_EVENTS = 20  # serialize more than this many events in a worker thread
FeedKind = Literal["events", "org", "series", "event"]


@dataclass(frozen=True)
class FeedQuery:
    """What one feed URL asks for; equal queries share a cached feed."""

    kind: FeedKind
    slug: str = ""
    lang: str = "ja"
    roles: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    body: bytes
    digest: str  # SHA-256 of the body, for the ETag
    last_modified: datetime
    # A cancelled event leaves the feed 30 days after its end: the feed changes then
    # without any change in the database.
    valid_until: datetime | None = None


class MarkerReader:
    """Reads the catalogue marker once for all the requests waiting on it.

    Under load every request needs the marker; one query can serve a batch of them. A
    request never takes a read that began before it arrived (that read could miss a
    change committed just before the request): it waits for the next read, which all
    requests arriving meanwhile share. So no request sees older data than it would have
    with its own query, and the database sees one query per round trip, not per request.
    """

    def __init__(self) -> None:
        self._next: asyncio.Future[tuple[Any, ...]] | None = None
        self._reader: asyncio.Task[None] | None = None
        self.reads = 0

    async def read(self) -> tuple[Any, ...]:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waiting = self._next
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_while_asked())
        # shield: a client hanging up must not cancel the read others wait for.
        return await asyncio.shield(waiting)

    async def _read_while_asked(self) -> None:
        batch = None
        try:
            while self._next is not None:
                batch, self._next = self._next, None
                self.reads += 1
                try:
                    batch.set_result(await catalogue_marker())
                except Exception as exc:  # each waiting request reports it as its own
                    batch.set_exception(exc)
        finally:
            self._reader = None
            # Cancelled (the server stopping): nobody may wait forever.
            for left in (batch, self._next):
                if left is not None and not left.done():
                    left.cancel()
            self._next = None


@dataclass
class FeedCache:
    """Whole feeds by query, and serialized events by revision. One per app and process."""

    max_feeds: int = 256
    entries: calendar.EntryCache = field(default_factory=calendar.EntryCache)
    feeds: OrderedDict[FeedQuery, tuple[tuple[Any, ...], Feed]] = field(
        default_factory=OrderedDict)
    hits: int = 0
    builds: int = 0
    markers: MarkerReader = field(default_factory=MarkerReader)
    _locks: dict[FeedQuery, asyncio.Lock] = field(default_factory=dict)

    def lock(self, query: FeedQuery) -> asyncio.Lock:
        if len(self._locks) > 2 * self.max_feeds:
            self._locks = {q: lock for q, lock in self._locks.items() if lock.locked()}
        return self._locks.setdefault(query, asyncio.Lock())

    def lookup(self, query: FeedQuery, marker: tuple[Any, ...], now: datetime) -> Feed | None:
        cached = self.feeds.get(query)
        if cached is None or cached[0] != marker:
            return None
        feed = cached[1]
        if feed.valid_until is not None and now >= feed.valid_until:
            return None
        self.feeds.move_to_end(query)
        self.hits += 1
        return feed

    def store(self, query: FeedQuery, marker: tuple[Any, ...], feed: Feed) -> None:
        self.builds += 1
        self.feeds[query] = (marker, feed)
        self.feeds.move_to_end(query)
        while len(self.feeds) > self.max_feeds:
            self.feeds.popitem(last=False)


def parse_query(kind: FeedKind, slug: str, params: Mapping[str, str], *,
                default_language: str) -> FeedQuery:
    """The common filters of the public feeds: lang=ja|en, format=, and role= for orgs."""
    if slug and not is_slug(slug):
        # Nothing by that name, and a NUL or an overlong value must not reach the database.
        raise NotFound(f"No {kind} {slug!r}.")
    errors = []
    lang = params.get("lang") or default_language
    if lang not in LANGUAGES:
        errors.append(FieldError.of("lang", "one_of", choices=", ".join(LANGUAGES)))
    formats = _list(params, "format", SESSION_FORMATS, errors)
    roles = _list(params, "role", PARTNER_ROLES, errors) if kind == "org" else ()
    if errors:
        raise Invalid(errors)
    return FeedQuery(kind, slug, lang, roles, formats)


def _list(params: Mapping[str, str], name: str, choices: tuple[str, ...],
          errors: list[FieldError]) -> tuple[str, ...]:
    values = {v.strip() for v in params.get(name, "").split(",") if v.strip()}
    if values - set(choices):
        errors.append(FieldError.of(name, "one_of", choices=", ".join(choices)))
    return tuple(sorted(values))


async def render_feed(query: FeedQuery, *, cache: FeedCache, base_url: str, site_name: str,
                      timezone: str, now: datetime) -> Feed:
    """The feed's bytes, from the cache while nothing changed. Raises NotFound."""
    marker = await cache.markers.read()
    if (feed := cache.lookup(query, marker, now)) is not None:
        return feed
    # After a restart every subscriber's client asks at once: build each feed once.
    async with cache.lock(query):
        marker = await cache.markers.read()
        if (feed := cache.lookup(query, marker, now)) is not None:
            return feed
        feed = await _build(query, marker, base_url=base_url, site_name=site_name,
                            timezone=timezone, now=now, entries=cache.entries)
        cache.store(query, marker, feed)
    return feed


async def catalogue_marker() -> tuple[Any, ...]:
    """Moves with every change that can alter a feed.

    Every catalogue write to an event, its sessions or its partners sets the event's
    updated_at; the count catches a deleted event. Renaming an organization or a series
    (there is no API for it yet) would have to touch its events' updated_at too.
    """
    _, rows = await get_connection("default").execute_query(
        'SELECT MAX(updated_at) AS newest, COUNT(*) AS events FROM "event"')
    row = dict(rows[0])
    return (_as_datetime(row["newest"]), row["events"])


def _as_datetime(value: Any) -> datetime | None:
    """SQLite hands back the stored text, PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ---- which events -----------------------------------------------------------------------

def public_events() -> QuerySet[Event]:
    """Published events that have a date: drafts and dates to be announced stay out."""
    return Event.exclude(status="draft").filter(date_tbd=False, starts_at__isnull=False)


def in_window(query: QuerySet[Event], now: datetime) -> QuerySet[Event]:
    """Cancelled events stay for CANCELLED_KEPT after their end, then leave."""
    return query.filter(Q(status__not="cancelled") | Q(ends_at__gte=now - CANCELLED_KEPT))


async def feed_events(query: FeedQuery, now: datetime) -> QuerySet[Event]:
    """The events a public feed holds (before the window on cancelled ones for set feeds)."""
    events = public_events()
    if query.kind == "org":
        org = await catalogue.get_organization(query.slug)
        partners = EventPartner.filter(organization_id=org.id, status="accepted")
        if query.roles:
            partners = partners.filter(role__in=query.roles)
        events = events.filter(id__in=Subquery(partners.values("event_id")))
    elif query.kind == "series":
        series = await catalogue.get_series(query.slug)
        events = events.filter(series_id=series.id)
    elif query.kind == "event":
        events = Event.exclude(status="draft").filter(slug=query.slug)
    if query.formats:
        condition = Q()
        for f in query.formats:
            condition |= Q(formats__contains=f",{f},")
        events = events.filter(condition)
    return events


async def load_events(ids: list[int]) -> dict[int, Event]:
    """Events with series, sessions and partners, a few hundred per query."""
    loaded: dict[int, Event] = {}
    for start in range(0, len(ids), LOAD_CHUNK):
        chunk = await Event.filter(id__in=ids[start:start + LOAD_CHUNK]).prefetch_related(
            "series")
        await catalogue.load_details(chunk)
        loaded.update((e.id, e) for e in chunk)
    return loaded


# ---- building ------------------------------------------------------------------------------

ROW = ("id", "revision", "updated_at", "status", "ends_at")


async def _build(query: FeedQuery, marker: tuple[Any, ...], *, base_url: str, site_name: str,
                 timezone: str, now: datetime, entries: calendar.EntryCache) -> Feed:
    candidates = await feed_events(query, now)
    if query.kind == "event":
        # The page's own "add to calendar" keeps a cancelled event however old.
        event = await Event.exclude(status="draft").get_or_none(slug=query.slug)
        if event is None:
            raise NotFound(f"No event {query.slug!r}.")
        members, timezone = candidates, event.timezone
        name = pick(event.title_ja, event.title_en, query.lang)
        last_modified = event.updated_at
    else:
        members = in_window(candidates, now)
        name = await _feed_name(query, site_name)
        last_modified = await _newest_change(candidates, marker, now)
    rows = await members.order_by("starts_at", "id").values_list(*ROW)
    parts = await _entries(rows, query, base_url, entries)
    body = calendar.assemble(parts, uid=_calendar_uid(query, base_url), name=name,
                             timezone=timezone)
    valid_until = None if query.kind == "event" else _leaves_window(rows)
    return Feed(body, hashlib.sha256(body).hexdigest(), last_modified.astimezone(UTC),
                valid_until)


async def _entries(rows: list[tuple[Any, ...]], query: FeedQuery, base_url: str,
                   cache: calendar.EntryCache) -> list[calendar.Entries]:
    """Each event's VEVENTs: from the cache, or loaded and serialized if it changed."""
    def key(event_id: int, revision: int, updated_at: datetime) -> calendar.EntryKey:
        return calendar.entry_key(event_id, revision, updated_at, lang=query.lang,
                                  formats=query.formats, base_url=base_url)

    found = {r[0]: cache.get(key(*r[:3])) for r in rows}
    missing = [event_id for event_id, entries in found.items() if entries is None]
    events = list((await load_events(missing)).values())

    def serialize() -> list[calendar.Entries]:
        return [calendar.event_entries(e, base_url=base_url, lang=query.lang,
                                       formats=query.formats) for e in events]

    # icalendar needs ~0.5 ms a session: a big cold build in a thread lets the event loop
    # keep answering other requests (slowly: the GIL is shared) instead of stalling.
    made = await asyncio.to_thread(serialize) if len(events) > IN_LOOP_EVENTS else serialize()
    for event, entries in zip(events, made, strict=True):
        # Keyed on what was loaded: had the event changed meanwhile, the marker moved too.
        cache.put(key(event.id, event.revision, event.updated_at), entries)
        found[event.id] = entries
    return [entries for entries in found.values() if entries is not None]


async def _feed_name(query: FeedQuery, site_name: str) -> str:
    lang = query.lang
    labels = [translate(f"role_{r}", lang) for r in query.roles]
    labels += [translate(f"format_{f}", lang) for f in query.formats]
    subject = ""
    if query.kind == "org":
        org = await catalogue.get_organization(query.slug)
        subject = pick(org.name_ja, org.name_en, lang)
    elif query.kind == "series":
        series = await catalogue.get_series(query.slug)
        subject = pick(series.name_ja, series.name_en, lang)
    if labels:
        subject = f"{subject} ({translate('list_separator', lang).join(labels)})".strip()
    return f"{subject} — {site_name}" if subject else site_name


def _calendar_uid(query: FeedQuery, base_url: str) -> str:
    """Stable per feed URL, never random (a random one would change every ETag)."""
    parts = [query.kind] + ([query.slug] if query.slug else [])
    parts += [f"role={'.'.join(query.roles)}"] if query.roles else []
    parts += [f"format={'.'.join(query.formats)}"] if query.formats else []
    host = urlsplit(base_url).hostname or "localhost"
    return f"feed-{'-'.join(parts)}-{query.lang}@{host}"


async def _newest_change(candidates: QuerySet[Event], marker: tuple[Any, ...],
                         now: datetime) -> datetime:
    """Last-Modified of a feed of several events.

    An event that leaves a feed (made a draft, a partner removed) changes nothing that
    stays in it, yet If-Modified-Since must see the feed as changed: so the newest
    change in the whole catalogue counts, and so does the moment the latest cancelled
    event dropped out of the window.
    """
    times = [marker[0] or datetime(1970, 1, 1, tzinfo=UTC)]
    expired = candidates.filter(status="cancelled", ends_at__lt=now - CANCELLED_KEPT)
    gone: list[datetime] = await db.column(expired.order_by("-ends_at").limit(1), "ends_at")
    if gone:
        times.append(gone[0] + CANCELLED_KEPT)
    return max(times)


def _leaves_window(rows: list[tuple[Any, ...]]) -> datetime | None:
    """When the next cancelled event leaves the feed: the cached feed is good until then."""
    ends = [r[4] + CANCELLED_KEPT for r in rows if r[3] == "cancelled" and r[4] is not None]
    return min(ends) if ends else None
