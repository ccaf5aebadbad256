"""The venue door in the console: who came in, the latest scans, and the check-in keys."""

from __future__ import annotations

import base64
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response
from starlette.routing import Route

from api.console.common import Console, page
from api.docs import console_form, console_page, operation, query
from api.requests import settings
from events import access, audit, checkin, tickets
from events.errors import Invalid, NotFound
from events.models import ApiKey, Event, Scan
from events.validation import MAX_ID
from events.vocabulary import ATTENDANCE_MODES, day

LIVE_REFRESH_SECONDS = 30
NOTICES = ("key_revoked",)


def _url(event: Event, rest: str = "") -> str:
    return f"/console/events/{event.slug}/door{rest}"


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def _day_label(iso_day: str, tz: ZoneInfo, lang: str) -> str:
    return day(datetime.combine(date.fromisoformat(iso_day), time(12), tz), tz, lang)


def _scan_row(scan: Scan, tz: ZoneInfo, today: str, names: bool) -> dict[str, Any]:
    local = scan.scanned_at.astimezone(tz)
    r = scan.registration
    return {"scan": scan, "registration_id": r.id if r else None,
            "name": r.name if (r and names) else "",
            "time": local.strftime("%H:%M:%S") if local.date().isoformat() == today
            else local.strftime("%Y-%m-%d %H:%M:%S"),
            # Green for an entry, amber for a duplicate to follow up, red for a refusal.
            "tone": {"checked_in": "sent", "duplicate": "pending"}.get(scan.result, "failed")}


def _entry_time(entry: dict[str, Any] | None) -> str:
    """An entry's local ISO time as the door recorded it, shortened to the minute."""
    at = str((entry or {}).get("at") or "")
    return at[:16].replace("T", " ")


def _key_row(key: ApiKey, tz: ZoneInfo) -> dict[str, Any]:
    return {"key": key, "created": _local(key.created_at, tz),
            "last_used": _local(key.last_used_at, tz), "revoked": _local(key.revoked_at, tz)}


async def _page(c: Console, event: Event, *, status: int = 200,
                errors: dict[str, str] | None = None, key_name: str = "") -> Response:
    door = await checkin.open_door(event.slug)
    stats = await checkin.stats(door)
    today = door.day_of(c.now)
    names = c.actor.can_see_registrants(event)
    manage = c.actor.can_manage(event)
    days = [{**d, "label": _day_label(d["day"], door.tz, c.lang), "today": d["day"] == today}
            for d in stats["days"]]
    live = c.request.query_params.get("live") == "1"
    notice = c.request.query_params.get("notice", "")
    return c.render(
        "console/door.html", status=status, event=event, stats=stats, days=days,
        modes=ATTENDANCE_MODES, today=next((d for d in days if d["today"]), None),
        as_of=c.now.astimezone(door.tz).strftime("%H:%M:%S"),
        scans=[_scan_row(s, door.tz, today, names) for s in await checkin.recent_scans(door)],
        duplicates=[{**d, "day_label": _day_label(d["day"], door.tz, c.lang) if d["day"] else "",
                     "first": _entry_time(d["first_entry"]),
                     "other": _entry_time(d["other_entry"]),
                     "scanned": _entry_time({"at": d["scanned_at"]})}
                    for d in stats["duplicate_scans"]],
        names=names, manage=manage, live=live, refresh=LIVE_REFRESH_SECONDS,
        keys=[_key_row(k, door.tz) for k in await access.event_keys(event)] if manage else [],
        errors=errors or {}, key_name=key_name,
        notice=notice if notice in NOTICES else None)


def _key_id(c: Console) -> int:
    raw = c.request.path_params["id"]
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) < MAX_ID):
        raise NotFound("No such check-in key for this event.")
    return int(raw)


# ---- the pages -------------------------------------------------------------------------------

@console_page("The door: check-in counts, latest scans; check-in keys for managers",
              query("live", "1: the page refreshes itself every 30 seconds"))
@page
async def door_page(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="view")
    return await _page(c, event)


@console_form("Create a check-in key; the page shows it once, with its setup QR code",
              fields=("name",), errors=(403, 404, 422))
@page
async def create_key(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    name = str((await c.request.form()).get("name", ""))[:1000]
    try:
        key, raw = await access.create_door_key(event, name)
    except Invalid as exc:
        return await _page(c, event, status=422, key_name=name,
                           errors={"key_name": exc.errors[0].text(c.lang)})
    await audit.record("key_created", actor=c.actor, now=c.now, client=c.client, event=event,
                       target=f"key #{key.id}", details={"name": key.name,
                                                         "prefix": key.prefix})
    url = f"{settings(c.request).base_url}/checkin/{event.slug}#key={raw}"
    # Drawn without the image cache: a key should not linger in a process's memory.
    png = tickets.qr_png.__wrapped__(url)
    response = c.render("console/door_key.html", event=event, key=key, raw=raw, setup_url=url,
                        qr=f"data:image/png;base64,{base64.b64encode(png).decode()}")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@operation("Back to the door page (a reload or language switch of the key page)",
           responses={"303": {"description": "To /console/events/{slug}/door",
                              "headers": {"Location": {"schema": {"type": "string"}}}}})
@page
async def keys_page(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="view")
    return c.back(_url(event))


@console_page("Confirm revoking a check-in key")
@page
async def revoke_form(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    key = await ApiKey.get_or_none(id=_key_id(c), event_id=event.id, role="checkin",
                                   revoked_at=None)
    if key is None:
        raise NotFound("No active check-in key with this id for this event.")
    return c.render("console/door_revoke.html", event=event, key=key)


@console_form("Revoke a check-in key: scanners using it stop working", errors=(403, 404))
@page
async def revoke(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    key = await access.revoke_door_key(event, _key_id(c), c.now)
    await audit.record("key_revoked", actor=c.actor, now=c.now, client=c.client, event=event,
                       target=f"key #{key.id}", details={"name": key.name,
                                                         "prefix": key.prefix})
    return c.back(_url(event), "key_revoked")


routes = [
    Route("/console/events/{slug}/door", door_page, methods=["GET"]),
    Route("/console/events/{slug}/door/keys", create_key, methods=["POST"]),
    Route("/console/events/{slug}/door/keys", keys_page, methods=["GET"]),
    Route("/console/events/{slug}/door/keys/{id}/revoke", revoke_form, methods=["GET"]),
    Route("/console/events/{slug}/door/keys/{id}/revoke", revoke, methods=["POST"]),
]
