"""An event's attendees in the console: search and filter them, and act for one of them.

Managers (admins, organizers of the owning organization) act; co-host organizers see the
same list and pages, read-only, when the event shares its registrants.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.console.common import Console, page
from api.docs import HTML, LOGIN_REDIRECT, console_form, console_page, file, query
from api.v1.registrations import csv_export
from events import audit, outbox
from events import registration as reg
from events.catalogue import attendance_modes
from events.errors import DomainError, FieldError, Invalid, NotFound
from events.models import Event, Notification, Registration
from events.validation import MAX_ID
from events.vocabulary import LANGUAGES, REGISTRATION_STATUSES, pick, translate

FILTERS = ("q", "status", "attendance", "checked_in")
PAGING = ("after", "before")
# What a link within these pages carries along: the filters, the page, a chosen language.
KEPT = (*FILTERS, *PAGING, "lang")
NOTICES = ("registration_cancelled", "registration_moved", "registration_confirmed",
           "confirmation_resent", "registration_unchanged")


def _filters(params: Mapping[str, str]) -> dict[str, str]:
    return {k: params[k] for k in FILTERS if params.get(k)}


def _list_url(event: Event, params: Mapping[str, str]) -> str:
    kept = {k: v for k, v in params.items() if k in KEPT and v}
    return f"/console/events/{event.slug}/registrations" + (
        f"?{urlencode(kept)}" if kept else "")


def _back(raw: str) -> str:
    """The list's query string a detail page returns to: known keys only, re-encoded."""
    pairs = [(k, v[:200]) for k, v in parse_qsl(raw[:1000]) if k in KEPT]
    return urlencode(pairs)


