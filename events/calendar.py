"""iCalendar bytes from events: pure functions, no database, no HTTP.

Each event arrives with `.session_list` and `.partner_list` attached (as
`catalogue.load_details` does) and its `series` loaded. One VEVENT per session. What
real clients need, and why:

- UID `session-{id}@{host}` never changes, so a moved session replaces its old entry
  instead of appearing twice; SEQUENCE is the event's revision, raised by every change
  to time, place or status; DTSTAMP and LAST-MODIFIED are the event's last change, not
  the time of the request, so unchanged data gives the same bytes (and ETag).
- Times carry TZID with a VTIMEZONE in the same file (Thunderbird and Outlook resolve
  zones from the file, not from a database of their own).
- No METHOD, ORGANIZER or ATTENDEE: clients would treat the feed as invitations.
- Public feeds never carry the stream link; only `build_personal_calendar` does.
"""

from __future__ import annotations

import functools
import re
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Parameters,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vText,
)
from icalendar import Event as VEvent

from events.models import Event, Session
from events.vocabulary import (
    ATTENDANCE_MODES,
    DEFAULT_TIMEZONE,
    PARTNER_ROLES,
    formats_for_mode,
    pick,
    serves_online,
    serves_venue,
    translate,
)

PRODID = "-//kaigi//kaigi calendar feeds//EN"
REFRESH = timedelta(hours=1)
UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu"})

# Outlook shows STATUS nowhere obvious: for these, the word goes into the title as well.
STATUS_IN_SUMMARY = ("cancelled", "postponed")
STATUS = {"scheduled": "CONFIRMED", "tentative": "TENTATIVE", "postponed": "TENTATIVE",
          "cancelled": "CANCELLED", "draft": "TENTATIVE"}


def parameter_text(value: str) -> str:
    """A name for a parameter (CN=): one line, no quotes, no "=?". icalendar quotes and
    escapes parameter values itself (RFC 6868), so this is for clients that do not: no
    CR/LF to unescape into a line of its own, no quote to end the value, and nothing a
    client could take for an RFC 2047 encoded word and decode."""
    text = "".join(" " if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029"
                   else c for c in value.replace('"', "'"))
    return " ".join(text.replace("=?", "= ?").split())


# Line separators that are not CR/LF (VT, FF, NEL, U+2028, U+2029) become line breaks, which
# TEXT escapes as "\\n"; every other control character (C0 but tab and LF, DEL, C1) goes.
# Clients split lines on them, or show them as boxes, or refuse the file.
LINE_SEPARATORS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def ical_text(value: str) -> str:
    """A TEXT value with no control characters but tab and line breaks (RFC 5545 3.3.11
    allows neither CONTROL nor, in practice, Unicode line separators)."""
    return TEXT_CONTROLS.sub("", LINE_SEPARATORS.sub("\n", value))


@dataclass(frozen=True)
class Entries:
    """The serialized VEVENTs of one event and the time zones they refer to."""

    ical: bytes
    tzids: frozenset[str]


def session_uid(session_id: int, host: str) -> str:
    """Stable forever: a session keeps its id through every change of its event."""
    return f"session-{session_id}@{host}"


def event_url(base_url: str, slug: str, lang: str) -> str:
    return f"{base_url}/events/{slug}?lang={lang}"


def event_entries(event: Event, *, base_url: str, lang: str,
                  formats: Iterable[str] | None = None) -> Entries:
    """One event's public VEVENTs; `formats` keeps only sessions of those formats."""
    wanted = frozenset(formats) if formats else None
    sessions = [s for s in _sessions(event) if wanted is None or s.format in wanted]
    return _entries(event, sessions, base_url=base_url, lang=lang)


