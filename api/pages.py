"""Public HTML pages: the event list and one event, in Japanese or English."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from api import i18n
from api.docs import html_page
from api.requests import now, settings
from api.security import csrf_token, set_csrf_cookie
from events import availability, catalogue, resources, vocabulary
from events.config import Settings
from events.errors import Invalid
from events.models import Event, Session

ATTENDANCE_MODE = {
    "in_person": "https://schema.org/OfflineEventAttendanceMode",
    "online": "https://schema.org/OnlineEventAttendanceMode",
    "hybrid": "https://schema.org/MixedEventAttendanceMode",
}
EVENT_STATUS = {
    "scheduled": "https://schema.org/EventScheduled",
    "tentative": "https://schema.org/EventScheduled",
    "postponed": "https://schema.org/EventPostponed",
    "cancelled": "https://schema.org/EventCancelled",
    "draft": "https://schema.org/EventScheduled",
}


def make_templates(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(resources.directory("templates")),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["base_url"] = settings.base_url
    env.filters["paragraphs"] = paragraphs
    return env


def render(request: Request, template: str, lang: str, status: int = 200,
           **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.templates
    page = env.get_template(template).render(
        request=request, lang=lang, other_lang="en" if lang == "ja" else "ja",
        t=lambda key, **v: vocabulary.translate(key, lang, **v),
        pick=lambda ja, en: vocabulary.pick(ja, en, lang),
        **context,
    )
    return HTMLResponse(page, status_code=status,
                        headers={"Content-Language": lang, "Vary": "Accept-Language"})


def page_language(request: Request) -> str:
    return i18n.choose_language(request, settings(request).default_language)


def render_error(request: Request, status: int, message: str) -> Response:
    lang = page_language(request)
    return render(request, "error.html", lang, status=status, status_code=status,
                  message=message)


# ---- descriptions -------------------------------------------------------------------------

# http(s) addresses made of URL characters; Japanese text right after one ends it.
URL_RE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%()]+")
TRAILING = ".,;:!?)]"


def _link(url: str) -> tuple[str, str]:
    """The address and what follows it: closing punctuation belongs to the sentence."""
    rest = ""
    while url and url[-1] in TRAILING and not (
            url[-1] == ")" and url.count("(") >= url.count(")")):
        url, rest = url[:-1], url[-1] + rest
    return url, rest


def linkify(text: str) -> Markup:
    """Every piece escaped on its own; http(s) addresses become links (and nothing else)."""
    out: list[str] = []
    position = 0
    for match in URL_RE.finditer(text):
        url, rest = _link(match.group())
        out.append(escape(text[position:match.start()]))
        if url.partition("://")[2]:
            out.append(Markup('<a href="{0}" rel="noopener nofollow ugc">{0}</a>').format(url))
        else:
            out.append(escape(url))
        out.append(escape(rest))
        position = match.end()
    out.append(escape(text[position:]))
    return Markup("".join(out))


def paragraphs(text: str) -> Markup:
    """Organizer text as paragraphs: blank lines part them, single line breaks stay."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paras = [p.strip("\n") for p in re.split(r"\n[ \t\u3000]*\n", text) if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(linkify(line) for line in p.split("\n")))
        for p in paras)


# ---- what a list shows of one event --------------------------------------------------------

def moment(value: datetime, tz: ZoneInfo, lang: str) -> str:
    """2098年3月1日(土) 10:00 / Sat 1 Mar 2098 10:00, in the event's time zone."""
    return f"{vocabulary.day(value, tz, lang)} {value.astimezone(tz):%H:%M}"


def venue_of(event: Event, lang: str) -> dict[str, str]:
    """The venue in the page's language (English falls back to the Japanese words)."""
    name = event.venue_name_en if lang == "en" and event.venue_name_en else event.venue_name
    address = (event.venue_address_en if lang == "en" and event.venue_address_en
               else event.venue_address)
    local = event.venue_address if address != event.venue_address else ""
    query = event.venue_address or event.venue_name
    map_url = event.venue_map_url or (
        "https://www.google.com/maps/search/?" + urlencode(
            {"api": "1", "query": query}, quote_via=quote) if query else "")
    return {"name": name, "address": address, "local_address": local, "map_url": map_url}


def place(event: Event, lang: str) -> str:
    """Where the event happens, in a few words: the venue, online, or both."""
    modes = catalogue.attendance_modes(event)
    name = venue_of(event, lang)["name"]
    if "venue" not in modes or not name:
        return vocabulary.translate("online_only", lang) if "online" in modes else name
    if "online" in modes:
        return vocabulary.translate("venue_and_online", lang, venue=name)
    return name


