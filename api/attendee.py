"""The attendee's pages: the registration form and the ticket page with its QR code."""

from __future__ import annotations

import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api import confirm, limits
from api.docs import HTML, LANG, file, form_post, html_page, operation
from api.feeds import PRIVATE_CACHE, calendar_response
from api.pages import card, page_language, render
from api.requests import now, settings
from api.security import CSRF_FIELD, csrf_token, set_csrf_cookie
from api.v1.registrations import ticket_code
from events import calendar, catalogue, tickets, vocabulary
from events import registration as reg
from events.errors import Conflict, Invalid, NotFound, Refused
from events.models import Event, Registration

PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex",
           "Referrer-Policy": "no-referrer"}
FORM_FIELDS = ("name", "name_kana", "email", "affiliation", "membership", "attendance",
               "locale")


def _form_page(request: Request, event: Event, lang: str, *, values: dict[str, Any] | None = None,
               errors: dict[str, str] | None = None, refusal: str | None = None,
               status: int = 200, challenge: dict[str, Any] | None = None,
               retry_minutes: int | None = None) -> Response:
    token = csrf_token(request)
    response = render(request, "register.html", lang, status=status, c=card(event, lang),
                      event=event, modes=catalogue.attendance_modes(event),
                      seats=_seats(event), values=values or {}, errors=errors or {},
                      refusal=refusal, csrf_field=CSRF_FIELD, csrf=token,
                      joint_users=joint_users(event, lang), challenge=challenge,
                      retry_minutes=retry_minutes)
    set_csrf_cookie(response, token, request)
    return response


def joint_users(event: Event, lang: str) -> list[str]:
    """The co-hosts who see the registrations too (joint use, 共同利用), by name."""
    if not event.share_registrants:
        return []
    return [vocabulary.pick(p.organization.name_ja, p.organization.name_en, lang)
            for p in event.partner_list if p.role == "co_host"]


def _seats(event: Event) -> dict[str, int | None]:
    return {mode: (None if getattr(event, f"{mode}_capacity") is None else
                   max(getattr(event, f"{mode}_capacity") - getattr(event, f"{mode}_confirmed"),
                       0)) for mode in ("venue", "online")}


@html_page("The registration form", errors=(404,))
async def register_form(request: Request) -> Response:
    lang = page_language(request)
    event = await catalogue.get_event(request.path_params["slug"])
    refusal = None
    try:
        reg.check_open(event, now())
    except Refused as exc:
        refusal = exc.code
    return _form_page(request, event, lang, refusal=refusal,
                      challenge=await limits.form_challenge(request, event))


@form_post("Register from the form", fields=(
    "name", "name_kana", "email", "affiliation", "membership", "attendance", "locale",
    "consent", "challenge"), errors=(403, 404, 409, 422, 429))
