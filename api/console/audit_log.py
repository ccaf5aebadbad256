"""The audit log in the console: who did what, when and from where, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.responses import Response
from starlette.routing import Route

from api.console.common import Console, page
from api.docs import console_page, query
from events import audit
from events.errors import Invalid
from events.models import AuditEntry, Event

FILTERS = ("action", "event", "cursor")
PAGE_SIZE = 50
MAX_EVENT_CHOICES = 300


@dataclass
class Change:
    field: str
    old: Any
    new: Any
    # False: a fact recorded with the action (a reason, a count), not an edit.
    is_edit: bool


@dataclass
class Row:
    entry: AuditEntry
    when: str
    changes: list[Change]


def changes_of(details: dict[str, Any]) -> list[Change]:
    """`audit.changes` stores an edit as {field: [old, new]}; other details are facts."""
    out = []
    for name, value in details.items():
        if isinstance(value, list) and len(value) == 2:
            out.append(Change(name, value[0], value[1], True))
        else:
            out.append(Change(name, None, value, False))
    return out


async def event_choices(c: Console) -> list[dict[str, Any]]:
    """The events the filter offers: every one for admins, the organization's own else."""
    query = Event.all()
    if not c.actor.is_admin:
        query = query.filter(owner_id=c.actor.organization_id or 0)
    return await query.order_by("-sort_at", "-id").limit(MAX_EVENT_CHOICES).values(
        "slug", "title_ja", "title_en")


@console_page("The audit log: admins see every entry, organizers their organization's and "
              "their events'",
              query("action", "only this action"), query("event", "only this event (slug)"),
              query("cursor", "next page: the cursor of the previous one"))
@page
async def audit_page(c: Console) -> Response:
    params = {k: v for k in FILTERS if (v := c.request.query_params.get(k, "").strip())}
    errors: dict[str, str] = {}
    try:
        found = await audit.entries(c.actor, params, default_limit=PAGE_SIZE)
    except Invalid as exc:
        errors = {f"audit_{e.field}": e.text(c.lang) for e in exc.errors}
        found = audit.Page([], None)
    tz = ZoneInfo(c.request.app.state.settings.default_timezone)
    rows = [Row(e, e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), changes_of(e.details))
            for e in found.items]
    kept = {k: v for k, v in params.items() if k != "cursor"} | {"lang": c.lang}
    return c.render(
        "console/audit.html", status=422 if errors else 200, rows=rows, errors=errors,
        actions=audit.ACTIONS, events=await event_choices(c), params=params, timezone=str(tz),
        next_url=(f"/console/audit?{urlencode(kept | {'cursor': found.next_cursor})}"
                  if found.next_cursor else None),
        first_url=f"/console/audit?{urlencode(kept)}" if "cursor" in params else None)


routes = [Route("/console/audit", audit_page, methods=["GET"])]
