"""JSON endpoints for the venue door: scan, search, stats, and the scanner's offline kit."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api import limits
from api.docs import ok, operation, problems, query
from api.errors import PROBLEM_FIELDS, TITLES, ProblemResponse
from api.requests import actor, json_body, now, settings
from events import checkin, tickets
from events.errors import Forbidden
from events.inputs import ScanIn

PRIVATE = {"Cache-Control": "private, no-store"}


async def _door(request: Request) -> tuple[checkin.Door, int | None]:
    """The event and the key's id, once the key is allowed at this event's door."""
    who = await actor(request)
    who.require_key()
    door = await _doors(request).get(request.path_params["slug"])
    checkin.require_staff(who, door.event)
    return door, who.key_id


def _doors(request: Request) -> checkin.RecentDoors:
    """One cache per app, made on first use."""
    doors = getattr(request.app.state, "recent_doors", None)
    if doors is None:
        doors = request.app.state.recent_doors = checkin.RecentDoors()
    return doors


def _public(request: Request) -> bytes:
    return tickets.public_key_bytes(request.app.state.ticket_key)


def _verifier(request: Request) -> Ed25519PublicKey:
    key: Ed25519PrivateKey = request.app.state.ticket_key
    return key.public_key()


def scan_response(outcome: checkin.Outcome) -> Response:
    """A check-in is JSON; a refusal is problem+json with the same members and a code."""
    headers = dict(PRIVATE)
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    answer = outcome.answer
    if outcome.status < 400:
        return JSONResponse(answer, status_code=outcome.status, headers=headers)
    body: dict[str, Any] = {
        "type": f"urn:kaigi:problem:{outcome.result}",
        "title": TITLES.get(outcome.status, "Error"),
        "status": outcome.status,
        "detail": answer["detail"],
        "code": outcome.result,
        **{k: v for k, v in answer.items() if k not in PROBLEM_FIELDS},
    }
    return ProblemResponse(body, status_code=outcome.status, headers=headers)


@operation(
    "Check in at the door (checkin key of the event, its organizer, admin)",
    description="Every scan is kept. 200 `checked_in`; 409 `already_checked_in` (with the "
                "first entry), `duplicate`, `cancelled`, `waitlisted`, `online_only`, "
                "`wrong_day`; 422 `wrong_event`, `invalid`. One entry per registration and "
                "session day. The same `nonce` again returns the original answer with "
                "`Idempotent-Replayed: true`.",
    body=ScanIn, secured=True,
    responses={**ok("Checkin", description="Checked in"), **problems(404, 409, 422)})
async def create_checkin(request: Request) -> Response:
    door, key_id = await _door(request)
    data = await json_body(request)
    moment = now()
    fields = checkin.parse_scan(data, door, moment)
    outcome = await checkin.check_in(door, **fields, public_key=_verifier(request),
                                     key_id=key_id, now=moment)
    return scan_response(outcome)


@operation("Find an attendee for a manual check-in", secured=True,
           parameters=[query("q", "name, kana, email, ticket number or ticket code")],
           description="Each key may search a limited number of times per period "
                       "(KAIGI_RATE_LOOKUPS, default 60/minute): past it, 429 "
                       "`rate_limited` with Retry-After.",
           responses={**ok("CheckinSearch"), **problems(404, 422, 429)})
async def search(request: Request) -> JSONResponse:
    door, key_id = await _door(request)
    await limits.take_lookup(request, key_id)
    items = await checkin.search(door, request.query_params.get("q", ""),
                                 _verifier(request))
    return JSONResponse({"items": items}, headers=PRIVATE)


@operation("Registered and checked in, per attendance mode and session day",
           secured=True, responses={**ok("CheckinStats"), **problems(404)})
async def stats(request: Request) -> JSONResponse:
    door, _ = await _door(request)
    return JSONResponse(await checkin.stats(door), headers=PRIVATE)


@operation("What an offline scanner needs: key, days, revoked tickets, names",
           secured=True, responses={**ok("OfflineKit"), **problems(404)})
async def offline_kit(request: Request) -> JSONResponse:
    door, _ = await _door(request)
    return JSONResponse(await checkin.offline_kit(door, _public(request), now()),
                        headers=PRIVATE)


@operation("A QR code that opens the scanner page unlocked with this key", secured=True,
           responses={"200": {"description": "PNG of /checkin/{slug}#key=…",
                              "content": {"image/png": {"schema": {"type": "string"}}}},
                      **problems(404)})
async def setup_qr(request: Request) -> Response:
    """A QR code that opens the scanner page unlocked with the key that asked for it.

    The key rides in the URL's fragment, which browsers never send to a server.
    """
    who = await actor(request)
    who.require_key()
    door = await _doors(request).get(request.path_params["slug"])
    checkin.require_staff(who, door.event)
    if who.role != "checkin":
        # The QR hands its key to a volunteer's phone: never an organizer's or admin's.
        raise Forbidden("Only a checkin key can be shared as a setup QR code: create one "
                        "for the door (kaigi keys create --role checkin --event SLUG).")
    raw = request.headers["authorization"].partition(" ")[2].strip()
    url = f"{settings(request).base_url}/checkin/{door.event.slug}#key={raw}"
    # Drawn without the image cache: a key should not linger in a process's memory.
    return Response(tickets.qr_png.__wrapped__(url), media_type="image/png", headers=PRIVATE)


routes = [
    Route("/events/{slug}/checkins", create_checkin, methods=["POST"]),
    Route("/events/{slug}/checkins/search", search, methods=["GET"]),
    Route("/events/{slug}/checkins/stats", stats, methods=["GET"]),
    Route("/events/{slug}/checkins/offline-kit", offline_kit, methods=["GET"]),
    Route("/events/{slug}/checkins/setup-qr.png", setup_qr, methods=["GET"]),
]
