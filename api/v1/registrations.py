"""JSON endpoints for registrations, the attendee's self-service and organizer lists."""

from __future__ import annotations

import base64
import csv
import io
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api import limits, privacy
from api import representations as rep
from api.confirm import check_email
from api.docs import CURSOR, PAGE_LIMIT, TOKEN, file, ok, operation, problems, query
from api.requests import actor, json_body, now, settings
from events import challenge, idempotency, tickets
from events import registration as reg
from events.catalogue import get_event
from events.errors import FieldError, Invalid, NotFound
from events.inputs import AttendanceIn, RegistrationIn
from events.models import Event, Registration


def ticket_code(request: Request, r: Registration) -> str:
    return tickets.sign(request.app.state.ticket_key, r.event_id, r.id)


def answer(request: Request, r: Registration, position: int | None, status: int = 200,
           *, personal: bool = True) -> JSONResponse:
    body = rep.registration(r, settings(request).base_url, ticket_code(request, r), position,
                            personal=personal)
    return JSONResponse(body, status_code=status)


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "The client's id for this registration (1-200 printable ASCII): a retry "
                   "with the same key and body within 24 hours gets the first answer again "
                   "(`Idempotent-Replayed: true`), ticket token included, so make it random "
                   "(a UUID); the same key with another body is 422 "
                   "`idempotency_key_reused`.",
    "schema": {"type": "string", "maxLength": 200}}
REGISTER_NOTES = (
    "Each client address may register a limited number of times per event and period "
    "(KAIGI_RATE_REGISTRATIONS, default 20/hour): past it, 429 `rate_limited` with "
    "Retry-After. When the event's `challenge` is `on` (or `auto` and the client is past "
    "half its limit), `challenge` must carry a solved proof-of-work challenge from "
    "GET /api/v1/events/{slug}/challenge; without it, 422 naming the `challenge` field. "
    "Requests with an API key that manages the event count against neither.")


@operation("Register (public): confirmed, or waitlisted with a position",
           description=REGISTER_NOTES, body=RegistrationIn, parameters=[IDEMPOTENCY_KEY],
           responses={**ok("Registration", 201, "Registered"),
                      **ok("CheckEmail", 202, "The event confirms addresses first: the same "
                           "answer for a new or a registered address"),
                      **problems(404, 409, 422, 429)})
async def register(request: Request) -> JSONResponse:
    slug, data = request.path_params["slug"], await json_body(request)
    key = request.headers.get(idempotency.HEADER)
    if key is None:
        status, body = await _register(request, slug, data)
        return _registered(request, status, body)
    scope = f"registrations:{slug}"
    replay = await idempotency.begin(scope, key, data, now())
    if replay is not None:
        return _registered(request, replay.status, replay.body, replayed=True)
    try:
        status, body = await _register(request, slug, data)
    except Exception:
        await idempotency.abandon(scope, key)
        raise
    await idempotency.finish(scope, key, status, body)
    return _registered(request, status, body)


async def _register(request: Request, slug: str, data: Any) -> tuple[int, dict[str, Any]]:
    events = request.app.state.recent_events
    event = await events.get(slug)
    if not await _manager(request, event):
        await limits.take_registration(
            request, event, data.get("challenge") if isinstance(data, dict) else None)
    result = await reg.register(slug, data, now=now(), events=events,
                                hold=settings(request).confirm_hold)
    if result.check_email:  # no token, nothing that tells a registered address apart
        return 202, check_email(settings(request).confirm_hold)
    return 201, rep.registration(result.registration, settings(request).base_url,
                                 ticket_code(request, result.registration), result.position,
                                 personal=False)


async def _manager(request: Request, event: Event) -> bool:
    """A key that manages the event (an organizer's import script) is not rate limited."""
    if "authorization" not in request.headers:
        return False
    return (await actor(request)).can_manage(event)


def _registered(request: Request, status: int, body: dict[str, Any], *,
                replayed: bool = False) -> JSONResponse:
    response = JSONResponse(body, status_code=status)
    if "id" in body:  # not for 202 check_email
        response.headers["Location"] = f"{settings(request).base_url}/api/v1/registrations/" \
                                       f"{body['id']}"
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@operation("A proof-of-work challenge for registering (ALTCHA scheme)",
           description="Find the number n from 0 to `maxnumber` with "
                       "hex(SHA-256(salt + n)) = `challenge`, then send "
                       "base64(JSON {algorithm, challenge, number: n, salt, signature}) as "
                       "the registration's `challenge`. Valid for an hour, once. `required` "
                       "says whether this client's next registration needs it.",
           responses={**ok("Challenge"), **problems(404)})
async def get_challenge(request: Request) -> JSONResponse:
    event = await request.app.state.recent_events.get(request.path_params["slug"])
    config, moment = settings(request), now()
    body = challenge.issue(config.secret_key, event.slug, moment, config.challenge_maxnumber)
    body["required"] = await limits.registration_needs_challenge(request, event, moment)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _id(request: Request) -> int:
    try:
        return int(request.path_params["id"])
    except ValueError:
        raise NotFound("No such registration.") from None


