"""The organizer console: server-rendered pages under /console/ for logged-in staff."""

from __future__ import annotations

from starlette.routing import BaseRoute

from api.console import attendees, audit_log, auth, dashboard, door, events, mail, orgs

routes: list[BaseRoute] = [*auth.routes, *attendees.routes, *mail.routes, *door.routes,
                           *dashboard.routes, *orgs.routes, *audit_log.routes,
                           *events.routes]
