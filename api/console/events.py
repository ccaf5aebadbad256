"""The event editor: a form over the API's rules, a confirmation before attendees are
mailed, a refused stale save that keeps what was typed, and a preview of the public page.

The form is turned into the JSON the API takes and handed to `catalogue.create_event` /
`update_event`, so every rule and every field error is the API's; errors come back by
path (`sessions[1].starts_at`) and are shown next to the input they name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from api.console.common import Console, page
from api.console.event_form import (
    EventForm,
    Problems,
    apply_row_action,
    blank_form,
    form_of_event,
    form_of_request,
    label_of,
    payload,
    problems_of,
)
from api.docs import console_form, console_page
from api.pages import card, json_ld
from api.requests import settings
from events import catalogue, vocabulary
from events.errors import Code, Conflict, Forbidden, Invalid
from events.inputs import BASIC_MEMBERSHIPS
from events.models import Event, Organization, Series
from events.vocabulary import ATTENDANCE_MODES, EVENT_STATUSES, PARTNER_ROLES, SESSION_FORMATS

NOTICES = ("event_created", "event_saved")


async def _choices(c: Console, event: Event | None) -> dict[str, Any]:
    """What the selects offer: series the user may use, organizations, pending relations."""
    series_query = Series.all() if c.actor.is_admin else Series.filter(
        organization_id=c.actor.organization_id or 0)
    series = list(await series_query.order_by("slug"))
    if event is not None and event.series and event.series.id not in {s.id for s in series}:
        series.append(event.series)  # kept as it is, not offered to others
    pending: set[tuple[str, str]] = set()
    if event is not None:
        pending = {(p.organization.slug, p.role) for p in event.pending_partners}
    return {"series_list": series,
            "organizations": await Organization.all().order_by("slug"),
            "pending": pending, "statuses": EVENT_STATUSES, "formats": SESSION_FORMATS,
            "roles": PARTNER_ROLES, "modes": ATTENDANCE_MODES,
            "basic_memberships": BASIC_MEMBERSHIPS}


async def _form_page(c: Console, form: EventForm, event: Event | None, *, status: int = 200,
                     problems: Problems | None = None, readonly: bool = False,
                     stale: list[tuple[str, str, str]] | None = None) -> Response:
    title = vocabulary.pick(event.title_ja, event.title_en, c.lang) if event else ""
    notice = c.request.query_params.get("notice") if c.request.method == "GET" else None
    return c.render("console/event_form.html", status=status, form=form, event=event,
                    title=title, problems=problems or Problems(), readonly=readonly,
                    notice=notice if notice in NOTICES else None,
                    stale=stale, action=f"/console/events/{event.slug}" if event
                    else "/console/events/new", **await _choices(c, event))


@console_page("A form for a new event")
@page
async def new_event(c: Console) -> Response:
    own = await Organization.get_or_none(id=c.actor.organization_id or 0)
    return await _form_page(c, blank_form(settings(c.request).default_timezone, own), None)


@console_form("Create an event from the form (or add or remove a row)",
              fields=("slug", "title_ja", "title_en", "status", "action"))
@page
async def create_event(c: Console) -> Response:
    posted = await c.request.form()
    form = form_of_request(posted)
    if apply_row_action(form, str(posted.get("action", "save"))):
        return await _form_page(c, form, None)
    form.drop_blank_rows()
    data, own = payload(form, None)
    try:
        event = await catalogue.create_event(
            data, actor=c.actor, default_timezone=settings(c.request).default_timezone,
            now=c.now, client=c.client)
    except Invalid as exc:
        return await _form_page(c, form, None, status=422,
                                problems=problems_of(exc.errors, own, c.lang))
    except (Conflict, Forbidden) as exc:
        return await _refused(c, form, None, exc)
    return c.back(f"/console/events/{event.slug}", "event_created")


async def _refused(c: Console, form: EventForm, event: Event | None,
                   exc: Conflict | Forbidden) -> Response:
    """A slug taken, or partners without the user's organization as the organizer."""
    if isinstance(exc, Forbidden):
        key, message = "partners", vocabulary.translate("ev_error_own_organizer", c.lang)
    else:
        key, message = "slug", vocabulary.translate("ev_error_slug_taken", c.lang)
    found = Problems()
    found.add(key, message, c.lang)
    return await _form_page(c, form, event, status=409 if key == "slug" else 422,
                            problems=found)


@console_page("The event editor (read-only for co-host organizers)")
@page
async def edit_event(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="view")
    return await _form_page(c, form_of_event(event), event,
                            readonly=not c.actor.can_manage(event))


@console_form("Save the event (a confirmation first when attendees are mailed or seats "
              "are short), or add or remove a row",
              fields=("version", "title_ja", "title_en", "status", "action", "confirm"))
