"""Public HTML pages: the event list and one event, in Japanese or English."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from api import i18n
from api.docs import html_page
from api.requests import now, settings
from events import catalogue, resources, vocabulary
from events.config import Settings
from events.models import Event

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


def card(event: Event, lang: str) -> dict[str, Any]:
    """What a list shows of one event."""
    tz = ZoneInfo(event.timezone)
    when = None
    if event.starts_at and event.ends_at and not event.date_tbd:
        when = vocabulary.date_range(event.starts_at, event.ends_at, tz, lang)
    return {
        "event": event,
        "title": vocabulary.pick(event.title_ja, event.title_en, lang),
        "summary": vocabulary.pick(event.summary_ja, event.summary_en, lang),
        "when": when,
        "formats": sorted({s.format for s in event.session_list}),
    }


@html_page("Upcoming events by month, undated events, past events")
async def index(request: Request) -> Response:
    lang = page_language(request)
    view = await catalogue.overview(now())

    def month_of(event: Event) -> str:
        assert event.starts_at
        return vocabulary.month(event.starts_at, ZoneInfo(event.timezone), lang)

    months = [(label, [card(e, lang) for e in group])
              for label, group in groupby(view.upcoming, key=month_of)]
    return render(request, "index.html", lang, months=months,
                  undated=[card(e, lang) for e in view.undated],
                  past=[card(e, lang) for e in view.past])


@html_page("One event: sessions, partners, schema.org JSON-LD", errors=(404,))
async def event_page(request: Request) -> Response:
    lang = page_language(request)
    event = await catalogue.get_event(request.path_params["slug"])
    tz = ZoneInfo(event.timezone)
    sessions = [{
        "session": s,
        "title": vocabulary.pick(s.title_ja, s.title_en, lang)
        or vocabulary.pick(event.title_ja, event.title_en, lang),
        "when": vocabulary.span(s.starts_at, s.ends_at, tz, lang),
        "venue": s.venue_name or (event.venue_name if vocabulary.serves_venue(s.format) else ""),
        "address": s.venue_address or (
            event.venue_address if vocabulary.serves_venue(s.format) else ""),
    } for s in event.session_list]
    partners = []
    for role in vocabulary.PARTNER_ROLES:
        orgs = [p.organization for p in event.partner_list if p.role == role]
        if orgs:
            partners.append((role, orgs))
    return render(request, "event.html", lang, c=card(event, lang), event=event,
                  sessions=sessions, partners=partners,
                  description=vocabulary.pick(event.description_ja, event.description_en, lang),
                  json_ld=json_ld(event, settings(request).base_url, lang),
                  registration_open=registration_open(event))


def registration_open(event: Event) -> bool:
    from events.errors import Refused
    from events.registration import check_open

    try:
        check_open(event, now())
    except Refused:
        return False
    return True


def json_ld(event: Event, base_url: str, lang: str) -> Markup:
    """schema.org Event data; the stream URL never appears, only the public page."""
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
    if event.starts_at and event.ends_at and not event.date_tbd:
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
