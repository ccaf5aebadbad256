"""JSON endpoints for events, organizations and series."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api import representations as rep
from api.docs import items, ok, operation, problems, query
from api.requests import actor, json_body, now, settings
from events import catalogue
from events.errors import NotFound
from events.inputs import EventIn, EventPatch, OrganizationIn, SeriesIn
from events.models import Event

# An event's ETag is its version, raised by every change of its fields (not by seats
# taken or freed): what If-Match compares to refuse a change made on a stale copy.
ETAG = {"ETag": {"description": "The event's version, for If-Match", "schema": {
    "type": "string", "example": '"3"'}}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": "The ETag of the copy the change was made on: 412 when the event "
                           "changed since. Without it the change applies to the current event "
                           "(only the fields sent are written)."}
STRONG_TAG = re.compile(r'^"(\d{1,9})"$')


def etag(event: Event) -> str:
    return f'"{event.version}"'


def with_etag(responses: dict[str, Any]) -> dict[str, Any]:
    """Declare the ETag header on an operation's success answer."""
    return {status: {**answer, "headers": ETAG} if status in ("200", "201") else answer
            for status, answer in responses.items()}


def if_match(request: Request) -> frozenset[int] | None:
    """The versions If-Match names; None without the header or for `*`. Weak and malformed
    tags never match (strong comparison), so they leave an empty set: 412."""
    raw = request.headers.get("if-match")
    if raw is None:
        return None
    tags = [t.strip() for t in raw.split(",")]
    if "*" in tags:
        return None
    return frozenset(int(m.group(1)) for t in tags if (m := STRONG_TAG.match(t)))


@operation("Public events, soonest first, undated last", parameters=[
    query("from", "events ending on or after this date", type="string", format="date"),
    query("to", "events starting on or before this date", type="string", format="date"),
    query("q", "text in either language"),
    query("org", "organization slug (any role)"),
    query("role", "partner role(s), comma-separated"),
    query("series", "series slug"),
    query("format", "in_person, hybrid or online (event or any session)"),
    query("status", "status(es), comma-separated"),
    query("limit", "page size, 1-100 (default 20)", type="integer", minimum=1, maximum=100),
    query("cursor", "next_cursor from the previous page"),
], responses={**ok("EventPage"), **problems(422)})
async def list_events(request: Request) -> JSONResponse:
    page = await catalogue.list_events(request.query_params)
    base = settings(request).base_url
    return JSONResponse({
        "items": [rep.event(e, base) for e in page.items],
        "next_cursor": page.next_cursor,
    })


@operation("One event with sessions and partners",
           responses=with_etag({**ok("Event"), **problems(401, 404)}))
async def get_event(request: Request) -> JSONResponse:
    who = await actor(request)
    event = await catalogue.get_event(request.path_params["slug"], include_drafts=True)
    private = who.can_manage(event)
    if not private and not catalogue.is_public(event):
        raise NotFound(f"No event {event.slug!r}.")
    return JSONResponse(rep.event(event, settings(request).base_url, private=private),
                        headers={"ETag": etag(event)})


@operation("Create an event (admin, or organizer of the first organizer partner)",
           body=EventIn, secured=True,
           responses=with_etag({**ok("Event", 201, "Created"), **problems(409, 422)}))
async def create_event(request: Request) -> JSONResponse:
    who = await actor(request)
    who.require_key()
    if who.role not in ("admin", "organizer"):
        who.require_admin()
    event = await catalogue.create_event(
        await json_body(request), actor=who,
        default_timezone=settings(request).default_timezone, now=now())
    base = settings(request).base_url
    return JSONResponse(rep.event(event, base, private=True), status_code=201,
                        headers={"Location": f"{base}/api/v1/events/{event.slug}",
                                 "ETag": etag(event)})


@operation("Change an event; `sessions` and `partners` replace the lists",
           description="Only the fields sent are written, on the event as it is when the "
                       "change is saved: two clients changing different fields both keep "
                       "theirs. Send If-Match with the ETag of the copy you changed to be "
                       "refused (412) when someone changed the event meanwhile. A change "
                       "that cannot get the event within a few seconds (a long change holds "
                       "it) is refused with 503 `busy` and Retry-After; nothing is changed.",
           body=EventPatch, secured=True, parameters=[IF_MATCH],
           responses=with_etag({**ok("Event"), **problems(404, 409, 412, 422, 503)}))
async def update_event(request: Request) -> JSONResponse:
    who = await actor(request)
    who.require_key()
    event = await catalogue.update_event(request.path_params["slug"], await json_body(request),
                                         actor=who, now=now(), if_match=if_match(request))
    request.app.state.recent_events.forget(request.path_params["slug"])
    return JSONResponse(rep.event(event, settings(request).base_url, private=True),
                        headers={"ETag": etag(event)})


@operation("All organizations", responses=items("Organization"))
async def list_organizations(request: Request) -> JSONResponse:
    base = settings(request).base_url
    return JSONResponse({"items": [rep.organization(o, base)
                                   for o in await catalogue.list_organizations()]})


@operation("One organization", responses={**ok("Organization"), **problems(404)})
async def get_organization(request: Request) -> JSONResponse:
    org = await catalogue.get_organization(request.path_params["slug"])
    return JSONResponse(rep.organization(org, settings(request).base_url))


@operation("Create an organization (admin)", body=OrganizationIn, secured=True,
           responses={**ok("Organization", 201, "Created"), **problems(409, 422)})
async def create_organization(request: Request) -> JSONResponse:
    (await actor(request)).require_admin()
    org = await catalogue.create_organization(await json_body(request))
    base = settings(request).base_url
    return JSONResponse(rep.organization(org, base), status_code=201,
                        headers={"Location": f"{base}/api/v1/organizations/{org.slug}"})


@operation("All series", responses=items("Series"))
async def list_series(request: Request) -> JSONResponse:
    return JSONResponse({"items": [rep.series(s) for s in await catalogue.list_series()]})


@operation("One series", responses={**ok("Series"), **problems(404)})
async def get_series(request: Request) -> JSONResponse:
    return JSONResponse(rep.series(await catalogue.get_series(request.path_params["slug"])))


@operation("Create a series (admin)", body=SeriesIn, secured=True,
           responses={**ok("Series", 201, "Created"), **problems(409, 422)})
async def create_series(request: Request) -> JSONResponse:
    (await actor(request)).require_admin()
    series = await catalogue.create_series(await json_body(request))
    return JSONResponse(rep.series(series), status_code=201)


routes = [
    Route("/events", list_events, methods=["GET"]),
    Route("/events", create_event, methods=["POST"]),
    Route("/events/{slug}", get_event, methods=["GET"]),
    Route("/events/{slug}", update_event, methods=["PATCH"]),
    Route("/organizations", list_organizations, methods=["GET"]),
    Route("/organizations", create_organization, methods=["POST"]),
    Route("/organizations/{slug}", get_organization, methods=["GET"]),
    Route("/series", list_series, methods=["GET"]),
    Route("/series", create_series, methods=["POST"]),
    Route("/series/{slug}", get_series, methods=["GET"]),
]
