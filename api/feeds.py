"""Calendar feeds over HTTP: text/calendar with ETag, Last-Modified and 304.

Calendar clients poll every feed they subscribe to, often every few minutes: most
requests should end in a 304 or in bytes the cache already holds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.docs import calendar_feed, query
from api.errors import status_for
from api.requests import now, settings
from events import feeds, vocabulary
from events.errors import DomainError, Invalid

MEDIA_TYPE = "text/calendar"  # Starlette adds "; charset=utf-8"
PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, max-age=300"


def feed_cache(request: Request) -> feeds.FeedCache:
    """One cache per app: tests build many apps over different databases."""
    cache = getattr(request.app.state, "feed_cache", None)
    if cache is None:
        cache = request.app.state.feed_cache = feeds.FeedCache()
    return cache


def calendar_response(request: Request, body: bytes, digest: str, last_modified: datetime,
                      *, cache_control: str = PUBLIC_CACHE) -> Response:
    """200 with the calendar, or 304 when the client's copy is current. HEAD included."""
    headers = {
        "ETag": f'"{digest[:40]}"',
        "Last-Modified": format_datetime(last_modified.astimezone(UTC), usegmt=True),
        "Cache-Control": cache_control,
    }
    if not_modified(request, headers["ETag"], last_modified):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


def not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if (match := request.headers.get("if-none-match")) is not None:
        tags = [t.strip() for t in match.split(",")]
        return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
    if since_header := request.headers.get("if-modified-since"):
        try:
            since = parsedate_to_datetime(since_header)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified.replace(microsecond=0) <= since
    return False


async def serve(request: Request, kind: feeds.FeedKind) -> Response:
    config = settings(request)
    try:
        query = feeds.parse_query(kind, request.path_params.get("slug", ""),
                                  request.query_params, default_language=config.default_language)
        feed = await feeds.render_feed(
            query, cache=feed_cache(request), base_url=config.base_url,
            site_name=vocabulary.translate("site_name", query.lang),
            timezone=config.default_timezone, now=now())
    except DomainError as exc:
        # A calendar client shows the body as it is: a line of text, not problem+json.
        raise HTTPException(status_for(exc), plain_message(exc)) from None
    return calendar_response(request, feed.body, feed.digest, feed.last_modified)


def plain_message(exc: DomainError) -> str:
    if isinstance(exc, Invalid):
        return "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    return exc.message


@calendar_feed("Calendar feed of all public events")
async def all_events(request: Request) -> Response:
    return await serve(request, "events")


@calendar_feed("Calendar feed of the events in which an organization has a role",
               query("role", "only these roles, e.g. co_host,supporter"))
async def organization_events(request: Request) -> Response:
    return await serve(request, "org")


@calendar_feed("Calendar feed of one series")
async def series_events(request: Request) -> Response:
    return await serve(request, "series")


@calendar_feed("One event's calendar (the page's add to calendar)")
async def one_event(request: Request) -> Response:
    return await serve(request, "event")


# Before the pages: "/events/{slug}" would take "x.ics" as a slug.
routes = [
    Route("/feeds/events.ics", all_events, methods=["GET"]),
    Route("/feeds/orgs/{slug}.ics", organization_events, methods=["GET"]),
    Route("/feeds/series/{slug}.ics", series_events, methods=["GET"]),
    Route("/events/{slug}.ics", one_event, methods=["GET"]),
]
