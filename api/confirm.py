"""Confirm email first: the "check your email" answer, and the link the attendee opens.

The mailed link (`/tickets/{token}/confirm`) shows a page with a button; only the POST
confirms, so a mail scanner that fetches links confirms nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.docs import form_post, html_page
from api.pages import card, render
from api.requests import now
from api.security import CSRF_FIELD, csrf_token, set_csrf_cookie
from events import holds, vocabulary
from events import registration as reg
from events.errors import Code, Refused
from events.models import Event, Registration

PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex",
           "Referrer-Policy": "no-referrer"}


def check_email(hold: timedelta) -> dict[str, Any]:
    """The API's answer to every registration for such an event (202): no ticket, no token."""
    minutes = int(hold.total_seconds() // 60)
    return {"status": "check_email", "hold_minutes": minutes,
            "detail": vocabulary.translate("confirm_check_email_text", "en", minutes=minutes)}


def check_email_page(request: Request, event: Event, lang: str, hold: timedelta) -> Response:
    """The form's answer to every registration for such an event."""
    response = render(request, "confirm.html", lang, c=card(event, lang), sent=True,
                      minutes=int(hold.total_seconds() // 60))
    response.headers.update(PRIVATE)
    return response


def _language(request: Request, r: Registration) -> str:
    asked = request.query_params.get("lang")
    if asked in vocabulary.LANGUAGES:
        return str(asked)
    return r.locale if r.locale in vocabulary.LANGUAGES else vocabulary.DEFAULT_LANGUAGE


async def _page(request: Request, r: Registration, *, status: int = 200,
                expired: bool = False) -> Response:
    lang = _language(request, r)
    event: Event = r.event
    until = ""
    if r.hold_expires_at is not None:
        local = r.hold_expires_at.astimezone(ZoneInfo(event.timezone))
        until = local.strftime("%Y-%m-%d %H:%M")
    token = csrf_token(request)
    response = render(request, "confirm.html", lang, status=status, c=card(event, lang), r=r,
                      sent=False, held=holds.is_held(r) and not expired, expired=expired,
                      until=until, csrf_field=CSRF_FIELD, csrf=token)
    response.headers.update(PRIVATE)
    set_csrf_cookie(response, token, request)
    return response


@html_page("The mailed link of an event that confirms addresses first: a button that "
           "confirms (changes nothing by itself)", errors=(404,))
async def confirm_page(request: Request) -> Response:
    r = await reg.by_token(None, request.path_params["token"])
    expired = r.status == "cancelled" and r.cancelled_by == holds.EXPIRED_BY
    return await _page(request, r, expired=expired)


@form_post("Confirm the address: the held seat becomes the attendee's (idempotent)",
           errors=(403, 404, 409))
async def confirm_submit(request: Request) -> Response:
    r = await reg.by_token(None, request.path_params["token"])
    try:
        confirmed = await holds.confirm(r, now=now())
    except Refused as exc:
        if exc.code != Code.HOLD_EXPIRED:
            raise
        fresh = await reg.by_token(r.id, r.token)
        return await _page(request, fresh, status=409, expired=True)
    lang = _language(request, confirmed)
    return RedirectResponse(f"/tickets/{confirmed.token}?welcome=1&lang={lang}",
                            status_code=303)


routes = [
    Route("/tickets/{token}/confirm", confirm_page, methods=["GET"]),
    Route("/tickets/{token}/confirm", confirm_submit, methods=["POST"]),
]