def build_calendar(events: Sequence[Event], *, uid: str, name: str, base_url: str,
                   lang: str, timezone: str = DEFAULT_TIMEZONE,
                   formats: Iterable[str] | None = None,
                   cache: EntryCache | None = None) -> bytes:
    """A public feed of `events`. With `cache`, unchanged events are not serialized again."""
    wanted = tuple(sorted(formats)) if formats else ()
    parts = []
    for event in events:
        key = entry_key(event.id, event.revision, event.updated_at, lang=lang,
                        formats=wanted, base_url=base_url)
        entries = cache.get(key) if cache is not None else None
        if entries is None:
            entries = event_entries(event, base_url=base_url, lang=lang, formats=wanted)
            if cache is not None:
                cache.put(key, entries)
        parts.append(entries)
    return assemble(parts, uid=uid, name=name, timezone=timezone)


def build_personal_calendar(event: Event, attendance_mode: str, stream_url: str, *,
                            base_url: str, lang: str, uid: str, name: str | None = None,
                            changed_at: datetime | None = None,
                            registration_status: str = "confirmed",
                            sequence: int | None = None) -> bytes:
    """An attendee's own calendar: the sessions of their mode, the stream link if online.

    `changed_at` is the newest change to the event or the registration (a switch of
    mode changes this calendar without changing the event). Only a confirmed place is
    CONFIRMED: a waiting list's entries are TENTATIVE (and say so in the title, which
    Outlook shows), and carry no stream link, whatever `stream_url` holds. `sequence`
    (the attendee's Registration.calendar_sequence) keeps the entries level with the
    invitations mailed to them, should both land in one calendar; never below the
    event's revision.
    """
    if attendance_mode not in ATTENDANCE_MODES:
        raise ValueError(f"unknown attendance mode {attendance_mode!r}")
    sessions = [s for s in _sessions(event) if s.format in formats_for_mode(attendance_mode)]
    confirmed = registration_status == "confirmed"
    online = attendance_mode == "online" and confirmed and event.status != "cancelled"
    waiting = not confirmed and event.status != "cancelled"
    prefix = f"{translate(f'registration_status_{registration_status}', lang)}: "

    def finish(ve: VEvent) -> None:
        if sequence is not None and sequence > event.revision:
            ve.pop("SEQUENCE", None)
            ve.add("SEQUENCE", sequence)
        if waiting:
            ve.pop("STATUS", None)
            ve.add("STATUS", "TENTATIVE")
            summary = str(ve.pop("SUMMARY"))
            ve.add("SUMMARY", prefix + summary)

    entries = _entries(event, sessions, base_url=base_url, lang=lang,
                       mode=attendance_mode, stream_url=stream_url if online else "",
                       changed_at=changed_at, finish=finish)
    title = name or pick(event.title_ja, event.title_en, lang)
    return assemble([entries], uid=uid, name=title, timezone=event.timezone)