async def register_submit(request: Request) -> Response:
    lang = page_language(request)
    event = await catalogue.get_event(request.path_params["slug"])
    form = await request.form()
    if request.state.csrf_failed:  # the middleware let this form through to keep its values
        typed = {k: str(form[k]) for k in FORM_FIELDS if form.get(k)}
        return _form_page(request, event, lang, values=typed, refusal="csrf_failed",
                          status=403)
    data: dict[str, Any] = {k: str(form[k]) for k in FORM_FIELDS if form.get(k)}
    data["consent"] = form.get("consent") == "yes"
    data.setdefault("locale", lang)
    try:
        await limits.take_registration(request, event, str(form.get("challenge") or "") or None)
        result = await reg.register(event.slug, data, now=now(), require_consent=True,
                                    hold=settings(request).confirm_hold)
    except limits.RateLimited as exc:
        page = _form_page(request, event, lang, values=data, refusal="rate_limited", status=429,
                          retry_minutes=-(-exc.retry_after // 60))
        page.headers.update(limits.retry_headers(exc))
        return page
    except Invalid as exc:
        errors = {e.field: e.text(lang) for e in exc.errors}
        return _form_page(request, event, lang, values=data, errors=errors, status=422,
                          challenge=await limits.form_challenge(request, event))
    except (Refused, Conflict) as exc:
        return _form_page(request, event, lang, values=data, refusal=exc.code, status=409
                          if exc.code != "attendance_not_offered" else 422,
                          challenge=await limits.form_challenge(request, event))
    if result.check_email:  # the same page for a new or a registered address
        return confirm.check_email_page(request, event, lang, settings(request).confirm_hold)
    return RedirectResponse(f"/tickets/{result.registration.token}?welcome=1&lang={lang}",
                            status_code=303)


async def _ticket(request: Request) -> Registration:
    return await reg.by_token(None, request.path_params["token"])


# What an event's status leaves of a ticket: nothing to show at a door, nothing to stream.
EVENT_OFF = ("cancelled", "postponed")


def ticket_language(request: Request, registration: Registration) -> str:
    """The registrant's language, unless the page was asked for in the other one."""
    if request.query_params.get("lang") in vocabulary.LANGUAGES:
        return str(request.query_params["lang"])
    return registration.locale if registration.locale in vocabulary.LANGUAGES else (
        vocabulary.DEFAULT_LANGUAGE)


def shows_stream(registration: Registration, event: Event) -> bool:
    """The stream link is for confirmed online attendees of an event that goes ahead."""
    return (registration.status == "confirmed" and registration.attendance == "online"
            and event.status not in EVENT_OFF and bool(event.stream_url))


def _can_register_again(event: Event) -> bool:
    """Registration is open and a mode still has a seat (not only a waiting list)."""
    try:
        reg.check_open(event, now())
    except Refused:
        return False
    seats = _seats(event)
    return any(seats[mode] is None or (seats[mode] or 0) > 0
               for mode in catalogue.attendance_modes(event))


@html_page("The attendee's ticket: QR code, status, changes", errors=(404,))
async def ticket_page(request: Request) -> Response:
    registration = await _ticket(request)
    lang = ticket_language(request, registration)
    event = await catalogue.get_event(registration.event.slug, include_drafts=True)
    tz = ZoneInfo(event.timezone)
    sessions = [{
        "title": vocabulary.pick(s.title_ja, s.title_en, lang)
        or vocabulary.pick(event.title_ja, event.title_en, lang),
        "when": vocabulary.span(s.starts_at, s.ends_at, tz, lang),
        "format": s.format,
        "venue": s.venue_name or (event.venue_name if vocabulary.serves_venue(s.format) else ""),
    } for s in event.session_list
        if s.format in vocabulary.formats_for_mode(registration.attendance)]
    token = csrf_token(request)
    event_off = event.status in EVENT_OFF
    active = registration.status != "cancelled"
    other_modes = [m for m in catalogue.attendance_modes(event)
                   if m != registration.attendance] if active and not event_off else []
    door_qr = (registration.status == "confirmed" and registration.attendance == "venue"
               and not event_off)
    response = render(
        request, "ticket.html", lang, r=registration, event=event, c=card(event, lang),
        sessions=sessions, position=await reg.waitlist_position(registration),
        code=ticket_code(request, registration), other_modes=other_modes,
        door_qr=door_qr, event_off=event_off,
        stream_url=event.stream_url if shows_stream(registration, event) else None,
        register_again=not active and _can_register_again(event),
        welcome=request.query_params.get("welcome") == "1" and active,
        notice=request.query_params.get("notice"), csrf_field=CSRF_FIELD, csrf=token)
    response.headers.update(PRIVATE)
    set_csrf_cookie(response, token, request)
    return response


@file("The ticket's QR code", "image/png",
      errors={"404": {"description": "No such ticket", "content": HTML}})
async def ticket_png(request: Request) -> Response:
    code = ticket_code(request, await _ticket(request))
    return Response(tickets.qr_png(code), media_type="image/png", headers=PRIVATE)


@file("The ticket's QR code", "image/svg+xml",
      errors={"404": {"description": "No such ticket", "content": HTML}})
async def ticket_svg(request: Request) -> Response:
    code = ticket_code(request, await _ticket(request))
    return Response(tickets.qr_svg(code), media_type="image/svg+xml", headers=PRIVATE)


@operation("The attendee's own calendar (with the stream link when online)",
           parameters=[LANG], responses={
               "200": {"description": "The calendar",
                       "content": {"text/calendar": {"schema": {"type": "string"}}}},
               "304": {"description": "Not modified since the client's copy"},
               "404": {"description": "No such ticket",
                       "content": {"text/plain": {"schema": {"type": "string"}}}}})
async def ticket_calendar(request: Request) -> Response:
    """The attendee's own calendar: their mode's sessions, the stream link if online."""
    try:
        registration = await reg.by_token(None, request.path_params["token"])
    except NotFound:
        raise HTTPException(404, "No such ticket.") from None
    if registration.status == "cancelled":
        raise HTTPException(404, "This registration is cancelled.")
    event = await catalogue.get_event(registration.event.slug, include_drafts=True)
    config = request.app.state.settings
    changed = max(event.updated_at, registration.updated_at)
    body = calendar.build_personal_calendar(
        event, registration.attendance,
        event.stream_url if shows_stream(registration, event) else "",
        base_url=config.base_url, lang=ticket_language(request, registration),
        uid=f"ticket-{registration.id}@{config.host}", changed_at=changed,
        registration_status=registration.status, sequence=registration.calendar_sequence)
    digest = hashlib.sha256(body).hexdigest()
    return calendar_response(request, body, digest, changed, cache_control=PRIVATE_CACHE)


async def _checked_form(request: Request) -> tuple[Registration, Any]:
    registration = await _ticket(request)
    form = await request.form()
    return registration, form


def _back(request: Request, registration: Registration, notice: str = "") -> RedirectResponse:
    """Back to the ticket page, in the language the form was sent from."""
    params = []
    if (lang := request.query_params.get("lang")) in vocabulary.LANGUAGES:
        params.append(f"lang={lang}")
    if notice:
        params.append(f"notice={notice}")
    suffix = f"?{'&'.join(params)}" if params else ""
    return RedirectResponse(f"/tickets/{registration.token}{suffix}", status_code=303)


@form_post("Switch attendance mode from the ticket page", fields=("attendance",),
           errors=(403, 404))
async def ticket_attendance(request: Request) -> Response:
    registration, form = await _checked_form(request)
    try:
        await reg.switch_attendance(registration, {"attendance": str(form.get("attendance"))},
                                    now=now())
    except (Refused, Invalid) as exc:
        return _back(request, registration, getattr(exc, "code", "invalid"))
    return _back(request, registration)


@html_page("Confirm cancelling", errors=(404,))
async def cancel_page(request: Request) -> Response:
    registration = await _ticket(request)
    lang = ticket_language(request, registration)
    event = await catalogue.get_event(registration.event.slug, include_drafts=True)
    token = csrf_token(request)
    response = render(request, "cancel.html", lang, r=registration, c=card(event, lang),
                      position=await reg.waitlist_position(registration),
                      csrf_field=CSRF_FIELD, csrf=token)
    response.headers.update(PRIVATE)
    set_csrf_cookie(response, token, request)
    return response


@form_post("Cancel the registration", errors=(403, 404))
async def cancel_submit(request: Request) -> Response:
    registration, _ = await _checked_form(request)
    await reg.cancel(registration, now=now())
    return _back(request, registration)


routes = [
    # Before /tickets/{token}: a token has no dot, but the path parameter would match.
    Route("/tickets/{token}.ics", ticket_calendar, methods=["GET"]),
    Route("/events/{slug}/register", register_form, methods=["GET"]),
    Route("/events/{slug}/register", register_submit, methods=["POST"]),
    Route("/tickets/{token}/qr.png", ticket_png, methods=["GET"]),
    Route("/tickets/{token}/qr.svg", ticket_svg, methods=["GET"]),
    Route("/tickets/{token}/attendance", ticket_attendance, methods=["POST"]),
    Route("/tickets/{token}/cancel", cancel_page, methods=["GET"]),
    Route("/tickets/{token}/cancel", cancel_submit, methods=["POST"]),
    Route("/tickets/{token}", ticket_page, methods=["GET"]),
]

