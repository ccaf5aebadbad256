"""JSON endpoints for an event's mail: the outbox as organizers see it, and broadcasts."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.docs import CURSOR, PAGE_LIMIT, ok, operation, problems, query
from api.representations import iso
from api.requests import actor, json_body, now, settings
from events import broadcast, outbox
from events.catalogue import get_event
from events.errors import NotFound
from events.inputs import BroadcastIn
from events.models import Event, Notification

PRIVATE = {"Cache-Control": "private, no-store"}


async def _managed(request: Request) -> tuple[Event, Any]:
    who = await actor(request)
    who.require_key()
    event = await get_event(request.path_params["slug"], include_drafts=True)
    who.require_manage(event)
    return event, who


def message(m: Notification) -> dict[str, Any]:
    r = m.registration
    if r is None:
        # Mail to a console user (an invitation, a password reset) belongs to no event:
        # an event's messages (outbox.list_messages, outbox.retry) never include it.
        raise LookupError(f"message #{m.id} is not about a registration")
    return {
        "id": m.id, "purpose": m.purpose, "revision": m.revision, "status": m.status,
        "registration": {"id": r.id, "name": r.name, "email": r.email, "locale": r.locale},
        "attempts": m.attempts, "last_error": outbox.shown_error(m.last_error) or None,
        "next_attempt_at": iso(m.next_attempt_at) if m.status == "pending" else None,
        "message_id": m.message_id, "broadcast": m.broadcast_id,
        "created_at": iso(m.created_at), "sent_at": iso(m.sent_at),
    }


@operation("The event's mail, newest first (admin or the event's organizer)",
           secured=True, parameters=[
               query("status", "pending, sending, sent, failed or skipped"),
               query("purpose", "confirmed, waitlisted, promoted, attendance_changed, "
                                "cancelled, event_changed, event_cancelled, reminder, "
                                "broadcast"),
               PAGE_LIMIT, CURSOR],
           responses={**ok("MessagePage"), **problems(404, 422)})
async def list_messages(request: Request) -> JSONResponse:
    event, _ = await _managed(request)
    items, cursor, counts = await outbox.list_messages(event, request.query_params)
    return JSONResponse({"items": [message(m) for m in items], "next_cursor": cursor,
                         "counts": counts}, headers=PRIVATE)


@operation("Send a failed or skipped message again, now", secured=True,
           responses={**ok("Message"), **problems(404, 409)})
async def retry_message(request: Request) -> JSONResponse:
    event, _ = await _managed(request)
    try:
        message_id = int(request.path_params["id"])
        if not 1 <= message_id <= 2**31 - 1:
            raise ValueError
    except ValueError:
        raise NotFound("No such message for this event.") from None
    return JSONResponse(message(await outbox.retry(event, message_id, now())),
                        headers=PRIVATE)


@operation("Mail the audience; with dry_run, only count and preview",
           description="Each recipient reads the message in their language (a plain "
                       "string is used for both). Sent messages carry List-Unsubscribe.",
           body=BroadcastIn, secured=True,
           responses={**ok("Broadcast", description="Dry run: count and preview"),
                      **ok("Broadcast", 201, "Queued for every recipient"),
                      **problems(404, 422)})
async def create_broadcast(request: Request) -> JSONResponse:
    event, who = await _managed(request)
    draft = broadcast.parse(await json_body(request))
    moment = now()
    answer = await broadcast.preview(event, draft, settings(request), moment)
    if draft.dry_run:
        return JSONResponse(answer, headers=PRIVATE)
    sent = await broadcast.send(event, draft, who, moment)
    answer.update({"id": sent.id, "count": sent.recipients, "created_at": iso(sent.created_at)})
    return JSONResponse(answer, status_code=201, headers=PRIVATE)


routes = [
    Route("/events/{slug}/messages", list_messages, methods=["GET"]),
    Route("/events/{slug}/messages/{id}/retry", retry_message, methods=["POST"]),
    Route("/events/{slug}/broadcasts", create_broadcast, methods=["POST"]),
]
