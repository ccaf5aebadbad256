"""The ASGI application: routes, lifespan and error handling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from api import (
    attendee,
    confirm,
    console,
    errors,
    feeds,
    limits,
    openapi,
    pages,
    privacy,
    scanner,
    static,
    ticket_link,
    unsubscribe,
)
from api.console.common import Redirect, redirect_handler
from api.docs import ok, operation, ref
from api.security import (
    AllowedHostsMiddleware,
    BoundedBodyMiddleware,
    CSRFMiddleware,
    SecurityHeadersMiddleware,
)
from api.v1 import audit as v1_audit
from api.v1 import catalogue as v1_catalogue
from api.v1 import checkins as v1_checkins
from api.v1 import messages as v1_messages
from api.v1 import registrations as v1_registrations
from events import db, tickets
from events.config import Settings
from events.errors import DomainError
from events.registration import RecentEvents


@operation("Health check (database included)", responses={**ok("Health"), "503": {
    "description": "Database unavailable",
    "content": {"application/json": {"schema": ref("Health")}}}})
async def healthz(request: Request) -> Response:
    try:
        await db.ping()
    except Exception as exc:  # the point is to report any database failure
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__},
                            status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def create_app(settings: Settings, *, manage_db: bool = True) -> Starlette:
    """Build the app. `manage_db=False` when the caller has opened the ORM already (tests)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            async with db.connected(settings):
                yield
                await limits.close(app)
        else:
            yield
            await limits.close(app)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/api/openapi.json", openapi.endpoint, methods=["GET"]),
        *ticket_link.routes,  # before the /api/v1 mount: one of them is under it
        Mount("/api/v1", routes=v1_catalogue.routes + v1_registrations.routes
              + v1_checkins.routes + v1_messages.routes + v1_audit.routes),
        Mount("/static", static.files(), name="static"),
        *console.routes,
        *attendee.routes,
        *privacy.routes,
        *unsubscribe.routes,
        *confirm.routes,
        *scanner.routes,
        *feeds.routes,
        *pages.routes,
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        # Outermost first: every answer gets the headers; a wrong host or a body too large
        # is refused before the CSRF check reads a form.
        middleware=[Middleware(SecurityHeadersMiddleware), Middleware(AllowedHostsMiddleware),
                    Middleware(BoundedBodyMiddleware), Middleware(CSRFMiddleware)],
        exception_handlers={
            Redirect: redirect_handler,
            DomainError: errors.domain_error,
            HTTPException: errors.http_error,
            Exception: errors.server_error,
        },
    )
    app.state.settings = settings
    app.state.ticket_key = tickets.private_key(settings.secret_key, settings.ticket_key)
    app.state.templates = pages.make_templates(settings)
    app.state.recent_events = RecentEvents()
    return app