def state_words(avail: availability.Availability, tz: ZoneInfo, lang: str) -> dict[str, Any]:
    """The words for the state of registration, overall and for each way of attending."""
    def t(key: str, **v: object) -> str:
        return vocabulary.translate(key, lang, **v)

    if avail.state == "not_open" and avail.opens_at:
        state = t("avail_not_open_at", when=moment(avail.opens_at, tz, lang))
    else:
        state = t(f"avail_{avail.state}")
    seats: dict[str, str] = {}
    for m in avail.modes:
        if m.left is None:
            seats[m.mode] = t("avail_seats_open")
        elif m.full:
            seats[m.mode] = t("avail_seats_full")
        elif m.few:
            seats[m.mode] = t("avail_seats_few", n=m.left)
        else:
            seats[m.mode] = t("avail_seats_left", n=m.left)
    # One way of attending that is full: the state has said it already.
    telling = any(m.left is not None for m in avail.modes) and not (
        len(avail.modes) == 1 and avail.modes[0].full)
    per_mode = [t("avail_mode", mode=t(f"attendance_{mode}"), seats=words)
                for mode, words in seats.items()] if avail.taking and telling else []
    deadline = None
    if avail.closes_at and avail.state in ("open", "few_left", "full", "not_open"):
        deadline = t("avail_deadline", when=moment(avail.closes_at, tz, lang))
    return {"state": state, "seats": seats, "per_mode": per_mode, "deadline": deadline}


def card(event: Event, lang: str) -> dict[str, Any]:
    """What a list (and the top of the event page and form) shows of one event."""
    tz = ZoneInfo(event.timezone)
    when = starts = None
    if event.starts_at and event.ends_at and not event.date_tbd:
        when = vocabulary.date_range(event.starts_at, event.ends_at, tz, lang)
        starts = moment(event.starts_at, tz, lang)
    avail = availability.of(event, now())
    partners = getattr(event, "partner_list", [])
    return {
        "event": event,
        "title": vocabulary.pick(event.title_ja, event.title_en, lang),
        "summary": vocabulary.pick(event.summary_ja, event.summary_en, lang),
        "when": when,
        "starts": starts,
        "formats": sorted({s.format for s in getattr(event, "session_list", [])}),
        "place": place(event, lang),
        "venue": venue_of(event, lang),
        "organizers": [vocabulary.pick(p.organization.name_ja, p.organization.name_en, lang)
                       for p in partners if p.role == "organizer"],
        "avail": avail,
        "words": state_words(avail, tz, lang),
    }


# ---- the catalogue ------------------------------------------------------------------------

FILTERS = ("q", "format", "org", "series", "month")
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
SEARCH_LIMIT = 50


