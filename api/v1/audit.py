"""The audit log as JSON, for admins."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.docs import CURSOR, PAGE_LIMIT, ok, operation, problems, query
from api.representations import iso
from api.requests import actor
from events import audit
from events.models import AuditEntry, Organization

PRIVATE = {"Cache-Control": "private, no-store"}


def entry(e: AuditEntry, organizations: dict[int, str]) -> dict[str, Any]:
    return {
        "id": e.id, "at": iso(e.at), "actor": e.actor, "user_id": e.user_id,
        "api_key_id": e.api_key_id, "client": e.client, "action": e.action,
        "event": e.event.slug if e.event else None,
        "organization": organizations.get(e.organization_id or 0),
        "target": e.target, "details": e.details,
    }


@operation("The audit log, newest first (admin)", secured=True, parameters=[
    query("action", "only this action, e.g. event_changed"),
    query("event", "only this event (slug)"), PAGE_LIMIT, CURSOR],
    responses={**ok("AuditPage"), **problems(422)})
async def list_entries(request: Request) -> JSONResponse:
    (who := await actor(request)).require_admin()
    found = await audit.entries(who, request.query_params)
    ids = {e.organization_id for e in found.items if e.organization_id is not None}
    organizations = dict(await Organization.filter(id__in=ids).values_list("id", "slug"))
    return JSONResponse({"items": [entry(e, organizations) for e in found.items],
                         "next_cursor": found.next_cursor}, headers=PRIVATE)


routes = [Route("/audit", list_entries, methods=["GET"])]
