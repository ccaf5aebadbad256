"""Idempotency-Key: a retried POST gets the first answer instead of being done twice.

The first request with a key reserves it (a row with status 0) before any work, so two
copies racing each other cannot both register; when it succeeds its answer is stored and
every retry with the same key and the same body gets that answer for 24 hours. The same
key with another body is refused (`idempotency_key_reused`): a client bug, never a
retry. A failed request frees its key, so the retry is tried again for real.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from events.errors import Code, FieldError, Invalid, Refused
from events.models import IdempotentReply

LIFETIME = timedelta(hours=24)
# A reservation older than this belongs to a request that died (a killed worker).
ABANDONED_AFTER = timedelta(minutes=2)
KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, as in the IETF draft's examples
HEADER = "Idempotency-Key"
PENDING = 0


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]


def fingerprint(data: Any) -> str:
    """SHA-256 of the body as JSON with sorted keys: the same request however it is spaced."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _full_key(scope: str, key: str) -> str:
    if not KEY_RE.match(key):
        raise Invalid([FieldError.of(HEADER, "idempotency_key")])
    return f"{scope}:{key}"


async def begin(scope: str, key: str, data: Any, now: datetime) -> Reply | None:
    """The stored answer for a retry, or None after reserving the key for this request."""
    full, print_ = _full_key(scope, key), fingerprint(data)
    for _ in range(3):
        found = await IdempotentReply.get_or_none(key=full)
        if found is not None and _stale(found, now):
            await IdempotentReply.filter(id=found.id).delete()
            found = None
        if found is None:
            try:
                await IdempotentReply.create(key=full, fingerprint=print_, status=PENDING,
                                             body={}, created_at=now)
            except IntegrityError:
                continue  # another copy reserved it a moment ago: read what it holds
            return None
        if found.fingerprint != print_:
            raise Refused(Code.IDEMPOTENCY_KEY_REUSED,
                          f"This {HEADER} was used with a different body; a new request "
                          "needs a new key.")
        if found.status == PENDING:
            raise Refused(Code.IDEMPOTENCY_KEY_IN_USE,
                          f"A request with this {HEADER} is still being answered.",
                          retry_after=1)
        return Reply(found.status, found.body)
    raise Refused(Code.IDEMPOTENCY_KEY_IN_USE,
                  f"A request with this {HEADER} is still being answered.", retry_after=1)


def _stale(reply: IdempotentReply, now: datetime) -> bool:
    age = now - reply.created_at
    return age >= LIFETIME or (reply.status == PENDING and age >= ABANDONED_AFTER)


async def finish(scope: str, key: str, status: int, body: dict[str, Any]) -> None:
    """Keep the answer for the retries."""
    await IdempotentReply.filter(key=_full_key(scope, key)).update(status=status, body=body)


async def abandon(scope: str, key: str) -> None:
    """The request failed: free the key, so a retry is done for real."""
    await IdempotentReply.filter(key=_full_key(scope, key), status=PENDING).delete()


async def forget_expired(now: datetime) -> int:
    """Delete the answers older than LIFETIME; how many went."""
    return await IdempotentReply.filter(created_at__lte=now - LIFETIME).delete()
