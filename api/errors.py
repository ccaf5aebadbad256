"""One place turns every error into a response: problem+json for the API, a page otherwise."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

from api.access_log import mask_tokens
from events.errors import DomainError, Invalid, status_of

log = logging.getLogger("kaigi")

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


PROBLEM_FIELDS = {"type", "title", "status", "detail", "code", "errors"}


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def problem(status: int, detail: str, *, code: str | None = None,
            errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": f"urn:kaigi:problem:{code}" if code else "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


def status_for(exc: DomainError) -> int:
    return status_of(exc.code)


def wants_html(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or wants_text(request) or path == "/healthz")


def wants_text(request: Request) -> bool:
    """Calendar clients show a plain-text error best."""
    return request.url.path.startswith("/feeds/") or request.url.path.endswith(".ics")


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> set[str]:
    """Every method any route answers at this path (one path may have a route per method)."""
    methods: set[str] = set()
    for route in routes:
        match, child_scope = route.matches(scope)
        if match == Match.NONE:
            continue
        if isinstance(route, Mount):
            methods |= allowed_methods(route.routes, {**scope, **child_scope})
        elif isinstance(route, Route) and route.methods:
            methods |= route.methods
    return methods


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(retry := exc.extra.get("retry_after"), int):  # 429 and 503 say when
        headers = {"Retry-After": str(retry)}
    if wants_html(request):
        page = await error_page(request, status, exc.message)
        page.headers.update(headers or {})
        return page
    if wants_text(request):
        text = ("; ".join(f"{e.field}: {e.message}" for e in exc.errors)
                if isinstance(exc, Invalid) else exc.message)
        return Response(f"{text}\n", status_code=status, media_type="text/plain",
                        headers=headers)
    errors = [e.as_dict() for e in exc.errors] if isinstance(exc, Invalid) else None
    extra = {k: v for k, v in exc.extra.items()
             if isinstance(v, str | int | float | None) and k not in PROBLEM_FIELDS}
    return problem(status, exc.message, code=exc.code, errors=errors, headers=headers, **extra)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Routing has rewritten the scope's root_path: match again from the top.
        scope = {**request.scope, "root_path": request.scope.get("app_root_path", "")}
        headers["Allow"] = ", ".join(sorted(allowed_methods(request.app.routes, scope)))
    if wants_html(request):
        page = await error_page(request, exc.status_code, exc.detail)
        page.headers.update(headers)
        return page
    if wants_text(request):
        return Response(f"{exc.detail}\n", status_code=exc.status_code,
                        media_type="text/plain", headers=headers)
    return problem(exc.status_code, exc.detail, headers=headers)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, mask_tokens(request.url.path),
                  exc_info=exc)
    if wants_html(request):
        return await error_page(request, 500, "Something went wrong on our side.")
    return problem(500, "Something went wrong on our side; it has been logged.")


async def error_page(request: Request, status: int, message: str) -> Response:
    from api.pages import render_error

    return render_error(request, status, message)
