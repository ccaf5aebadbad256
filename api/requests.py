"""Reading what a client sent: the API key and a JSON body."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from events.access import ANONYMOUS, Actor, authenticate
from events.config import Settings
from events.errors import Code, FieldError, Invalid, Refused, Unauthenticated


async def actor(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    if not header:
        return ANONYMOUS
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthenticated("Use Authorization: Bearer <key>.")
    return await authenticate(raw.strip(), now())


def is_json(content_type: str) -> bool:
    """`application/json`, with at most a UTF-8 charset (RFC 8259 JSON is UTF-8)."""
    media_type, *params = (p.strip().lower() for p in content_type.split(";"))
    if media_type != "application/json":
        return False
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            return False
    return True


async def json_body(request: Request) -> Any:
    """The body as JSON (its size is bounded before it is read: api.security); sent as
    anything else, or without a Content-Type, it is 415 (no body at all: 422)."""
    content_type = request.headers.get("content-type")
    raw = await request.body()
    if not is_json(content_type or "") and (raw or content_type is not None):
        raise Refused(Code.UNSUPPORTED_MEDIA_TYPE,
                      "Send the body as JSON, with Content-Type: application/json.")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise Invalid([FieldError.of("body", "json")]) from None


def now() -> datetime:
    return datetime.now(UTC)


def settings(request: Request) -> Settings:
    configured: Settings = request.app.state.settings
    return configured