def _local(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""


def _row(r: Registration, slug: str, places: Mapping[int, int], tz: ZoneInfo, lang: str,
         query: str) -> dict[str, Any]:
    position = places.get(r.id)
    status = (translate("attendees_waiting_n", lang, n=position) if position
              else translate(f"registration_status_{r.status}", lang))
    local, at, domain = r.email.rpartition("@")
    return {
        "id": r.id, "name": r.name, "name_kana": r.name_kana, "email": r.email,
        # A line may break before the domain: long addresses fit a tablet's width.
        "email_local": local, "email_domain": at + domain,
        "affiliation": r.affiliation, "attendance": translate(f"attendance_{r.attendance}", lang),
        "status": r.status, "status_text": status, "checked_in": _local(r.checked_in_at, tz),
        "registered": _local(r.created_at, tz),
        "url": f"/console/events/{slug}/registrations/{r.id}" + (f"?{query}" if query else ""),
    }


# ---- the list ----------------------------------------------------------------------------------

@console_page("An event's registrations: search (kana-folded), filters, pages of 50",
              query("q", "name, kana, email, affiliation or ticket number"),
              query("status", "confirmed, waitlisted or cancelled"),
              query("attendance", "venue or online"), query("checked_in", "yes or no"),
              query("after", "the page after this registration id"),
              query("before", "the page before this registration id"),
              errors=(404, 422))
@page
async def registrations(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="registrants")
    params = c.request.query_params
    errors: dict[str, str] = {}
    try:
        listing = await reg.search(event, params)
    except Invalid as exc:
        errors = {e.field: e.text(c.lang) for e in exc.errors}
        listing = await reg.search(event, {})
    tz = ZoneInfo(event.timezone)
    filters = _filters(params)
    chosen = _chosen_language(c)
    back = urlencode({k: v for k, v in params.items() if k in KEPT and v})
    query = urlencode({**chosen, **({"back": back} if back else {})})
    rows = [_row(r, event.slug, listing.positions, tz, c.lang, query)
            for r in listing.items]
    return c.render(
        "console/attendees.html", status=422 if errors else 200, errors=errors, event=event,
        title=pick(event.title_ja, event.title_en, c.lang), listing=listing, rows=rows,
        filters=filters, statuses=REGISTRATION_STATUSES, modes=attendance_modes(event),
        manage=c.actor.can_manage(event), chosen_lang=chosen.get("lang", ""),
        status_url={s: _list_url(event, {**filters, **chosen, "status": s}) for s in (
            "", *REGISTRATION_STATUSES)},
        clear_url=_list_url(event, chosen),
        prev_url=_list_url(event, {**filters, **chosen, "before": str(listing.before)})
        if listing.before else "",
        next_url=_list_url(event, {**filters, **chosen, "after": str(listing.after)})
        if listing.after else "",
        csv_url=f"/console/events/{event.slug}/registrations.csv")


def _chosen_language(c: Console) -> dict[str, str]:
    """`?lang=` when the page was asked for in a language: links and forms keep it."""
    asked = c.request.query_params.get("lang")
    return {"lang": str(asked)} if asked in LANGUAGES else {}


@file("The event's registrations as CSV (the API's columns, formula-safe cells)", "text/csv",
      errors={**LOGIN_REDIRECT, "404": {"description": "Error page", "content": HTML}})
@page
async def registrations_csv(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    response = await csv_export(c.request, event)
    rows = await Registration.filter(event_id=event.id).count()
    await audit.record("registrations_exported", actor=c.actor, now=c.now, client=c.client,
                       event=event, details={"rows": rows, "format": "csv"})
    return response


# ---- one registration ----------------------------------------------------------------------------

async def _detail(c: Console, event: Event, registration_id: int, *, status: int = 200,
                  errors: dict[str, str] | None = None, refusal: str = "",
                  form: Mapping[str, str] | None = None) -> Response:
    r = await reg.of_event(event, registration_id)
    tz = ZoneInfo(event.timezone)
    fresh = await Event.get(id=event.id)  # the counters as they are now
    seats = {mode: reg.seats_of(fresh, mode) for mode in attendance_modes(event)}
    messages = await Notification.filter(registration_id=r.id).order_by("-id").limit(20)
    back = _back(str(c.request.query_params.get("back", "")) if form is None
                 else str(form.get("back", "")))
    return c.render(
        "console/attendee_detail.html", status=status, errors=errors or {}, refusal=refusal,
        event=event, title=pick(event.title_ja, event.title_en, c.lang), r=r,
        position=await reg.waitlist_position(r), seats=seats, tz=event.timezone,
        registered=_local(r.created_at, tz), checked_in=_local(r.checked_in_at, tz),
        cancelled=_local(r.cancelled_at, tz), updated=_local(r.updated_at, tz),
        messages=[{"purpose": m.purpose, "status": m.status, "at": _local(m.created_at, tz),
                   "error": outbox.shown_error(m.last_error)} for m in messages],
        manage=c.actor.can_manage(event), back=back,
        list_url=f"/console/events/{event.slug}/registrations" + (f"?{back}" if back else ""),
        form=form or {}, notice=_notice(c),
        lang_query=f"?{urlencode(chosen)}" if (chosen := _chosen_language(c)) else "")


def _notice(c: Console) -> str | None:
    notice = c.request.query_params.get("notice")
    return notice if notice in NOTICES else None


def _registration_id(c: Console) -> int:
    value: int = c.request.path_params["id"]
    return value


def known_id(endpoint: Callable[[Request], Awaitable[Response]]
             ) -> Callable[[Request], Awaitable[Response]]:
    """An id no registration can have is not found, before anyone is asked to log in."""

    async def checked(request: Request) -> Response:
        if not 0 < request.path_params["id"] < MAX_ID:
            raise NotFound("No such registration.")
        return await endpoint(request)

    checked.__name__, checked.__doc__ = endpoint.__name__, endpoint.__doc__
    return checked


@console_page("One registration: who, state, messages, and the organizer's actions",
              query("back", "the list's query string to return to"), errors=(404,))
@known_id
@page
async def registration(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="registrants")
    return await _detail(c, event, _registration_id(c))


async def _form(c: Console) -> dict[str, str]:
    form = await c.request.form()
    return {k: str(v)[:2000] for k, v in form.items() if isinstance(v, str)}


def _done(c: Console, event: Event, registration_id: int, form: Mapping[str, str],
          notice: str) -> Response:
    back = _back(form.get("back", ""))
    query = {**_chosen_language(c), **({"back": back} if back else {})}
    url = f"/console/events/{event.slug}/registrations/{registration_id}" + (
        f"?{urlencode(query)}" if query else "")
    return c.back(url, notice)


async def _refused(c: Console, event: Event, registration_id: int, form: Mapping[str, str],
                   exc: DomainError) -> Response:
    """The detail page again, saying why the action was refused, in the page's language."""
    if isinstance(exc, Invalid):
        return await _detail(c, event, registration_id, status=422, form=form,
                             errors={e.field: e.text(c.lang) for e in exc.errors})
    tz = ZoneInfo(event.timezone)
    values: dict[str, Any] = {}
    for name in ("last_at", "allowed_at"):
        if isinstance(raw := exc.extra.get(name), str):
            values[name] = _local(datetime.fromisoformat(raw), tz)
    if isinstance(current := exc.extra.get("registration_status"), str):
        values["status"] = translate(f"registration_status_{current}", c.lang)
    text = translate(f"attendees_refused_{exc.code}", c.lang, **values)
    if text.startswith("attendees_refused_"):
        text = translate("attendees_refused", c.lang)
    status = 429 if exc.code == "too_many_attempts" else 409
    return await _detail(c, event, registration_id, status=status, form=form, refusal=text)


@console_form("Cancel a registration for the attendee; the mail gives the reason",
              fields=("cancel_reason", "cancel_confirm", "back"), errors=(403, 404, 409, 422))
@known_id
@page
async def cancel(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    registration_id, form = _registration_id(c), await _form(c)
    try:
        if form.get("cancel_confirm") != "yes":
            raise Invalid([FieldError.of("cancel_confirm", "confirm_cancel")])
        await reg.cancel_for_organizer(event, registration_id, form.get("cancel_reason", ""),
                                       actor=c.actor, now=c.now, client=c.client)
    except DomainError as exc:
        return await _refused(c, event, registration_id, form, exc)
    return _done(c, event, registration_id, form, "registration_cancelled")


@console_form("Move a registration to the other attendance mode (its waiting list if full)",
              fields=("attendance", "move_confirm", "back"), errors=(403, 404, 409, 422))
@known_id
@page
async def move(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    registration_id, form = _registration_id(c), await _form(c)
    mode = form.get("attendance", "")
    try:
        current = await reg.of_event(event, registration_id)
        if mode not in attendance_modes(event):
            raise Invalid([FieldError.of("attendance", "one_of",
                                         choices=", ".join(attendance_modes(event)))])
        if mode == current.attendance:
            return _done(c, event, registration_id, form, "registration_unchanged")
        # Giving up a seat for a full mode's waiting list is asked for in so many words.
        target = reg.seats_of(await Event.get(id=event.id), mode)
        if current.status == "confirmed" and target.full and form.get("move_confirm") != "yes":
            raise Invalid([FieldError.of("move_confirm", "confirm_move")])
        await reg.move_for_organizer(event, registration_id, mode, actor=c.actor, now=c.now,
                                     client=c.client)
    except DomainError as exc:
        return await _refused(c, event, registration_id, form, exc)
    return _done(c, event, registration_id, form, "registration_moved")


@console_form("Confirm a registration from the waiting list, past the capacity if need be",
              fields=("over_capacity", "back"), errors=(403, 404, 409, 422))
@known_id
@page
async def confirm(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    registration_id, form = _registration_id(c), await _form(c)
    try:
        await reg.confirm_from_waitlist(event, registration_id,
                                        over_capacity=form.get("over_capacity") == "yes",
                                        actor=c.actor, now=c.now, client=c.client)
    except DomainError as exc:
        return await _refused(c, event, registration_id, form, exc)
    return _done(c, event, registration_id, form, "registration_confirmed")


@console_form("Send the confirmation of the registration's state again (once an hour)",
              fields=("back",), errors=(403, 404, 409, 429))
@known_id
@page
async def resend(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    registration_id, form = _registration_id(c), await _form(c)
    try:
        await reg.resend_confirmation(event, registration_id, actor=c.actor, now=c.now,
                                      client=c.client)
    except DomainError as exc:
        return await _refused(c, event, registration_id, form, exc)
    return _done(c, event, registration_id, form, "confirmation_resent")


BASE = "/console/events/{slug}/registrations"
routes = [
    Route(BASE, registrations, methods=["GET"]),
    Route(BASE + ".csv", registrations_csv, methods=["GET"]),
    Route(BASE + "/{id:int}", registration, methods=["GET"]),
    Route(BASE + "/{id:int}/cancel", cancel, methods=["POST"]),
    Route(BASE + "/{id:int}/attendance", move, methods=["POST"]),
    Route(BASE + "/{id:int}/confirm", confirm, methods=["POST"]),
    Route(BASE + "/{id:int}/resend", resend, methods=["POST"]),
]
