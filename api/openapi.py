"""The OpenAPI 3.1 document, assembled: operations from the routes, schemas from the models."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from api import schemas
from api.docs import operation
from events import inputs
from events.errors import CODES

# Path parameters, by name: `{slug}` is described after what the path is about.
SLUG_OF = (("/organizations/", "organization"), ("/orgs/", "organization"),
           ("/series/", "series"))
INTEGER_ID = {"type": "integer", "minimum": 1, "maximum": inputs.MAX_ID}


def operations(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str, Route]]:
    """(OpenAPI path, method, route) for every route, mounts included, static files left out."""
    for route in routes:
        if isinstance(route, Mount):
            if route.name != "static":
                yield from operations(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            # Starlette's "{id:int}" is OpenAPI's "{id}".
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", prefix + route.path)
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield path, method.lower(), route


def path_parameters(path: str) -> list[dict[str, Any]]:
    found = []
    for name in re.findall(r"\{(\w+)\}", path):
        if name == "slug":
            what = next((w for marker, w in SLUG_OF if marker in path), "event")
            found.append({"name": "slug", "in": "path", "required": True,
                          "description": f"{what} slug", "schema": {"type": "string"}})
        elif name == "id":
            found.append({"name": "id", "in": "path", "required": True,
                          "schema": INTEGER_ID})
        else:
            found.append({"name": name, "in": "path", "required": True,
                          "description": "the secret token from the link",
                          "schema": {"type": "string"}})
    return found


def paths(routes: list[BaseRoute]) -> tuple[dict[str, Any], list[type[BaseModel]]]:
    """Every documented operation; a route without `@operation` is a programming error."""
    out: dict[str, dict[str, Any]] = {}
    bodies: list[type[BaseModel]] = []
    for path, method, route in operations(routes):
        declared = getattr(route.endpoint, "openapi", None)
        if declared is None:
            raise LookupError(f"{method.upper()} {path} has no @operation")
        op = dict(declared)
        if (model := op.pop("x-body-model", None)) is not None:
            bodies.append(model)
        params = path_parameters(path)
        op["parameters"] = params + [p for p in op.get("parameters", ())
                                     if p["name"] not in {q["name"] for q in params}]
        if not op["parameters"]:
            del op["parameters"]
        out.setdefault(path, {})[method] = op
    return out, bodies


def problem_codes() -> dict[str, Any]:
    """Every stable `code`, with its HTTP status and meaning."""
    return {"type": "string", "enum": [code.value for code in CODES],
            "description": "Stable, for clients to branch on:\n" + "\n".join(
                f"- `{code.value}` ({status}): {meaning}"
                for code, (status, meaning) in CODES.items())}


def document(routes: list[BaseRoute]) -> dict[str, Any]:
    path_items, bodies = paths(routes)
    components = schemas.json_schemas(schemas.MODELS, "serialization")
    components |= schemas.json_schemas((*inputs.MODELS, *bodies), "validation")
    components["Problem"]["properties"]["code"] = problem_codes()
    return {
        "openapi": "3.1.0",
        "info": {"title": "kaigi API", "version": "1",
                 "description": "Events, sessions, partners, registrations, check-in and "
                                "mail. Errors are RFC 9457 problem+json with a stable "
                                "`code`; invalid input lists every problem in `errors`."},
        "paths": path_items,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "kaigi API key"}},
        },
    }


@operation("This document", responses={"200": {
    "description": "OpenAPI document",
    "content": {"application/json": {"schema": {"type": "object"}}}}})
async def endpoint(request: Request) -> JSONResponse:
    app = request.app
    if getattr(app.state, "openapi", None) is None:
        app.state.openapi = document(app.routes)
    return JSONResponse(app.state.openapi)

