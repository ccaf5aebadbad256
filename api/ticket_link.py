""""Lost your ticket link?": an address registered for an event gets its link by mail.

The answer never tells whether the address is registered: the same redirect, page or JSON
whatever it is, given before the registrations are looked at — the lookup (and the mail
it may queue, at most once an hour per registration) runs as a background task after the
answer, so the answer's timing says nothing either.
"""

from __future__ import annotations

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api import limits
from api.docs import form_post, html_page, ok, operation, problems, query
from api.pages import page_language, render
from api.requests import json_body, now
from api.security import CSRF_FIELD, csrf_token, set_csrf_cookie
from events import catalogue, vocabulary
from events import registration as reg
from events.errors import Invalid
from events.inputs import TicketLinkIn
from events.models import Event

# The JSON answer, registered or not.
ANSWER = ("If this address is registered for the event, its ticket link has been mailed "
          "to it (at most once an hour).")
PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


def _page(request: Request, event: Event, lang: str, *, sent: bool = False, email: str = "",
          error: str = "", refusal: str = "", status: int = 200) -> Response:
    token = csrf_token(request)
    response = render(request, "ticket_link.html", lang, status=status, event=event,
                      title=vocabulary.pick(event.title_ja, event.title_en, lang), sent=sent,
                      refusal=refusal, lost_link_email=email, lost_link_error=error,
                      csrf=token, csrf_field=CSRF_FIELD)
    response.headers.update(PRIVATE)
    set_csrf_cookie(response, token, request)
    return response


def _mail_later(event: Event, address: str) -> BackgroundTask:
    return BackgroundTask(reg.send_ticket_link, event, address, now=now())


@html_page("Lost your ticket link? The form (sent=1: what happens next)",
           query("sent", "1 after the form was sent"), errors=(404,))
async def ticket_link_form(request: Request) -> Response:
    lang = page_language(request)
    event = await catalogue.get_event(request.path_params["slug"])
    return _page(request, event, lang, sent=request.query_params.get("sent") == "1")


@form_post("Lost your ticket link? Mailed to the address if it is registered; the same "
           "answer either way", fields=("email",), errors=(403, 404, 422, 429))
async def ticket_link_submit(request: Request) -> Response:
    lang = page_language(request)
    event = await catalogue.get_event(request.path_params["slug"])
    form = await request.form()
    email = str(form.get("email") or "")[:300]
    if request.state.csrf_failed:  # e.g. from the event page, without a token yet
        return _page(request, event, lang, email=email, refusal="lost_link_confirm",
                     status=403)
    # Counted before anything is looked up: a refusal says nothing about the address.
    await limits.take_ticket_link(request, event)
    try:
        address = reg.ticket_link_address({"email": email})
    except Invalid as exc:
        return _page(request, event, lang, email=email, error=exc.errors[0].text(lang),
                     status=422)
    return RedirectResponse(f"/events/{event.slug}/ticket-link?sent=1&lang={lang}",
                            status_code=303, background=_mail_later(event, address))


@operation("Lost your ticket link? Mailed to the address if it is registered (public); "
           "the same answer either way", body=TicketLinkIn,
           responses={**ok("TicketLinkAnswer"), **problems(404, 422, 429)})
async def ticket_link_api(request: Request) -> JSONResponse:
    event = await catalogue.get_event(request.path_params["slug"])
    await limits.take_ticket_link(request, event)
    address = reg.ticket_link_address(await json_body(request))
    return JSONResponse({"detail": ANSWER}, headers=PRIVATE,
                        background=_mail_later(event, address))


# Before the /api/v1 mount, which would otherwise take the JSON path.
routes = [
    Route("/api/v1/events/{slug}/ticket-link", ticket_link_api, methods=["POST"]),
    Route("/events/{slug}/ticket-link", ticket_link_form, methods=["GET"]),
    Route("/events/{slug}/ticket-link", ticket_link_submit, methods=["POST"]),
]