@page
async def save_event(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="view")
    if not c.actor.can_manage(event):
        raise Forbidden("Co-host organizers may look, not change.")
    posted = await c.request.form()
    form = form_of_request(posted)
    action = str(posted.get("action", "save"))
    if action == "edit" or apply_row_action(form, action):
        return await _form_page(c, form, event)
    form.drop_blank_rows()
    data, own = payload(form, event)
    version = form.get("version")
    try:
        change = await catalogue.plan_update(event.slug, data, actor=c.actor)
        if posted.get("confirm") != "1" and (notice := await _notice(change)):
            return c.render("console/event_confirm.html", event=event, plan=notice,
                            hidden=_hidden(posted), title=vocabulary.pick(
                                event.title_ja, event.title_en, c.lang),
                            changes=_shown_changes(await change.changes(), event, c.lang))
        saved = await catalogue.update_event(
            event.slug, data, actor=c.actor, now=c.now, client=c.client,
            expected_version=int(version) if version.isdigit() else -1)
    except Invalid as exc:
        return await _form_page(c, form, event, status=422,
                                problems=problems_of(exc.errors, own, c.lang))
    except Conflict as exc:
        if exc.code == Code.STALE_EDIT:
            return await _stale(c, form, event.slug, data)
        return await _refused(c, form, event, exc)
    except Forbidden as exc:
        return await _refused(c, form, event, exc)
    return c.back(f"/console/events/{saved.slug}", "event_saved")


@dataclass
class Notice:
    """What the confirmation step says before saving."""

    purpose: str | None
    recipients: int
    status_before: str
    status_after: str
    short: dict[str, tuple[int, int]]


async def _notice(change: catalogue.EventChange) -> Notice | None:
    """Confirm a change of status, time or place (unless it stays a draft), and a capacity
    below the seats confirmed; nothing else."""
    short = change.capacity_below_confirmed()
    announced = change.rescheduled and not (
        change.status_before == "draft" and change.event.status == "draft")
    if not (announced or short):
        return None
    return Notice(change.purpose, await change.recipients(), change.status_before,
                  change.event.status, short)


def _hidden(posted: FormData) -> list[tuple[str, str]]:
    """The form again as hidden inputs, for the second POST."""
    return [(k, v) for k, v in posted.multi_items() if isinstance(v, str) and k not in (
        "csrf_token", "confirm", "action")]


def _shown_changes(changes: dict[str, list[Any]], event: Event, lang: str
                   ) -> list[tuple[str, str, str]]:
    """(label, old, new) per changed field, long texts cut, times in the event's zone."""
    tz = ZoneInfo(event.timezone)

    def shown(name: str, value: Any) -> str:
        if value in (None, ""):
            return "—"
        if name == "status":
            return vocabulary.translate(f"event_status_{value}", lang)
        if isinstance(value, bool):
            return vocabulary.translate("ev_yes" if value else "ev_no", lang)
        if name.startswith("registration_") and isinstance(value, str):
            return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")
        text = str(value)
        return text if len(text) <= 200 else text[:199] + "…"

    return [(label_of(name, lang), shown(name, old), shown(name, new))
            for name, (old, new) in changes.items()]


async def _stale(c: Console, form: EventForm, slug: str, data: dict[str, Any]) -> Response:
    """Someone saved first: the form keeps what this user typed, now on the current version,
    with the fields where it differs from what is saved."""
    current = await catalogue.get_event(slug, include_drafts=True)
    form.texts["version"] = str(current.version)
    differences: list[tuple[str, str, str]] = []
    try:
        change = await catalogue.plan_update(slug, data, actor=c.actor)
        differences = _shown_changes(await change.changes(), current, c.lang)
    except (Invalid, Conflict, Forbidden):
        pass
    return await _form_page(c, form, current, status=409, stale=differences)


@console_page("The event's public page as it will look, marked as a preview (managers)")
@page
async def preview(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    tz = ZoneInfo(event.timezone)
    sessions = [{
        "session": s,
        "title": vocabulary.pick(s.title_ja, s.title_en, c.lang)
        or vocabulary.pick(event.title_ja, event.title_en, c.lang),
        "when": vocabulary.span(s.starts_at, s.ends_at, tz, c.lang),
        "venue": s.venue_name or (event.venue_name if vocabulary.serves_venue(s.format) else ""),
        "address": s.venue_address or (
            event.venue_address if vocabulary.serves_venue(s.format) else ""),
    } for s in event.session_list]
    partners = [(role, orgs) for role in PARTNER_ROLES if (orgs := [
        p.organization for p in event.partner_list if p.role == role])]
    return c.render("console/event_preview.html", c=card(event, c.lang), event=event,
                    sessions=sessions, partners=partners, registration_open=False,
                    description=vocabulary.pick(event.description_ja, event.description_en,
                                                c.lang),
                    json_ld=json_ld(event, settings(c.request).base_url, c.lang))


routes = [
    Route("/console/events/new", new_event, methods=["GET"]),
    Route("/console/events/new", create_event, methods=["POST"]),
    Route("/console/events/{slug}", edit_event, methods=["GET"]),
    Route("/console/events/{slug}", save_event, methods=["POST"]),
    Route("/console/events/{slug}/preview", preview, methods=["GET"]),
]
