"""The attendee's data: a copy of everything kept (JSON) and erasure, from the API (proven
by the ticket's token) and from the ticket page (a confirmation, then a form POST)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api import representations as rep
from api.docs import TOKEN, form_post, html_page, ok, operation, problems
from api.limits import client as client_address
from api.pages import card, render
from api.requests import now, settings
from api.security import CSRF_FIELD, csrf_token, set_csrf_cookie
from events import catalogue, privacy, tickets, vocabulary
from events import registration as reg
from events.errors import FieldError, Invalid, NotFound
from events.models import Registration

# Imported by the API's routes, so nothing from the pages' modules (they import those).
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
PRIVATE = {**NO_STORE, "Referrer-Policy": "no-referrer"}


def ticket_language(request: Request, registration: Registration) -> str:
    """The registrant's language, unless the page was asked for in the other one."""
    asked = request.query_params.get("lang")
    if asked in vocabulary.LANGUAGES:
        return str(asked)
    return registration.locale if registration.locale in vocabulary.LANGUAGES else (
        vocabulary.DEFAULT_LANGUAGE)


async def _mine(request: Request) -> Registration:
    token = request.query_params.get("token", "")
    if not token:
        raise Invalid([FieldError.of("token", "token_required")])
    try:
        registration_id = int(request.path_params["id"])
    except ValueError:
        raise NotFound("No such registration.") from None
    return await reg.by_token(registration_id, token)


@operation("Everything kept about the attendee's registration (JSON); audited",
           parameters=[TOKEN], responses={**ok("DataExport"), **problems(404, 422)})
async def export_registration(request: Request) -> JSONResponse:
    registration = await _mine(request)
    config = settings(request)
    body = await privacy.export(registration, now=now(), base_url=config.base_url,
                                default_days=config.retention_days,
                                client=client_address(request))
    return JSONResponse(body, headers={
        **NO_STORE, "Content-Disposition":
            f'attachment; filename="registration-{registration.id}.json"'})


@operation("Erase the attendee's personal data: before the event the registration is "
           "cancelled first and its seat goes to the waiting list; audited",
           parameters=[TOKEN], responses={**ok("Registration"), **problems(404, 422)})
async def erase_registration(request: Request) -> JSONResponse:
    registration = await _mine(request)
    config = settings(request)
    erased = await privacy.erase(registration, now=now(), outbox=privacy.outbox_dir(config),
                                 client=client_address(request))
    code = tickets.sign(request.app.state.ticket_key, erased.event_id, erased.id)
    return JSONResponse(rep.registration(erased, config.base_url, code, None, personal=True),
                        headers=NO_STORE)


@html_page("Confirm erasing the attendee's data", errors=(404,))
async def erase_page(request: Request) -> Response:
    registration = await reg.by_token(None, request.path_params["token"])
    lang = ticket_language(request, registration)
    event = await catalogue.get_event(registration.event.slug, include_drafts=True)
    token = csrf_token(request)
    response = render(request, "erase.html", lang, r=registration, c=card(event, lang),
                      upcoming=event.ends_at is None or event.ends_at > now(),
                      csrf_field=CSRF_FIELD, csrf=token)
    response.headers.update(PRIVATE)
    set_csrf_cookie(response, token, request)
    return response


@form_post("Erase the attendee's data from the ticket page", errors=(403, 404))
async def erase_submit(request: Request) -> Response:
    registration = await reg.by_token(None, request.path_params["token"])
    await privacy.erase(registration, now=now(), outbox=privacy.outbox_dir(settings(request)),
                        client=client_address(request))
    lang = request.query_params.get("lang")
    suffix = f"?lang={lang}" if lang in vocabulary.LANGUAGES else ""
    return RedirectResponse(f"/tickets/{registration.token}{suffix}", status_code=303)


api_routes = [
    Route("/registrations/{id}/export", export_registration, methods=["GET"]),
    Route("/registrations/{id}/erase", erase_registration, methods=["POST"]),
]
routes = [
    Route("/tickets/{token}/erase", erase_page, methods=["GET"]),
    Route("/tickets/{token}/erase", erase_submit, methods=["POST"]),
]
