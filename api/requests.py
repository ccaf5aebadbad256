"""Reading what a client sent: the API key and a JSON body."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from events.access import ANONYMOUS, Actor, authenticate
from events.config import Settings
from events.errors import FieldError, Invalid, Unauthenticated

MAX_BODY = 1_000_000


async def actor(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    if not header:
        return ANONYMOUS
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthenticated("Use Authorization: Bearer <key>.")
    return await authenticate(raw.strip(), now())


async def json_body(request: Request) -> Any:
    content_type = request.headers.get("content-type", "")
    if content_type and "json" not in content_type.split(";")[0]:
        raise Invalid([FieldError.of("body", "json_media_type")])
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Invalid([FieldError.of("body", "body_too_large", max=MAX_BODY)])
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise Invalid([FieldError.of("body", "json")]) from None


def now() -> datetime:
    return datetime.now(UTC)


def settings(request: Request) -> Settings:
    configured: Settings = request.app.state.settings
    return configured
