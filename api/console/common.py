"""What every console page shares: who is logged in, their rights, rendering, redirects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.limits import client as client_address
from api.pages import render
from api.requests import now
from api.security import CSRF_FIELD, csrf_token, set_csrf_cookie
from events import accounts, catalogue
from events.access import Actor
from events.errors import NotFound
from events.models import ConsoleSession, Event, User
from events.vocabulary import LANGUAGES

SESSION_COOKIE = "kaigi_console"
Handler = Callable[["Console"], Awaitable[Response]]


class Redirect(Exception):
    """Answer 303 to `url`: raised where a page cannot go on (e.g. not logged in)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


async def redirect_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Redirect)
    return RedirectResponse(exc.url, status_code=303)


def safe_next(value: str | None) -> str:
    """Only a local path: never another site, never a scheme-relative `//host`."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/console/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(c in value for c in "\r\n\t\x00"):
        return "/console/"
    return value


def actor_of(user: User) -> Actor:
    return Actor(role=user.role, organization_id=user.organization_id, user_id=user.id,
                 label=user.email)


def language(request: Request, user: User | None) -> str:
    """`?lang=` wins, then the user's own choice, then the browser's."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    if user is not None:
        return user.locale
    from api.pages import page_language

    return page_language(request)


@dataclass
class Console:
    """One console request: the logged-in user, what they may do, and the page language."""

    request: Request
    user: User
    session: ConsoleSession
    actor: Actor
    lang: str
    now: datetime

    @property
    def client(self) -> str:
        return client_address(self.request)

    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        token = csrf_token(self.request)
        response = render(self.request, template, self.lang, status=status, me=self.user,
                          actor=self.actor, csrf_field=CSRF_FIELD, csrf=token,
                          path=self.request.url.path, **context)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        set_csrf_cookie(response, token, self.request)
        return response

    def back(self, url: str, notice: str = "") -> RedirectResponse:
        """303 after a successful form, with a notice key for the next page."""
        if notice:
            url += ("&" if "?" in url else "?") + f"notice={quote(notice)}"
        return RedirectResponse(url, status_code=303)

    async def event(self, slug: str, *, need: str = "view") -> Event:
        """An event this user may see (`view`), see the registrants of, or `manage`;
        anything else is answered as if it did not exist."""
        event = await catalogue.get_event(slug, include_drafts=True)
        allowed = {"view": self.actor.can_view, "registrants": self.actor.can_see_registrants,
                   "manage": self.actor.can_manage}[need](event)
        if not allowed:
            raise NotFound(f"No event {slug!r}.")
        return event


async def current(request: Request) -> Console:
    """The logged-in console user, or a 303 to the login page that comes back here."""
    raw = request.cookies.get(SESSION_COOKIE, "")
    moment = now()
    found = await accounts.session_user(raw, moment) if raw else None
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise Redirect(f"/console/login?next={quote(target, safe='/')}")
    session, user = found
    if not request.url.path.startswith("/console/account") and await accounts.must_set_up_totp(
            user):
        raise Redirect("/console/account?notice=totp_required")
    return Console(request, user, session, actor_of(user), language(request, user), moment)


def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A console endpoint: the handler gets the logged-in `Console`."""

    async def endpoint(request: Request) -> Response:
        return await handler(await current(request))

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


def set_session_cookie(response: Response, raw: str, request: Request) -> None:
    settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="lax", path="/console",
                        secure=not settings.dev,
                        max_age=int(accounts.ABSOLUTE_TIMEOUT.total_seconds()))


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/console", httponly=True, samesite="lax",
                           secure=not request.app.state.settings.dev)