def build_invitation(event: Event, attendance_mode: str, stream_url: str, *, method: str,
                     organizer: str, attendee: str, attendee_name: str, base_url: str,
                     lang: str, changed_at: datetime, sequence: int | None = None,
                     uids: Collection[str] | None = None) -> bytes:
    """An iTIP message (RFC 5546) for one attendee, under the same UIDs as the feeds, so a
    client updates the entries it has.

    REQUEST adds or updates the sessions of the attendee's mode; CANCEL (STATUS:CANCELLED)
    removes `uids` (by default those same sessions), including sessions no longer in the
    event, which are named by UID alone. `sequence` is the attendee's own SEQUENCE
    (Registration.calendar_sequence, raised by every message), by default the event's
    revision; with an equal SEQUENCE the later DTSTAMP (`changed_at`) wins.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method {method!r}")
    if attendance_mode not in ATTENDANCE_MODES:
        raise ValueError(f"unknown attendance mode {attendance_mode!r}")
    host = urlsplit(base_url).hostname or "localhost"
    if method == "CANCEL" and uids is not None:
        wanted = frozenset(uids)
        sessions = [s for s in _sessions(event) if session_uid(s.id, host) in wanted]
        gone = sorted(wanted - {session_uid(s.id, host) for s in sessions})
    else:
        sessions = [s for s in _sessions(event)
                    if s.format in formats_for_mode(attendance_mode)]
        gone = []
    online = attendance_mode == "online" and method == "REQUEST"
    seq = event.revision if sequence is None else sequence

    def finish(ve: VEvent) -> None:
        ve.pop("SEQUENCE", None)
        ve.add("SEQUENCE", seq)
        ve.add("ORGANIZER", f"mailto:{organizer}")
        params = {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED", "RSVP": "FALSE"}
        if name := parameter_text(attendee_name):
            params["CN"] = name
        ve.add("ATTENDEE", f"mailto:{attendee}", parameters=params)
        if method == "CANCEL":
            ve.pop("STATUS", None)
            ve.add("STATUS", "CANCELLED")
        elif str(ve.get("STATUS")) not in ("CONFIRMED", "TENTATIVE"):
            # RFC 5546 3.2.2: a REQUEST is TENTATIVE or CONFIRMED; a cancelled event is
            # never requested (the worker sends a CANCEL instead).
            ve.pop("STATUS", None)
            ve.add("STATUS", "TENTATIVE")

    entries = _entries(event, sessions, base_url=base_url, lang=lang, mode=attendance_mode,
                       stream_url=stream_url if online else "", changed_at=changed_at,
                       finish=finish)
    removed = b"".join(_removed_entry(event, uid, lang=lang, changed_at=changed_at,
                                      finish=finish) for uid in gone)
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", method)
    head: bytes = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    zones = b"".join(_vtimezone(tzid) for tzid in sorted(entries.tzids - UTC_ZONES))
    return head[:-len(end)] + zones + entries.ical + removed + end


def _removed_entry(event: Event, uid: str, *, lang: str, changed_at: datetime,
                   finish: Callable[[VEvent], None]) -> bytes:
    """A session deleted from the event, cancelled by UID: what is known of it is its
    event (RFC 5546 3.2.5 needs no DTSTART in a CANCEL)."""
    ve = VEvent()
    stamp = max(event.updated_at, changed_at).astimezone(UTC).replace(microsecond=0)
    ve.add("UID", uid)
    ve.add("DTSTAMP", stamp)
    ve.add("SUMMARY", ical_text(pick(event.title_ja, event.title_en, lang)))
    finish(ve)
    ical: bytes = ve.to_ical()
    return ical


def assemble(parts: Iterable[Entries], *, uid: str, name: str,
             timezone: str = DEFAULT_TIMEZONE) -> bytes:
    """The VCALENDAR around serialized VEVENTs, with one VTIMEZONE per zone used.

    The zone named by X-WR-TIMEZONE is always included, so a calendar without events
    still holds a component, as RFC 5545 asks.
    """
    parts = list(parts)
    tzids = {timezone}.union(*(p.tzids for p in parts)) - UTC_ZONES
    head = _frame(uid, name, timezone)
    zones = b"".join(_vtimezone(tzid) for tzid in sorted(tzids))
    return head + zones + b"".join(p.ical for p in parts) + b"END:VCALENDAR\r\n"


# ---- caching serialized events ---------------------------------------------------------

EntryKey = tuple[Any, ...]


def entry_key(event_id: int, revision: int, updated_at: datetime, *, lang: str,
              formats: Sequence[str] = (), base_url: str = "") -> EntryKey:
    """Everything an event's entries depend on: any change to the event moves updated_at."""
    return (event_id, revision, updated_at.astimezone(UTC).isoformat(), lang,
            tuple(formats), base_url)


class EntryCache:
    """Serialized VEVENTs per event revision, least recently used dropped first.

    icalendar takes ~0.3 ms per event; a feed of thousands rebuilt on every change
    would be slow, so only the events that changed are serialized again.
    """

    def __init__(self, max_events: int = 20_000) -> None:
        self.max_events = max_events
        self._items: OrderedDict[EntryKey, Entries] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: EntryKey) -> bool:
        return key in self._items

    def get(self, key: EntryKey) -> Entries | None:
        entries = self._items.get(key)
        if entries is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(key)
        return entries

    def put(self, key: EntryKey, entries: Entries) -> None:
        self._items[key] = entries
        self._items.move_to_end(key)
        while len(self._items) > self.max_events:
            self._items.popitem(last=False)


