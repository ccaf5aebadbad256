"""A proof-of-work challenge for the public registration (the ALTCHA scheme, self-hosted).

The server picks a secret number n up to `maxnumber` and hands out
`challenge = sha256(salt + n)` with the salt (which carries its expiry and the event) and
an HMAC of the challenge under a key derived from KAIGI_SECRET_KEY. The browser tries
n = 0, 1, 2, … until the hash matches — on average maxnumber/2 hashes, a second or two
for a person, a real cost for a script registering thousands — and sends back
base64(JSON {algorithm, challenge, number, salt, signature}). The server keeps nothing
until a solution arrives: it checks the signature, the hash, the expiry and the event,
and then refuses the same solution a second time (a counter keyed by the challenge).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from events.errors import FieldError, Invalid
from events.limits import REGISTRATIONS, Limiter

ALGORITHM = "SHA-256"
LIFETIME = timedelta(hours=1)
MODES = ("off", "on", "auto")
FIELD = "challenge"


def _key(secret_key: str) -> bytes:
    # Its own key, so a signature made here is never valid anywhere else.
    return hmac.new(secret_key.encode(), b"kaigi proof-of-work challenge",
                    hashlib.sha256).digest()


def _sign(secret_key: str, challenge: str) -> str:
    return hmac.new(_key(secret_key), challenge.encode(), hashlib.sha256).hexdigest()


def digest(salt: str, number: int) -> str:
    return hashlib.sha256(f"{salt}{number}".encode()).hexdigest()


def issue(secret_key: str, scope: str, now: datetime, maxnumber: int,
          number: int | None = None) -> dict[str, Any]:
    """A new challenge for `scope` (an event's slug), valid for LIFETIME."""
    expires = int((now + LIFETIME).timestamp())
    salt = f"{secrets.token_hex(12)}?expires={expires}&scope={scope}&"
    number = secrets.randbelow(maxnumber + 1) if number is None else number
    challenge = digest(salt, number)
    return {"algorithm": ALGORITHM, "challenge": challenge, "maxnumber": maxnumber,
            "salt": salt, "signature": _sign(secret_key, challenge)}


def solve(challenge: dict[str, Any]) -> str:
    """What a browser does, in Python: the payload to send back (for tests and scripts)."""
    for number in range(int(challenge["maxnumber"]) + 1):
        if digest(challenge["salt"], number) == challenge["challenge"]:
            return payload(challenge, number)
    raise ValueError("no solution up to maxnumber")


def payload(challenge: dict[str, Any], number: int) -> str:
    body = {"algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
            "number": number, "salt": challenge["salt"], "signature": challenge["signature"]}
    return base64.b64encode(json.dumps(body).encode()).decode()


@dataclass(frozen=True)
class Solution:
    challenge: str
    expires_at: datetime


def _failed() -> Invalid:
    return Invalid([FieldError.of(FIELD, "challenge_failed")])


def verify(secret_key: str, text: str, scope: str, now: datetime) -> Solution:
    """The solution, if `text` solves a challenge this site issued for `scope` and it has
    not expired; Invalid (field `challenge`) otherwise. Single use is the caller's part."""
    try:
        body = json.loads(base64.b64decode(text.encode("ascii"), validate=True))
        salt, number = str(body["salt"]), body["number"]
        challenge, signature = str(body["challenge"]), str(body["signature"])
        algorithm = body["algorithm"]
    except (ValueError, UnicodeError, binascii.Error, TypeError, KeyError):
        raise _failed() from None
    if algorithm != ALGORITHM or not isinstance(number, int) or isinstance(number, bool):
        raise _failed()
    if not hmac.compare_digest(_sign(secret_key, challenge), signature):
        raise _failed()
    if not hmac.compare_digest(digest(salt, number), challenge):
        raise _failed()
    params = parse_qs(salt.partition("?")[2])
    try:
        expires_at = datetime.fromtimestamp(int(params["expires"][0]), UTC)
    except (KeyError, ValueError, OverflowError):
        raise _failed() from None
    if expires_at <= now or params.get("scope") != [scope]:
        raise _failed()
    return Solution(challenge, expires_at)


async def required(mode: str, limiter: Limiter, subject: str, now: datetime) -> bool:
    """Whether a registration of `subject` (event and client) must bring a solution."""
    if mode == "on":
        return True
    return mode == "auto" and await limiter.near(REGISTRATIONS, subject, now)


async def redeem(text: str | None, *, secret_key: str, scope: str, limiter: Limiter,
                 now: datetime) -> None:
    """Accept a solution once; Invalid naming the `challenge` field otherwise."""
    if not text:
        raise Invalid([FieldError.of(FIELD, "challenge_required")])
    solution = verify(secret_key, text, scope, now)
    if not await limiter.once(f"challenge:{solution.challenge}", solution.expires_at, now):
        raise _failed()
