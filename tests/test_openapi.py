"""GET /api/openapi.json: a valid OpenAPI 3.1 document that describes every route."""

from __future__ import annotations

import re
from collections.abc import Iterator

from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from starlette.routing import BaseRoute, Mount, Route

from api.app import create_app

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def app_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(OpenAPI path, method) for every route, mounts included, static files left out."""
    for route in routes:
        if isinstance(route, Mount):
            if route.name != "static":
                yield from app_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            # Starlette's "{id:int}" is OpenAPI's "{id}".
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", prefix + route.path)
            for method in route.methods or ():
                if method != "HEAD":
                    yield path, method.lower()


async def openapi_document(client) -> dict:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    return response.json()


async def test_the_document_is_valid_openapi_3_1(client):
    document = await openapi_document(client)
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)


async def test_every_route_is_documented(client, settings):
    document = await openapi_document(client)
    routes = set(app_routes(create_app(settings, manage_db=False).routes))
    assert ("/api/v1/events", "post") in routes, "the walk found the mounted API"
    assert not any(path.startswith("/static") for path, _ in routes)
    missing = sorted(f"{method.upper()} {path}" for path, method in routes
                     if method not in document["paths"].get(path, {}))
    assert not missing, f"routes missing from /api/openapi.json: {missing}"


async def test_nothing_documented_is_missing_from_the_app(client, settings):
    document = await openapi_document(client)
    routes = set(app_routes(create_app(settings, manage_db=False).routes))
    documented = {(path, method) for path, item in document["paths"].items()
                  for method in item if method in METHODS}
    assert not sorted(documented - routes), "documented but not served"


async def test_every_operation_documents_its_answers(client):
    document = await openapi_document(client)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            name = f"{method.upper()} {path}"
            assert operation.get("summary"), name
            statuses = set(operation["responses"])
            assert statuses & {"200", "201", "303"}, f"{name}: document how it succeeds"
            if operation.get("security"):
                assert {"401", "403"} <= statuses, f"{name} takes a key: document 401 and 403"
            if path.startswith("/api/v1/"):
                for status, answer in operation["responses"].items():
                    if status.startswith(("4", "5")):
                        assert "application/problem+json" in answer["content"], (name, status)


async def test_every_stable_error_code_is_listed(client):
    from events.errors import CODES, Code

    document = await openapi_document(client)
    code = document["components"]["schemas"]["Problem"]["properties"]["code"]
    assert set(code["enum"]) == {c.value for c in Code} == {c.value for c in CODES}
    for value in code["enum"]:
        assert f"`{value}`" in code["description"]


async def test_request_bodies_are_the_input_models(client):
    from events import inputs

    document = await openapi_document(client)
    schemas = document["components"]["schemas"]
    for model in inputs.MODELS:
        assert schemas[model.__name__]["additionalProperties"] is False, model.__name__
    bodies = {op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/")[-1]
              for item in document["paths"].values() for op in item.values()
              if isinstance(op, dict) and "application/json" in op.get(
                  "requestBody", {}).get("content", {})}
    assert bodies == {"EventIn", "EventPatch", "OrganizationIn", "SeriesIn", "RegistrationIn",
                      "AttendanceIn", "ScanIn", "BroadcastIn", "TicketLinkIn"}


def test_a_route_without_an_operation_is_refused():
    import pytest
    from starlette.routing import Route

    from api.openapi import document

    async def undocumented(request):  # pragma: no cover - never called
        raise AssertionError

    with pytest.raises(LookupError, match="GET /nowhere"):
        document([Route("/nowhere", undocumented, methods=["GET"])])