# ---- one event's VEVENTs -------------------------------------------------------------------

def _sessions(event: Event) -> list[Session]:
    return list(event.session_list)


def _entries(event: Event, sessions: list[Session], *, base_url: str, lang: str,
             mode: str | None = None, stream_url: str = "",
             changed_at: datetime | None = None,
             finish: Callable[[VEvent], None] | None = None) -> Entries:
    """`mode` is None for public feeds, else the attendee's mode (venue or online);
    `finish` adds what an invitation needs to each VEVENT."""
    host = urlsplit(base_url).hostname or "localhost"
    tz = ZoneInfo(event.timezone)
    stamp = max(event.updated_at, changed_at or event.updated_at).astimezone(UTC)
    stamp = stamp.replace(microsecond=0)
    url = event_url(base_url, event.slug, lang)
    title = pick(event.title_ja, event.title_en, lang)
    prefix = _summary_prefix(event.status, lang)
    several = len(_sessions(event)) > 1
    partners = _partners_text(event, lang)
    series = event.series
    chunks = []
    for s in sessions:
        part = pick(s.title_ja, s.title_en, lang)
        summary = f"{title} — {part}" if several and part and part != title else title
        ve = VEvent()
        ve.add("UID", session_uid(s.id, host))
        ve.add("DTSTAMP", stamp)
        ve.add("LAST-MODIFIED", stamp)
        ve.add("SEQUENCE", event.revision)
        ve.add("DTSTART", _local(s.starts_at, tz))
        ve.add("DTEND", _local(s.ends_at, tz))
        ve.add("SUMMARY", ical_text(prefix + summary))
        ve.add("STATUS", STATUS.get(event.status, "CONFIRMED"))
        online_here = bool(stream_url) and serves_online(s.format)
        location = _venue(event, s) if mode != "online" else ""
        if online_here and not location:
            location = stream_url
        if location:
            ve.add("LOCATION", ical_text(location))
        ve.add("URL", url, parameters={"VALUE": "URI"})
        ve.add("DESCRIPTION", ical_text(_description(event, s, lang, partners, url,
                                                     online_note=mode is None,
                                                     stream_url=stream_url)))
        categories = [pick(series.name_ja, series.name_en, lang)] if series else []
        categories.append(translate(f"format_{s.format}", lang))
        ve.add("CATEGORIES", [ical_text(c) for c in categories])
        if online_here:
            # Parameters, not a plain dict: icalendar types a dict's values as str only.
            ve.add("CONFERENCE", stream_url, parameters=Parameters({
                "VALUE": "URI", "FEATURE": ["VIDEO", "AUDIO"],
                "LABEL": translate("live_stream", lang)}))
        if finish is not None:
            finish(ve)
        chunks.append(ve.to_ical())
    tzids = frozenset() if event.timezone in UTC_ZONES or not sessions else frozenset(
        {event.timezone})
    return Entries(b"".join(chunks), tzids)


def _summary_prefix(status: str, lang: str) -> str:
    """"中止: " or "Cancelled: " before the title of a cancelled or postponed event."""
    if status not in STATUS_IN_SUMMARY:
        return ""
    return f"{translate(f'event_status_{status}', lang)}: "


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    """Local time with TZID, or UTC for a time that occurs twice when clocks go back:
    a local time cannot say which of the two it is."""
    local = moment.astimezone(tz)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


def _venue(event: Event, s: Session) -> str:
    if not serves_venue(s.format):
        return ""
    name = s.venue_name or event.venue_name
    address = s.venue_address or event.venue_address
    return ", ".join(part for part in (name, address) if part)


def _partners_text(event: Event, lang: str) -> list[str]:
    lines = []
    for role in PARTNER_ROLES:
        names = [pick(p.organization.name_ja, p.organization.name_en, lang)
                 for p in event.partner_list
                 if p.role == role]
        if names:
            separator = translate("list_separator", lang)
            lines.append(f"{translate(f'role_{role}', lang)}: {separator.join(names)}")
    return lines


