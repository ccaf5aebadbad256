"""Who may do what: API keys and the rights their roles carry."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from events.errors import FieldError, Forbidden, Invalid, NotFound, Unauthenticated
from events.models import KEY_ROLES, ApiKey, Event, Organization

KEY_PREFIX = "kaigi_"


@dataclass(frozen=True)
class Actor:
    """Who is asking: the holder of an API key, a console user, or nobody (anonymous)."""

    role: str | None = None
    organization_id: int | None = None
    event_id: int | None = None
    key_id: int | None = None
    user_id: int | None = None
    # Shown in the audit log: a user's email, a key's name.
    label: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_manage(self, event: Event) -> bool:
        """Admins, and organizers of the organization that owns the event."""
        if self.is_admin:
            return True
        return self.role == "organizer" and self.organization_id is not None and (
            self.organization_id == event.owner_id
        )

    def is_co_host(self, event: Event) -> bool:
        """An organizer whose organization co-hosts the event (an accepted relation).

        Needs the event's partners loaded (`catalogue.load_details`)."""
        return self.role == "organizer" and self.organization_id is not None and any(
            p.organization_id == self.organization_id and p.role == "co_host"
            and p.status == "accepted" for p in event.partner_list)

    def can_view(self, event: Event) -> bool:
        """The event, its counts and check-in figures: managers and co-hosts."""
        return self.can_manage(event) or self.is_co_host(event)

    def can_see_registrants(self, event: Event) -> bool:
        """Co-hosts see who registered only when the owner shares them (joint use)."""
        return self.can_manage(event) or (event.share_registrants and self.is_co_host(event))

    def require_admin(self) -> None:
        self.require_key()
        if not self.is_admin:
            raise Forbidden("This needs an admin key.")

    def require_key(self) -> None:
        if self.role is None:
            raise Unauthenticated("This needs an API key: Authorization: Bearer <key>.")

    def require_manage(self, event: Event) -> None:
        self.require_key()
        if not self.can_manage(event):
            raise Forbidden("This key may not manage this event.")


ANONYMOUS = Actor()


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def create_key(name: str, role: str, *, org_slug: str | None = None,
                     event_slug: str | None = None) -> tuple[ApiKey, str]:
    """Create a key; the raw key is returned once and never stored."""
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(FieldError.of("name", "required"))
    if role not in KEY_ROLES:
        errors.append(FieldError.of("role", "one_of", choices=", ".join(KEY_ROLES)))
    organization = event = None
    if role in ("organizer", "partner"):
        if not org_slug:
            errors.append(FieldError.of("org", "key_needs_organization", role=role))
        elif (organization := await Organization.get_or_none(slug=org_slug)) is None:
            errors.append(FieldError.of("org", "unknown_organization", slug=org_slug))
    if role == "checkin":
        if not event_slug:
            errors.append(FieldError.of("event", "key_needs_event"))
        elif (event := await Event.get_or_none(slug=event_slug)) is None:
            errors.append(FieldError.of("event", "unknown_event", slug=event_slug))
    if errors:
        raise Invalid(errors)
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = await ApiKey.create(
        name=name.strip(), role=role, organization=organization, event=event,
        key_hash=hash_key(raw), prefix=raw[: len(KEY_PREFIX) + 4],
    )
    return key, raw


async def authenticate(raw: str, now: datetime) -> Actor:
    key = await ApiKey.get_or_none(key_hash=hash_key(raw), revoked_at=None)
    if key is None:
        raise Unauthenticated("Unknown or revoked API key.")
    # One cheap UPDATE, only when the stored minute is stale, keeps the hot path light.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        await ApiKey.filter(id=key.id).update(last_used_at=now)
    return Actor(role=key.role, organization_id=key.organization_id,
                 event_id=key.event_id, key_id=key.id, label=f"key {key.prefix}… ({key.name})")


async def event_keys(event: Event) -> list[ApiKey]:
    """The event's check-in keys, newest first, revoked ones too."""
    return await ApiKey.filter(event_id=event.id, role="checkin").order_by("-id")


async def create_door_key(event: Event, name: str) -> tuple[ApiKey, str]:
    """A check-in key for the event's door; two active keys never share a name, so the
    list tells them apart (and a form sent twice makes one key)."""
    name = name.strip()
    if len(name) > 100:
        raise Invalid([FieldError.of("name", "too_long", max=100)])
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise Invalid([FieldError.of("name", "single_line")])
    if name and await ApiKey.filter(event_id=event.id, role="checkin", name=name,
                                    revoked_at=None).exists():
        raise Invalid([FieldError.of("name", "key_name_taken")])
    return await create_key(name, "checkin", event_slug=event.slug)


async def revoke_door_key(event: Event, key_id: int, now: datetime) -> ApiKey:
    """Revoke one of the event's active check-in keys (any other id is not found)."""
    key = await ApiKey.get_or_none(id=key_id, event_id=event.id, role="checkin",
                                   revoked_at=None)
    if key is None:
        raise NotFound(f"No active check-in key with id {key_id} for this event.")
    await revoke_key(key.id, now)
    key.revoked_at = now
    return key


async def revoke_key(key_id: int, now: datetime) -> None:
    if not await ApiKey.filter(id=key_id, revoked_at=None).update(revoked_at=now):
        raise NotFound(f"No active key with id {key_id}.")
