"""The audit log: who did what, when and from which client. Entries are only ever added."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from events.access import Actor
from events.models import AuditEntry, Event
from events.validation import Checker

# Actions, as stored; the console shows them through the vocabulary ("audit_<action>").
ACTIONS: tuple[str, ...] = (
    "login", "login_failed", "logout", "password_changed", "password_reset_requested",
    "password_reset", "totp_enabled", "totp_disabled", "user_invited", "user_created",
    "user_disabled", "event_created", "event_changed", "registration_cancelled",
    "registration_moved", "registration_confirmed", "confirmation_resent", "broadcast_sent",
    "message_retried", "key_created", "key_revoked", "relation_accepted",
    "relation_declined", "organization_created", "organization_changed", "series_created",
    "series_changed", "registrations_exported", "admin_totp_required",
    "admin_totp_optional",
    # Personal data (events.privacy): retention, the attendee's copy and erasure.
    "registrations_purged", "registration_data_exported", "registration_erased",
)


async def record(action: str, *, actor: Actor, now: datetime, client: str = "",
                 event: Event | None = None, organization_id: int | None = None,
                 target: str = "", details: Mapping[str, Any] | None = None,
                 conn: BaseDBAsyncClient | None = None) -> AuditEntry:
    """Add an entry; pass `conn` to make it part of the change it records."""
    return await AuditEntry.create(
        at=now, user_id=actor.user_id, api_key_id=actor.key_id, actor=actor.label[:300],
        client=client[:100], action=action, event=event,
        organization_id=organization_id if organization_id is not None else (
            event.owner_id if event is not None else actor.organization_id),
        target=target[:300], details=dict(details or {}), using_db=conn)


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [old, new]}, JSON-ready."""
    out = {}
    for name, new in after.items():
        old = before.get(name)
        if old != new:
            out[name] = [_plain(old), _plain(new)]
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@dataclass
class Page:
    items: list[AuditEntry]
    next_cursor: str | None


async def entries(actor: Actor, params: Mapping[str, str], *, default_limit: int = 50
                  ) -> Page:
    """Newest first. Admins see everything; an organizer what concerns their organization."""
    check = Checker()
    query = AuditEntry.all()
    if not actor.is_admin:
        query = query.filter(Q(organization_id=actor.organization_id) | Q(
            event__owner_id=actor.organization_id) | Q(user_id=actor.user_id))
    if action := check.text(params, "action", max_length=64):
        query = query.filter(action=action)
    if slug := check.text(params, "event", max_length=100):
        query = query.filter(event__slug=slug)
    limit = check.limit(params, default=default_limit, maximum=500)
    if (cursor := check.id_cursor(params)) is not None:
        query = query.filter(id__lt=cursor)
    check.done()
    rows = await query.order_by("-id").limit(limit + 1).prefetch_related("event")
    items = rows[:limit]
    return Page(items, str(items[-1].id) if len(rows) > limit else None)
