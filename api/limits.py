"""Rate limits and the proof-of-work challenge at the HTTP edge (rules in events.limits).

Who a client is comes from here: the peer's address, or the X-Forwarded-For address a
trusted proxy vouches for. Handlers call `take_*` before doing the work; a refusal is
`events.limits.RateLimited`, which the error handler answers as 429 problem+json (or an
HTML page) with Retry-After.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request

from api.requests import now, settings
from events import challenge
from events.limits import LOOKUPS, REGISTRATIONS, TICKET_LINKS, Limiter, RateLimited
from events.limits import client_address as resolve_client
from events.models import Event

__all__ = ["RateLimited", "client", "form_challenge", "limiter", "registration_needs_challenge",
           "retry_headers", "take_lookup", "take_registration", "take_ticket_link"]


def limiter(request: Request) -> Limiter:
    """The app's limiter, made on first use (one per worker; the counters are shared)."""
    found: Limiter | None = getattr(request.app.state, "limiter", None)
    if found is None:
        found = request.app.state.limiter = Limiter.from_settings(settings(request))
    return found


async def close(app: Starlette) -> None:
    found: Limiter | None = getattr(app.state, "limiter", None)
    if found is not None:
        await found.close()


def client(request: Request) -> str:
    """The client's address as the limits count it."""
    peer = request.client.host if request.client else ""
    return resolve_client(peer, request.headers.getlist("x-forwarded-for"),
                          settings(request).trusted_proxies)


def retry_headers(exc: RateLimited) -> dict[str, str]:
    return {"Retry-After": str(exc.retry_after)}


def _registration_subject(request: Request, event: Event) -> str:
    return f"{event.slug}:{client(request)}"


async def take_registration(request: Request, event: Event, solution: str | None, *,
                            moment: datetime | None = None) -> None:
    """Count a registration attempt of this client for the event, and ask for the
    challenge's solution when the event wants one (always, or near the limit)."""
    moment = moment or now()
    subject = _registration_subject(request, event)
    gate = limiter(request)
    needed = await challenge.required(event.challenge, gate, subject, moment)
    await gate.take(REGISTRATIONS, subject, moment)
    if needed:
        await challenge.redeem(solution, secret_key=settings(request).secret_key,
                               scope=event.slug, limiter=gate, now=moment)


async def registration_needs_challenge(request: Request, event: Event,
                                       moment: datetime) -> bool:
    subject = _registration_subject(request, event)
    return await challenge.required(event.challenge, limiter(request), subject, moment)


async def form_challenge(request: Request, event: Event) -> dict[str, Any] | None:
    """A fresh challenge when this client's next registration needs one, else None."""
    moment = now()
    if not await registration_needs_challenge(request, event, moment):
        return None
    config = settings(request)
    return challenge.issue(config.secret_key, event.slug, moment, config.challenge_maxnumber)


async def take_lookup(request: Request, key_id: int | None) -> None:
    """Count one check-in search of this API key (door keys included)."""
    subject = f"key-{key_id}" if key_id is not None else f"client-{client(request)}"
    await limiter(request).take(LOOKUPS, subject, now())


async def take_ticket_link(request: Request, event: Event | None = None) -> None:
    """Count one "mail me my ticket link" request of this client (per event when given)."""
    subject = f"{event.slug}:{client(request)}" if event is not None else client(request)
    await limiter(request).take(TICKET_LINKS, subject, now())