def _description(event: Event, s: Session, lang: str, partners: list[str], url: str, *,
                 online_note: bool, stream_url: str) -> str:
    """Summary, partners by role, then the page: many clients show no URL property."""
    paragraphs = []
    if summary := pick(event.summary_ja, event.summary_en, lang):
        paragraphs.append(summary)
    if partners:
        paragraphs.append("\n".join(partners))
    if serves_online(s.format) and stream_url:
        paragraphs.append(f"{translate('live_stream', lang)}: {stream_url}")
    elif serves_online(s.format) and online_note:
        paragraphs.append(translate("online_note", lang))
    paragraphs.append(url)
    return "\n\n".join(paragraphs)


# ---- the calendar around them -------------------------------------------------------------

def _frame(uid: str, name: str, timezone: str) -> bytes:
    """Calendar properties up to (not including) the first component."""
    cal = Calendar.new(uid=uid, prodid=PRODID)
    # icalendar writes NAME and X-WR-CALNAME unescaped when set through `name=`: as TEXT
    # a comma, semicolon or backslash in an organization's name must be escaped.
    cal.add("NAME", vText(ical_text(name)))
    cal.add("X-WR-CALNAME", vText(ical_text(name)))
    cal.add("X-WR-TIMEZONE", timezone)
    cal.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", "PT1H")
    ical: bytes = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert ical.endswith(end)
    return ical[:-len(end)]


# ---- time zones -----------------------------------------------------------------------------

# icalendar's own VTIMEZONE lists every onset in one multi-valued RDATE, and ical.js
# (Thunderbird) and vobject read only the first value of each RDATE: they would miss
# every daylight-saving change after 1981. It also starts daylight time one hour late.
# So kaigi writes the zone itself: one RDATE line per onset, in the local time before it.
ZONE_START = datetime(1970, 1, 1, tzinfo=UTC)
ZONE_END = datetime(2038, 1, 1, tzinfo=UTC)


# From ZONE_END on, a zone that still changes its clocks gets its rule as an RRULE (the
# transitions of the last year, by month and weekday), checked against the zone up to
# RULE_CHECKED_UNTIL; a zone whose rule is not of that shape gets RDATEs up to then instead.
RULE_CHECKED_UNTIL = datetime(2100, 1, 1, tzinfo=UTC)


