"""Domain objects as the JSON the public API promises."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from events import privacy, vocabulary
from events.catalogue import attendance_modes
from events.models import Event, EventPartner, Organization, Registration, Series, Session


def iso(value: datetime | None, tz: ZoneInfo | None = None) -> str | None:
    if value is None:
        return None
    return (value.astimezone(tz) if tz else value).isoformat()


def pair(ja: str, en: str) -> dict[str, str]:
    return {"ja": ja, "en": en}


def organization(org: Organization, base_url: str) -> dict[str, Any]:
    return {
        "slug": org.slug,
        "name": pair(org.name_ja, org.name_en),
        "url": org.url or None,
        "api_url": f"{base_url}/api/v1/organizations/{org.slug}",
    }


def series(s: Series | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"slug": s.slug, "name": pair(s.name_ja, s.name_en)}


def venue(name: str, address: str) -> dict[str, str] | None:
    if not (name or address):
        return None
    return {"name": name, "address": address}


def event_venue(e: Event) -> dict[str, Any] | None:
    """The event's venue, in English too, with its map link."""
    if not (e.venue_name or e.venue_address or e.venue_name_en or e.venue_address_en
            or e.venue_map_url):
        return None
    return {"name": e.venue_name, "address": e.venue_address, "name_en": e.venue_name_en,
            "address_en": e.venue_address_en, "map_url": e.venue_map_url or None}


def session(s: Session, event: Event) -> dict[str, Any]:
    tz = ZoneInfo(event.timezone)
    at_venue = vocabulary.serves_venue(s.format)
    return {
        "id": s.id,
        "title": pair(s.title_ja, s.title_en),
        "starts_at": iso(s.starts_at, tz),
        "ends_at": iso(s.ends_at, tz),
        "format": s.format,
        "venue": (venue(s.venue_name, s.venue_address)
                  or (venue(event.venue_name, event.venue_address) if at_venue else None)),
    }


def partner(p: EventPartner) -> dict[str, Any]:
    org = p.organization
    return {"org": org.slug, "name": pair(org.name_ja, org.name_en), "role": p.role}


def event(e: Event, base_url: str, *, private: bool = False) -> dict[str, Any]:
    """`private` adds what only the event's managers see (the stream link)."""
    tz = ZoneInfo(e.timezone)
    body: dict[str, Any] = {
        "slug": e.slug,
        "title": pair(e.title_ja, e.title_en),
        "summary": pair(e.summary_ja, e.summary_en),
        "description": pair(e.description_ja, e.description_en),
        "series": series(e.series),
        "status": e.status,
        "date_tbd": e.date_tbd,
        "timezone": e.timezone,
        "starts_at": iso(e.starts_at, tz),
        "ends_at": iso(e.ends_at, tz),
        "format": e.format,
        "attendance_modes": attendance_modes(e),
        "venue": event_venue(e),
        "capacity": {"venue": e.venue_capacity, "online": e.online_capacity},
        "registration_opens_at": iso(e.registration_opens_at, tz),
        "registration_closes_at": iso(e.registration_closes_at, tz),
        "revision": e.revision,
        "registrations": seats(e),
        "sessions": [session(s, e) for s in e.session_list],
        "partners": [partner(p) for p in e.partner_list],
        "owner": e.owner.slug if e.owner else None,
        "url": f"{base_url}/events/{e.slug}",
        "api_url": f"{base_url}/api/v1/events/{e.slug}",
        "updated_at": iso(e.updated_at),
        "contact_email": e.contact_email or None,
        "membership_choices": [c for c in e.membership_choices.split(",") if c],
        "share_registrants": e.share_registrants,
        "challenge": e.challenge,
        "version": e.version,
        "privacy": privacy.notice(e),
        "consent_required": e.consent_required,
        "confirm_email": e.confirm_email,
    }
    if private:
        body["stream_url"] = e.stream_url or None
    return body


def seats(e: Event) -> dict[str, Any]:
    """Counts per attendance mode, for the event's answer."""
    out: dict[str, dict[str, Any]] = {}
    for mode in vocabulary.ATTENDANCE_MODES:
        capacity = getattr(e, f"{mode}_capacity")
        confirmed = getattr(e, f"{mode}_confirmed")
        out[mode] = {
            "capacity": capacity,
            "confirmed": confirmed,
            "waitlisted": getattr(e, f"{mode}_waitlisted"),
            "left": None if capacity is None else max(capacity - confirmed, 0),
        }
    return out


def ticket_links(r: Registration, base_url: str, code: str) -> dict[str, Any]:
    page = f"{base_url}/tickets/{r.token}"
    return {"code": code, "url": page, "qr_png": f"{page}/qr.png", "qr_svg": f"{page}/qr.svg",
            "ics": f"{page}.ics"}


def registration(r: Registration, base_url: str, code: str, position: int | None,
                 *, personal: bool = False) -> dict[str, Any]:
    """The attendee's answer; `personal` adds what only they and organizers see."""
    body: dict[str, Any] = {
        "id": r.id,
        "event": r.event.slug,
        "status": r.status,
        "attendance": r.attendance,
        "waitlist_position": position,
        "ticket": ticket_links(r, base_url, code),
        "manage_url": f"{base_url}/tickets/{r.token}",
        "token": r.token,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
    }
    if personal:
        body.update({
            "name": r.name, "name_kana": r.name_kana, "email": r.email,
            "affiliation": r.affiliation, "membership": r.membership, "locale": r.locale,
            "checked_in": r.checked_in_at is not None,
            "checked_in_at": iso(r.checked_in_at),
            "cancelled_at": iso(r.cancelled_at),
        })
    return body
