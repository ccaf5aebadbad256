"""The bare Starlette ceiling: constant answers, no database, no middleware.

Served by uvicorn exactly like kaigi (see harness.uvicorn_command). The routes come from
the environment, as JSON written by harness.serve_bare: a list of harness.Answer fields.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

ROUTES_VARIABLE = "BENCH_BARE_ROUTES"


def endpoint(spec: dict[str, Any]) -> Callable[[Request], Awaitable[Response]]:
    status, headers, read_body = spec["status"], spec["headers"] or None, spec["read_body"]
    if spec["json"] is not None:
        payload = spec["json"]

        async def answer_json(request: Request) -> Response:
            if read_body:
                await request.body()
            return JSONResponse(payload, status_code=status, headers=headers)

        return answer_json
    body = Path(spec["file"]).read_bytes() if spec["file"] else b""
    media_type = spec["media_type"]

    async def answer(request: Request) -> Response:
        if read_body:
            await request.body()
        return Response(body, status_code=status, media_type=media_type, headers=headers)

    return answer


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


def create(specs: list[dict[str, Any]]) -> Starlette:
    routes = [Route(s["path"], endpoint(s), methods=s["methods"]) for s in specs]
    if not any(s["path"] == "/healthz" for s in specs):
        routes.append(Route("/healthz", healthz))
    return Starlette(routes=routes)


app = create(json.loads(os.environ.get(ROUTES_VARIABLE, "[]")))