@functools.cache
def _vtimezone(tzid: str) -> bytes:
    """Once per zone and process: finding the transitions walks seven decades day by day."""
    tz = ZoneInfo(tzid)
    transitions = _transitions(tz)
    rules = _yearly_rules(tz, transitions)
    if rules is None:  # no rule of the usual shape: every onset, as far as anyone plans
        transitions += _transitions(tz, start=transitions[-1][0], end=RULE_CHECKED_UNTIL)[1:]
        rules = []
    groups: dict[tuple[bool, timedelta, timedelta, str], list[datetime]] = {}
    for moment, before, after in transitions:
        offset, dst, name = after
        groups.setdefault((dst, before[0], offset, name), []).append(
            (moment + before[0]).replace(tzinfo=None))
    zone = Timezone()
    zone.add("TZID", tzid)
    parts = sorted(groups.items(), key=lambda item: item[1][0])
    for (dst, offset_from, offset_to, name), onsets in parts:
        part = TimezoneDaylight() if dst else TimezoneStandard()
        part.add("DTSTART", onsets[0])
        if len(onsets) > 1:
            for onset in onsets:  # the first too: with RDATE, ical.js ignores DTSTART
                part.add("RDATE", onset)
        part.add("TZNAME", name)
        part.add("TZOFFSETFROM", offset_from)
        part.add("TZOFFSETTO", offset_to)
        zone.add_component(part)
    for rule in rules:
        part = TimezoneDaylight() if rule.after[1] else TimezoneStandard()
        part.add("DTSTART", rule.first_onset)
        part.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": rule.month,
                           "BYDAY": f"{rule.nth}{WEEKDAYS[rule.weekday]}"})
        part.add("TZNAME", rule.after[2])
        part.add("TZOFFSETFROM", rule.before[0])
        part.add("TZOFFSETTO", rule.after[0])
        zone.add_component(part)
    ical: bytes = zone.to_ical()
    return ical


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class YearlyRule:
    """A transition on the nth (-1: last) weekday of a month, at a local time."""

    month: int
    nth: int
    weekday: int
    at: timedelta  # local time of day before the change
    before: State
    after: State
    first_onset: datetime  # local, naive: the first one from ZONE_END on

    def onset(self, year: int) -> datetime:
        """This rule's transition in `year`, as a UTC moment."""
        if self.nth > 0:
            first = datetime(year, self.month, 1)
            day = first + timedelta(days=(self.weekday - first.weekday()) % 7
                                    + 7 * (self.nth - 1))
        else:
            following = datetime(year + self.month // 12, self.month % 12 + 1, 1)
            last = following - timedelta(days=1)
            day = last - timedelta(days=(last.weekday() - self.weekday) % 7)
        return (day + self.at - self.before[0]).replace(tzinfo=UTC)


def _yearly_rules(tz: ZoneInfo, transitions: list[tuple[datetime, State, State]]
                  ) -> list[YearlyRule] | None:
    """The rules that continue the zone past ZONE_END: [] when its clocks no longer change,
    None when they change in a way no yearly weekday rule matches up to RULE_CHECKED_UNTIL."""
    last_year = ZONE_END.year - 1
    recent = [t for t in transitions[1:] if t[0].year == last_year]
    if not recent:
        return [] if _state(tz, RULE_CHECKED_UNTIL) == transitions[-1][2] else None
    rules = []
    for moment, before, after in recent:
        local = (moment + before[0]).replace(tzinfo=None)
        month_days = (datetime(local.year + local.month // 12, local.month % 12 + 1, 1)
                      - timedelta(days=1)).day
        nth = -1 if local.day + 7 > month_days else (local.day - 1) // 7 + 1
        at = local - local.replace(hour=0, minute=0, second=0)
        rule = YearlyRule(local.month, nth, local.weekday(), at, before, after, local)
        first = (rule.onset(ZONE_END.year) + before[0]).replace(tzinfo=None)
        rules.append(replace(rule, first_onset=first))
    second = timedelta(seconds=1)
    for year in range(ZONE_END.year, RULE_CHECKED_UNTIL.year):
        for rule in rules:
            moment = rule.onset(year)
            if _state(tz, moment - second) != rule.before or _state(tz, moment) != rule.after:
                return None
        # Nothing else changes: the state mid-way between the onsets is the expected one.
        onsets = sorted((rule.onset(year), rule) for rule in rules)
        for (moment, rule), (following, _) in zip(onsets, onsets[1:], strict=False):
            if _state(tz, moment + (following - moment) / 2) != rule.after:
                return None
    return rules


State = tuple[timedelta, bool, str]


def _state(tz: ZoneInfo, moment: datetime) -> State:
    local = moment.astimezone(tz)
    return (local.utcoffset() or timedelta(0), bool(local.dst()), local.tzname() or "")


def _transitions(tz: ZoneInfo, start: datetime = ZONE_START, end: datetime = ZONE_END
                 ) -> list[tuple[datetime, State, State]]:
    """(UTC moment, state before, state after); the first entry is the state at `start`
    (local midnight, 1 January 1970, by default)."""
    moment, state = start, _state(tz, start)
    found = [(moment - state[0] if start == ZONE_START else moment, state, state)]
    day = timedelta(days=1)
    while moment < end:
        if _state(tz, moment + day) == state:
            moment += day
            continue
        low, high = moment, moment + day  # the change lies in (low, high]: bisect to the second
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            middle = middle.replace(microsecond=0)
            if _state(tz, middle) == state:
                low = middle
            else:
                high = middle
        after = _state(tz, high)
        found.append((high, state, after))
        moment, state = high, after
    return found