def month_bounds(value: str) -> tuple[date, date] | None:
    """The first and last day of a "YYYY-MM" month, or None when it is not one."""
    match = MONTH_RE.match(value)
    if not match or not 1900 <= int(match[1]) <= 2998 or not 1 <= int(match[2]) <= 12:
        return None
    first = date(int(match[1]), int(match[2]), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def in_month(event: Event, bounds: tuple[date, date]) -> bool:
    """The event has a day in the month, in its own time zone."""
    if not event.starts_at or not event.ends_at or event.date_tbd:
        return False
    tz = ZoneInfo(event.timezone)
    return (event.starts_at.astimezone(tz).date() <= bounds[1]
            and event.ends_at.astimezone(tz).date() >= bounds[0])


async def search(filters: Mapping[str, str], cursor: str, lang: str
                 ) -> tuple[list[Event], str | None, dict[str, str]]:
    """The events matching the catalogue's filters, through the API's own listing; the
    problems by field, in `lang`, when a filter is not understood."""
    params = {k: v for k, v in filters.items() if k != "month"}
    bounds = None
    if filters.get("month"):
        bounds = month_bounds(filters["month"])
        if bounds is None:
            return [], None, {"month": vocabulary.translate("search_bad_month", lang)}
        params["from"], params["to"] = bounds[0].isoformat(), bounds[1].isoformat()
    params["limit"] = str(SEARCH_LIMIT)
    if cursor:
        params["cursor"] = cursor
    try:
        page = await catalogue.list_events(params)
    except Invalid as exc:
        return [], None, {e.field: e.text(lang) for e in exc.errors}
    items = [e for e in page.items if bounds is None or in_month(e, bounds)]
    return items, page.next_cursor, {}


def month_choices(events: list[Event], chosen: str, lang: str) -> list[tuple[str, str]]:
    """(value, label) of each month an event is held in, in order; the chosen one too."""
    values = {chosen} if month_bounds(chosen) else set()
    for e in events:
        if e.starts_at and e.ends_at:
            tz = ZoneInfo(e.timezone)
            values.add(f"{e.starts_at.astimezone(tz):%Y-%m}")
            values.add(f"{e.ends_at.astimezone(tz):%Y-%m}")
    return [(v, vocabulary.month(datetime(int(v[:4]), int(v[5:]), 1, tzinfo=UTC), ZoneInfo("UTC"),
                                 lang)) for v in sorted(values)]


@html_page("Upcoming events by month, undated events, past events; a search with filters",
           errors=(422,))
async def index(request: Request) -> Response:
    lang = page_language(request)
    query = request.query_params
    filters = {k: query.get(k, "").strip() for k in FILTERS if query.get(k, "").strip()}
    view = await catalogue.overview(now())
    results: list[dict[str, Any]] = []
    more = None
    problems: dict[str, str] = {}
    if filters:
        found, next_cursor, problems = await search(filters, query.get("cursor", ""), lang)
        results = [card(e, lang) for e in found]
        if next_cursor:
            more = "/?" + urlencode({**filters, "cursor": next_cursor, "lang": lang})

    def month_of(event: Event) -> str:
        assert event.starts_at
        return vocabulary.month(event.starts_at, ZoneInfo(event.timezone), lang)

    months = [(label, [card(e, lang) for e in group])
              for label, group in groupby(view.upcoming, key=month_of)]
    base = settings(request).base_url
    return render(
        request, "index.html", lang, status=422 if problems else 200,
        months=months, undated=[card(e, lang) for e in view.undated],
        past=[card(e, lang) for e in view.past], filters=filters, results=results,
        more=more, problems=problems,
        organizations=await catalogue.list_organizations(),
        series_list=await catalogue.list_series(),
        month_list=month_choices(view.upcoming + view.past, filters.get("month", ""), lang),
        og=open_graph(title=vocabulary.translate("site_name", lang),
                      description=vocabulary.translate("upcoming", lang),
                      url=f"{base}/?lang={lang}", lang=lang))


# ---- one event ----------------------------------------------------------------------------

@html_page("One event: registration state, venue, sessions, partners, add to calendar, "
           "schema.org JSON-LD", errors=(404,))
async def event_page(request: Request) -> Response:
    lang = page_language(request)
    event = await catalogue.get_event(request.path_params["slug"])
    tz = ZoneInfo(event.timezone)
    base = settings(request).base_url
    c = card(event, lang)
    sessions = [{
        "session": s,
        "title": vocabulary.pick(s.title_ja, s.title_en, lang)
        or vocabulary.pick(event.title_ja, event.title_en, lang),
        "when": vocabulary.span(s.starts_at, s.ends_at, tz, lang),
        "venue": s.venue_name or (venue_of(event, lang)["name"]
                                  if vocabulary.serves_venue(s.format) else ""),
        "address": s.venue_address or (venue_of(event, lang)["address"]
                                       if vocabulary.serves_venue(s.format) else ""),
    } for s in event.session_list]
    partners = []
    for role in vocabulary.PARTNER_ROLES:
        orgs = [p.organization for p in event.partner_list if p.role == role]
        if orgs:
            partners.append((role, orgs))
    page_url = f"{base}/events/{event.slug}?lang={lang}"
    description = vocabulary.pick(event.description_ja, event.description_en, lang)
    token = csrf_token(request)  # for "lost your ticket link?" (api.ticket_link)
    response = render(request, "event.html", lang, c=c, event=event,
                      sessions=sessions, partners=partners, description=description,
                      modes=catalogue.attendance_modes(event),
                      json_ld=json_ld(event, base, lang),
                      registration_open=c["avail"].taking,
                      google_links=google_links(event, c["avail"], page_url, lang),
                      og=open_graph(title=c["title"], description=share_text(c, lang),
                                    url=page_url, lang=lang), csrf=token)
    set_csrf_cookie(response, token, request)
    return response


def google_calendar_link(*, title: str, start: datetime, end: datetime, details: str,
                         location: str) -> str:
    """Google Calendar's form for one new entry, filled in; times in UTC."""
    stamp = "%Y%m%dT%H%M%SZ"
    query = urlencode({
        "action": "TEMPLATE", "text": title,
        "dates": f"{start.astimezone(UTC):{stamp}}/{end.astimezone(UTC):{stamp}}",
        "details": details, "location": location,
    }, quote_via=quote, safe="/")
    return f"https://calendar.google.com/calendar/render?{query}"


def google_links(event: Event, avail: availability.Availability, page_url: str,
                 lang: str) -> list[tuple[str | None, str]]:
    """(label's time or None, link) for each session an attendee may still add: none for
    an undated, ended, cancelled or postponed event."""
    if avail.state in ("ended", "cancelled", "postponed") or event.date_tbd:
        return []
    tz = ZoneInfo(event.timezone)
    title = vocabulary.pick(event.title_ja, event.title_en, lang)
    summary = vocabulary.pick(event.summary_ja, event.summary_en, lang)
    details = f"{summary}\n\n{page_url}" if summary else page_url
    venue = venue_of(event, lang)

    def where(s: Session) -> str:
        if not vocabulary.serves_venue(s.format):
            return vocabulary.translate("online_only", lang)
        return ", ".join(p for p in (s.venue_name or venue["name"],
                                     s.venue_address or venue["address"]) if p)

    def name(s: Session) -> str:
        own = vocabulary.pick(s.title_ja, s.title_en, lang)
        return f"{title} — {own}" if own and own != title else title

    sessions: list[Session] = event.session_list
    links = [(vocabulary.span(s.starts_at, s.ends_at, tz, lang) if len(sessions) > 1 else None,
              google_calendar_link(title=name(s), start=s.starts_at, end=s.ends_at,
                                   details=details, location=where(s))) for s in sessions]
    return links


# ---- sharing: Open Graph and Twitter cards -------------------------------------------------

OG_LOCALE = {"ja": "ja_JP", "en": "en_US"}
SHARE_LENGTH = 200


def share_text(c: dict[str, Any], lang: str) -> str:
    """When, where, the state of registration, and the summary: what a shared link shows."""
    head = " · ".join(p for p in (c["starts"] or vocabulary.translate("tbd", lang), c["place"],
                                  c["words"]["state"]) if p)
    text = f"{head} — {c['summary']}" if c["summary"] else head
    text = " ".join(text.split())
    return text if len(text) <= SHARE_LENGTH else text[:SHARE_LENGTH - 1] + "…"


def open_graph(*, title: str, description: str, url: str, lang: str) -> dict[str, str]:
    return {"title": title, "description": description, "url": url,
            "locale": OG_LOCALE[lang], "alternate": OG_LOCALE["en" if lang == "ja" else "ja"],
            "type": "website"}


def json_ld(event: Event, base_url: str, lang: str) -> Markup | None:
    """schema.org Event data; the stream URL never appears, only the public page.

    None for an event without dates: an Event without startDate is an invalid item for
    search engines, and there is nothing true to say in its place yet."""
    if not event.starts_at or not event.ends_at or event.date_tbd:
        return None
    url = f"{base_url}/events/{event.slug}"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": vocabulary.pick(event.title_ja, event.title_en, lang),
        "description": vocabulary.pick(event.summary_ja, event.summary_en, lang),
        "url": url,
        "inLanguage": lang,
        "eventStatus": EVENT_STATUS[event.status],
        "eventAttendanceMode": ATTENDANCE_MODE.get(event.format or "in_person"),
    }
    tz = ZoneInfo(event.timezone)
    data["startDate"] = event.starts_at.astimezone(tz).isoformat()
    data["endDate"] = event.ends_at.astimezone(tz).isoformat()
    locations: list[dict[str, Any]] = []
    modes = catalogue.attendance_modes(event)
    if "venue" in modes and (event.venue_name or event.venue_address):
        locations.append({"@type": "Place", "name": event.venue_name,
                          "address": event.venue_address or event.venue_name})
    if "online" in modes:
        locations.append({"@type": "VirtualLocation", "url": url})
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
    organizers = [p.organization for p in event.partner_list if p.role == "organizer"]
    if organizers:
        data["organizer"] = [{"@type": "Organization",
                              "name": vocabulary.pick(o.name_ja, o.name_en, lang),
                              **({"url": o.url} if o.url else {})} for o in organizers]
    text = json.dumps(data, ensure_ascii=False, indent=1)
    # Inside <script>, "</" would end the element: escape it the JSON way.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


routes = [
    Route("/", index, methods=["GET"]),
    Route("/events/{slug}", event_page, methods=["GET"]),
]