async def _mine(request: Request) -> Registration:
    token = request.query_params.get("token", "")
    if not token:
        raise Invalid([FieldError.of("token", "token_required")])
    return await reg.by_token(_id(request), token)


@operation("The attendee's registration (proven by its token)", parameters=[TOKEN],
           responses={**ok("Registration"), **problems(404, 422)})
async def get_registration(request: Request) -> JSONResponse:
    r = await _mine(request)
    return answer(request, r, await reg.waitlist_position(r))


@operation("Cancel (idempotent); the waiting list is promoted", parameters=[TOKEN],
           responses={**ok("Registration"), **problems(404, 422)})
async def cancel_registration(request: Request) -> JSONResponse:
    r = await reg.cancel(await _mine(request), now=now())
    return answer(request, r, None)


@operation("Switch attendance mode; queued when that mode is full", parameters=[TOKEN],
           body=AttendanceIn, responses={**ok("Registration"), **problems(404, 409, 422)})
async def change_attendance(request: Request) -> JSONResponse:
    r = await _mine(request)
    result = await reg.switch_attendance(r, await json_body(request), now=now())
    return answer(request, result.registration, result.position)


async def _managed_event(request: Request) -> Event:
    who = await actor(request)
    who.require_key()
    event = await get_event(request.path_params["slug"], include_drafts=True)
    who.require_manage(event)
    return event


@operation("The event's registrations (admin or the event's organizer)", secured=True,
           parameters=[query("status", "confirmed, waitlisted or cancelled"),
                       query("attendance", "venue or online"),
                       query("q", "name, kana, email or affiliation"), PAGE_LIMIT, CURSOR],
           responses={**ok("RegistrationPage"), **problems(404, 422)})
async def list_registrations(request: Request) -> JSONResponse:
    event = await _managed_event(request)
    items, cursor = await reg.list_registrations(event, request.query_params)
    places = await reg.positions(items)
    base = settings(request).base_url
    for r in items:
        r.event = event
    return JSONResponse({
        "items": [rep.registration(r, base, ticket_code(request, r), places.get(r.id),
                                   personal=True) for r in items],
        "next_cursor": cursor,
    })


CSV_COLUMNS = ["id", "status", "attendance", "waitlist_position", "name", "name_kana", "email",
               "affiliation", "membership", "locale", "checked_in_at", "created_at",
               "cancelled_at", "ticket_code", "consent_version", "consent_at"]


def csv_cell(value: object) -> str:
    """Cells a spreadsheet would run as a formula are prefixed with a quote."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@file("Registrations as CSV (UTF-8 with BOM, formula-safe cells)", "text/csv",
      security=[{"bearer": []}], errors=problems(401, 403, 404))
async def registrations_csv(request: Request) -> Response:
    return await csv_export(request, await _managed_event(request))


async def csv_export(request: Request, event: Event) -> Response:
    """Every registration of the event as a CSV download (the API's and the console's)."""
    rows = await reg.all_registrations(event)
    places = await reg.positions(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([csv_cell(v) for v in (
            r.id, r.status, r.attendance, places.get(r.id), r.name, r.name_kana, r.email,
            r.affiliation, r.membership, r.locale, rep.iso(r.checked_in_at),
            rep.iso(r.created_at), rep.iso(r.cancelled_at), ticket_code(request, r),
            r.consent_version, rep.iso(r.consent_at))])
    # A BOM so Excel opens Japanese text as UTF-8.
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{event.slug}-registrations.csv"',
        "Cache-Control": "private, no-store",
    })


@operation("The Ed25519 public key that verifies ticket codes offline",
           responses=ok("PublicKey"))
async def public_key(request: Request) -> JSONResponse:
    raw = tickets.public_key_bytes(request.app.state.ticket_key)
    return JSONResponse({
        "algorithm": "Ed25519",
        "key_id": tickets.key_id(raw),
        "public_key": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "format": "raw 32 bytes, base64url without padding",
        "code_format": "K + base64url(version=1 | varint event_id | varint registration_id "
                       "| 64-byte signature)",
    }, headers={"Cache-Control": "public, max-age=3600"})


routes = [
    Route("/events/{slug}/registrations", register, methods=["POST"]),
    Route("/events/{slug}/challenge", get_challenge, methods=["GET"]),
    Route("/events/{slug}/registrations", list_registrations, methods=["GET"]),
    Route("/events/{slug}/registrations.csv", registrations_csv, methods=["GET"]),
    Route("/registrations/{id}", get_registration, methods=["GET"]),
    Route("/registrations/{id}/cancel", cancel_registration, methods=["POST"]),
    Route("/registrations/{id}/attendance", change_attendance, methods=["POST"]),
    *privacy.api_routes,
    Route("/tickets/public-key", public_key, methods=["GET"]),
]
