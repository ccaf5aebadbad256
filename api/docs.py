"""OpenAPI operations declared beside their handlers: `@operation(...)` marks an endpoint.

`api.openapi` walks the app's routes and collects what these decorators attached, the way
Starlette's `SchemaGenerator` walks routes for docstrings. Request bodies name pydantic
models (`events.inputs`), responses name response models (`api.schemas`); both become
components of the document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from api.security import CSRF_FIELD

E = TypeVar("E", bound=Callable[..., Any])
HTML = {"text/html": {"schema": {"type": "string"}}}
PLAIN = {"text/plain": {"schema": {"type": "string"}}}
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def operation(summary: str, *, description: str = "", body: type[BaseModel] | None = None,
              parameters: Iterable[dict[str, Any]] = (), responses: dict[str, Any],
              secured: bool = False, **extra: Any) -> Callable[[E], E]:
    """Attach one OpenAPI operation to an endpoint; path parameters are added from the path."""
    op: dict[str, Any] = {"summary": summary}
    if description:
        op["description"] = description
    if secured:
        op["security"] = SECURED
    if parameters:
        op["parameters"] = list(parameters)
    if body is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": ref(body.__name__)}}}
        op["x-body-model"] = body
        responses = {**problems(413, 415), **responses}  # api.security, api.requests
    if secured:
        responses = {**problems(401, 403), **responses}
    op["responses"] = responses
    op.update(extra)

    def mark(endpoint: E) -> E:
        endpoint.openapi = op  # type: ignore[attr-defined]
        return endpoint

    return mark


# ---- the pieces operations are made of ---------------------------------------------------

def ok(schema: str, status: int = 200, description: str = "OK") -> dict[str, Any]:
    return {str(status): {"description": description,
                          "content": {"application/json": {"schema": ref(schema)}}}}


def items(schema: str) -> dict[str, Any]:
    """A 200 answer `{"items": [...]}` without paging."""
    return {"200": {"description": "OK", "content": {"application/json": {"schema": {
        "type": "object", "required": ["items"],
        "properties": {"items": {"type": "array", "items": ref(schema)}}}}}}}


def problems(*statuses: int) -> dict[str, Any]:
    return {str(s): {"description": "Problem", "content": {
        "application/problem+json": {"schema": ref("Problem")}}} for s in statuses}


def query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


PAGE_LIMIT = query("limit", "page size, 1-500 (default 50)", type="integer", minimum=1,
                   maximum=500)
CURSOR = query("cursor", "next_cursor from the previous page")
TOKEN = {"name": "token", "in": "query", "required": True,
         "description": "the secret token from the ticket link", "schema": {"type": "string"}}
LANG = query("lang", "language of the texts", enum=["ja", "en"])


def html_page(summary: str, *parameters: dict[str, Any],
              errors: tuple[int, ...] = ()) -> Callable[[E], E]:
    """A public page: HTML in Japanese or English, errors as HTML pages too."""
    return operation(summary, parameters=[*parameters, query(
        "lang", "page language (default: Accept-Language, then the site's)")], responses={
        "200": {"description": "The page", "content": HTML},
        **{str(s): {"description": "Error page", "content": HTML} for s in errors}})


def form_post(summary: str, *, fields: tuple[str, ...] = (),
              errors: tuple[int, ...] = ()) -> Callable[[E], E]:
    """A browser form: urlencoded fields with the CSRF token; success redirects (303)."""
    schema = {"type": "object", "properties": {f: {"type": "string"}
                                               for f in (CSRF_FIELD, *fields)}}
    return operation(summary, requestBody={"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": schema}}}, responses={
        "303": {"description": "Done: on to the next page",
                "headers": {"Location": {"schema": {"type": "string"}}}},
        **{str(s): {"description": "The form again, or an error page", "content": HTML}
           for s in errors}})


def file(summary: str, media_type: str, *, errors: dict[str, Any] | None = None,
         **extra: Any) -> Callable[[E], E]:
    """A GET answered with a file (QR code, script, CSV)."""
    return operation(summary, responses={
        "200": {"description": summary, "content": {media_type: {"schema": {"type": "string"}}}},
        **(errors or {})}, **extra)


def calendar_feed(summary: str, *parameters: dict[str, Any]) -> Callable[[E], E]:
    """A public iCalendar feed: text/calendar, conditional GET, short text errors."""
    return operation(
        summary,
        description="One VEVENT per session; UIDs never change and SEQUENCE follows the "
                    "event's revision. Supports If-None-Match and If-Modified-Since.",
        parameters=[*parameters,
                    query("lang", "language of the texts (default: the site's)",
                          enum=["ja", "en"]),
                    query("format", "only sessions in_person, hybrid or online "
                                    "(comma-separated)")],
        responses={
            "200": {"description": "The calendar",
                    "headers": {"ETag": {"schema": {"type": "string"}},
                                "Last-Modified": {"schema": {"type": "string"}},
                                "Cache-Control": {"schema": {"type": "string"}}},
                    "content": {"text/calendar": {"schema": {"type": "string"}}}},
            "304": {"description": "Not modified since the client's copy"},
            "404": {"description": "No such organization, series or event", "content": PLAIN},
            "422": {"description": "A filter is invalid", "content": PLAIN},
        })


LOGIN_REDIRECT = {"303": {"description": "Not logged in: to /console/login?next=…",
                          "headers": {"Location": {"schema": {"type": "string"}}}}}


def console_page(summary: str, *parameters: dict[str, Any],
                 errors: tuple[int, ...] = (404,)) -> Callable[[E], E]:
    """A console page: HTML for a logged-in user, else a 303 to the login page."""
    return operation(summary, parameters=[*parameters, query(
        "lang", "page language (default: the user's)")], responses={
        "200": {"description": "The page", "content": HTML}, **LOGIN_REDIRECT,
        **{str(s): {"description": "Error page", "content": HTML} for s in errors}})


def console_form(summary: str, *, fields: tuple[str, ...] = (),
                 errors: tuple[int, ...] = (403, 404, 409, 422)) -> Callable[[E], E]:
    """A console form: 303 on success (or to the login page), the form again on errors."""
    return form_post(summary, fields=fields, errors=errors)
