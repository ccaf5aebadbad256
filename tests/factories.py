"""Plain factory functions: tests say what they need, nothing hidden in fixtures."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from events import catalogue
from events.access import Actor
from events.models import Event, Organization, Series

ADMIN = Actor(role="admin")
_numbers = itertools.count(1)


async def make_org(slug: str | None = None, **kw: Any) -> Organization:
    slug = slug or f"org-{next(_numbers)}"
    return await Organization.create(
        slug=slug, name_ja=kw.get("name_ja", f"{slug} 協会"),
        name_en=kw.get("name_en", f"{slug} association"), url=kw.get("url", ""))


async def make_series(slug: str | None = None) -> Series:
    slug = slug or f"series-{next(_numbers)}"
    return await Series.create(slug=slug, name_ja=f"{slug} シリーズ", name_en=f"{slug} series")


def session_payload(start: datetime, hours: float = 3, fmt: str = "in_person",
                    **kw: Any) -> dict[str, Any]:
    return {"starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=hours)).isoformat(), "format": fmt, **kw}


def event_payload(**kw: Any) -> dict[str, Any]:
    start = kw.pop("start", datetime.now(UTC) + timedelta(days=30))
    fmt = kw.pop("format", "in_person")
    payload: dict[str, Any] = {
        "slug": f"event-{next(_numbers)}",
        "title": {"ja": "テストイベント", "en": "Test event"},
        "summary": {"ja": "概要", "en": "Summary"},
        "venue": {"name": "会場", "address": "東京都"},
        "sessions": [session_payload(start, fmt=fmt)],
    }
    payload.update(kw)
    return payload


async def make_event(actor: Actor = ADMIN, now: datetime | None = None, **kw: Any) -> Event:
    return await catalogue.create_event(event_payload(**kw), actor=actor,
                                        default_timezone="Asia/Tokyo",
                                        now=now or datetime.now(UTC))


PASSWORD = "correct horse battery"


async def make_user(email: str = "", role: str = "organizer", org: str | None = None,
                    password: str | None = PASSWORD, **kw: Any) -> Any:
    """A console account (organizers need `org`, the slug of an existing organization)."""
    from events import accounts

    return await accounts.create_user(email or f"user{next(_numbers)}@example.jp", role,
                                      now=kw.pop("now", datetime.now(UTC)), org_slug=org,
                                      password=password, **kw)


def csrf_of(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


async def log_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    """Log in through the form, as a browser does; returns the answer (303 when it worked)."""
    form = await client.get("/console/login")
    return await client.post("/console/login", data={
        "csrf_token": csrf_of(form.text), "email": email, "password": password,
        "next": "/console/account"})
