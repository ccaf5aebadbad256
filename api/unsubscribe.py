"""The List-Unsubscribe link of broadcasts: a page with a button, and one-click POST.

The URL itself is the credential (an HMAC of the registration id), so the POST needs no
CSRF token: RFC 8058 mail clients send it without cookies or a form of ours. A GET only
shows the page (link scanners fetch URLs in mail); unsubscribing takes the POST.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api import i18n
from api.docs import HTML, operation
from api.pages import card, render
from api.requests import now, settings
from events import broadcast, catalogue, mail
from events.errors import NotFound
from events.models import Registration

PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex",
           "Referrer-Policy": "no-referrer"}


async def _registration(request: Request) -> tuple[int, str]:
    try:
        registration_id = int(request.path_params["id"])
        if not 1 <= registration_id <= 2**31 - 1:
            raise ValueError
    except ValueError:
        raise NotFound("No such subscription.") from None
    return registration_id, request.path_params["token"][:100]


async def _page(request: Request, r: Registration, done: bool) -> Response:
    lang = i18n.choose_language(request, r.locale)
    event = await catalogue.get_event(r.event.slug, include_drafts=True)
    response = render(request, "unsubscribe.html", lang, c=card(event, lang),
                      done=done or r.unsubscribed_at is not None, action=request.url.path)
    response.headers.update(PRIVATE)
    return response


@operation("Page asking to stop an event's announcements (changes nothing)", responses={
    "200": {"description": "The page", "content": HTML},
    "404": {"description": "Unknown link", "content": HTML}})
async def unsubscribe_page(request: Request) -> Response:
    registration_id, token = await _registration(request)
    if not mail.check_unsubscribe(settings(request).secret_key, registration_id, token):
        raise NotFound("No such subscription.")
    r = await Registration.get_or_none(id=registration_id).prefetch_related("event")
    if r is None:
        raise NotFound("No such subscription.")
    return await _page(request, r, done=False)


@operation("Stop announcements (RFC 8058 one-click; idempotent)", responses={
    "200": {"description": "Done", "content": HTML},
    "404": {"description": "Unknown link", "content": HTML}})
async def unsubscribe(request: Request) -> Response:
    registration_id, token = await _registration(request)
    r = await broadcast.unsubscribe(registration_id, token, settings(request).secret_key, now())
    return await _page(request, r, done=True)


routes = [
    Route("/unsubscribe/{id}/{token}", unsubscribe_page, methods=["GET"]),
    Route("/unsubscribe/{id}/{token}", unsubscribe, methods=["POST"]),
]
