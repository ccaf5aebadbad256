"""Rate limits: one client cannot register a thousand attendees, search a door's list
without end, or get around the limits through another worker or a made-up header.

Each HTTP test runs twice: counters in the database (SQLite or PostgreSQL, as the suite
runs) and in Redis (skipped when no Redis answers at KAIGI_TEST_REDIS_URL).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine

from api.app import create_app
from events import access
from events.config import Settings, SettingsError
from events.limits import (
    DatabaseCounters,
    Limiter,
    Rate,
    RateLimited,
    RedisCounters,
    client_address,
    forget_expired,
    parse_networks,
)
from events.models import RateCounter, Registration
from events.vocabulary import translate
from tests.browser import missing
from tests.conftest import BASE_URL, LiveServer, make_settings
from tests.factories import csrf_of, make_event

REDIS_URL = os.environ.get("KAIGI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def person(n: int, **kw: Any) -> dict[str, Any]:
    return {"name": f"参加者 {n}", "email": f"p{n}@example.jp", **kw}


async def redis_or_skip() -> None:
    probe = RedisCounters(REDIS_URL)
    try:
        await probe.redis.ping()
    except Exception as exc:  # any failure to reach it: no Redis here
        missing(f"no Redis at {REDIS_URL} ({type(exc).__name__})")
    finally:
        await probe.close()


@pytest.fixture(params=["database", "redis"])
async def store(request: pytest.FixtureRequest, database: Settings
                ) -> AsyncIterator[Callable[[Settings], Limiter]]:
    """Makes the limiter of an app: database counters, or Redis under a prefix of its own."""
    made: list[Limiter] = []
    prefix = f"kaigi-test-{secrets.token_hex(6)}:"
    if request.param == "redis":
        await redis_or_skip()

    def make(settings: Settings) -> Limiter:
        counters = (RedisCounters(REDIS_URL) if request.param == "redis"
                    else DatabaseCounters())
        limiter = Limiter(counters, settings.rates, enabled=settings.rate_limits,
                          prefix=prefix)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        if isinstance(limiter.counters, RedisCounters):
            keys = [k async for k in limiter.counters.redis.scan_iter(f"{prefix}*")]
            if keys:
                await limiter.counters.redis.delete(*keys)
        await limiter.close()


@asynccontextmanager
async def serving(settings: Settings, limiter: Limiter, *, peer: str = "127.0.0.1",
                  base_url: str = BASE_URL) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, manage_db=False)
    app.state.limiter = limiter
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield client


def tuned(settings: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(settings, **changes)


async def register(client: httpx.AsyncClient, slug: str, n: int,
                   **headers: str) -> httpx.Response:
    return await client.post(f"/api/v1/events/{slug}/registrations", json=person(n),
                             headers=headers)


# ---- the finding: one client, a thousand registrations ------------------------------------

async def test_one_client_cannot_fill_an_event(database, store):
    """Before: 1,000 registrations from one address, each mailing anyone. Now the 21st
    registration of one client for one event is refused with 429 and Retry-After."""
    await make_event(slug="flood", challenge="off")
    async with serving(database, store(database)) as client:
        answers = [await register(client, "flood", n) for n in range(1, 41)]
    assert [a.status_code for a in answers] == [201] * 20 + [429] * 20
    refused = answers[20]
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["code"] == "rate_limited" and body["status"] == 429
    assert body["title"] == "Too many requests"
    assert 3500 <= body["retry_after"] <= 3600
    assert refused.headers["retry-after"] == str(body["retry_after"])
    assert await Registration.filter(event__slug="flood").count() == 20


async def test_the_budget_is_per_event_and_comes_back_after_the_window(database, store):
    settings = tuned(database, rate_registrations=Rate.parse("2/hour"))
    await make_event(slug="one", challenge="off")
    await make_event(slug="two", challenge="off")
    limiter = store(settings)
    with time_machine.travel(NOW, tick=False) as clock:
        async with serving(settings, limiter) as client:
            assert [(await register(client, "one", n)).status_code for n in (1, 2, 3)] == [
                201, 201, 429]
            assert (await register(client, "two", 4)).status_code == 201
            clock.shift(timedelta(minutes=59))
            late = await register(client, "one", 5)
            assert late.status_code == 429
            if not isinstance(limiter.counters, RedisCounters):  # Redis keeps its own time
                assert late.headers["retry-after"] == "60"
                clock.shift(timedelta(minutes=1))
                assert (await register(client, "one", 6)).status_code == 201


async def test_the_form_answers_429_in_the_page_language(database, store):
    settings = tuned(database, rate_registrations=Rate.parse("1/hour"))
    await make_event(slug="form", challenge="off")
    async with serving(settings, store(settings)) as client:
        for n, expected in ((1, 303), (2, 429)):
            page = await client.get("/events/form/register?lang=ja")
            answer = await client.post("/events/form/register?lang=ja", data={
                "csrf_token": csrf_of(page.text), "name": f"参加者 {n}",
                "email": f"p{n}@example.jp", "consent": "yes"})
            assert answer.status_code == expected, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert 3500 <= int(answer.headers["retry-after"]) <= 3600
    assert translate("refused_rate_limited", "ja") in answer.text
    assert translate("rate_limited_retry", "ja", minutes=60) in answer.text
    assert 'value="参加者 2"' in answer.text, "what was typed stays in the form"


async def test_behind_a_trusted_proxy_each_forwarded_client_counts_alone(database, store):
    settings = tuned(database, rate_registrations=Rate.parse("1/hour"),
                     trusted_proxies=parse_networks("10.0.0.0/8"))
    await make_event(slug="proxied", challenge="off")
    limiter = store(settings)
    async with serving(settings, limiter, peer="10.0.0.2") as proxied:
        alice = {"X-Forwarded-For": "198.51.100.7"}
        bob = {"X-Forwarded-For": "203.0.113.9, 198.51.100.8"}
        assert (await register(proxied, "proxied", 1, **alice)).status_code == 201
        assert (await register(proxied, "proxied", 2, **bob)).status_code == 201
        assert (await register(proxied, "proxied", 3, **alice)).status_code == 429
    # A client that is not a trusted proxy cannot choose its address by a header.
    async with serving(settings, limiter, peer="192.0.2.50") as direct:
        assert (await register(direct, "proxied", 4,
                               **{"X-Forwarded-For": "192.0.2.1"})).status_code == 201
        assert (await register(direct, "proxied", 5,
                               **{"X-Forwarded-For": "192.0.2.2"})).status_code == 429


async def test_turned_off_nothing_is_counted(database, store):
    settings = tuned(database, rate_limits=False, rate_registrations=Rate.parse("1/hour"))
    await make_event(slug="bench")  # challenge "auto" stays off without limits
    async with serving(settings, store(settings)) as client:
        answers = await asyncio.gather(*(register(client, "bench", n) for n in range(1, 31)))
    assert {a.status_code for a in answers} == {201}
    assert await RateCounter.all().count() == 0


async def test_a_key_managing_the_event_is_not_limited(database, store):
    settings = tuned(database, rate_registrations=Rate.parse("1/hour"))
    await make_event(slug="import", challenge="on")
    _, raw = await access.create_key("importer", "admin")
    async with serving(settings, store(settings)) as client:
        for n in range(1, 4):
            answer = await register(client, "import", n, Authorization=f"Bearer {raw}")
            assert answer.status_code == 201, answer.text


async def test_checkin_search_is_limited_per_key(database, store):
    settings = tuned(database, rate_lookups=Rate.parse("3/minute"))
    await make_event(slug="door")
    _, first = await access.create_key("door 1", "checkin", event_slug="door")
    _, second = await access.create_key("door 2", "checkin", event_slug="door")
    async with serving(settings, store(settings)) as client:
        async def search(key: str) -> httpx.Response:
            return await client.get("/api/v1/events/door/checkins/search?q=yamada",
                                    headers={"Authorization": f"Bearer {key}"})

        assert [(await search(first)).status_code for _ in range(4)] == [200, 200, 200, 429]
        refused = await search(first)
        assert refused.json()["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert (await search(second)).status_code == 200, "each key has its own budget"


# ---- across processes --------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("backend", ["database", "redis"])
async def test_the_limit_holds_across_two_uvicorn_workers(database, backend):
    if backend == "redis":
        await redis_or_skip()
    slug = f"crowd-{secrets.token_hex(4)}"  # Redis keys of this run only
    await make_event(slug=slug, challenge="off")
    settings = tuned(database, rate_registrations=Rate.parse("5/hour"),
                     redis_url=REDIS_URL if backend == "redis" else "")
    server = LiveServer(settings, workers=2)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            answers = await asyncio.gather(*(register(client, slug, n) for n in range(1, 41)))
    finally:
        server.stop()
    codes = [a.status_code for a in answers]
    assert codes.count(201) == 5 and codes.count(429) == 35, codes
    assert await Registration.filter(event__slug=slug).count() == 5
    if backend == "redis":
        probe = RedisCounters(REDIS_URL)
        keys = [k async for k in probe.redis.scan_iter(f"kaigi:*{slug}*")]
        await probe.redis.delete(*keys)
        await probe.close()


# ---- the parts ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "count", "seconds"), [
    ("20/hour", 20, 3600), ("60/minute", 60, 60), ("5/10min", 5, 600), ("100/day", 100, 86400),
    ("3 / 2 hours", 3, 7200), ("1/s", 1, 1), ("20/3600s", 20, 3600)])
def test_rates_read_as_written(text, count, seconds):
    assert Rate.parse(text) == Rate(count, timedelta(seconds=seconds))
    assert Rate.parse(str(Rate.parse(text))) == Rate.parse(text)


@pytest.mark.parametrize("text", ["", "20", "0/hour", "20/fortnight", "-1/hour", "x/hour"])
def test_bad_rates_are_refused(text):
    with pytest.raises(ValueError, match="20/hour"):
        Rate.parse(text)


def test_the_settings_name_what_is_wrong(tmp_path):
    with pytest.raises(SettingsError) as caught:
        make_settings("sqlite://x", tmp_path, KAIGI_RATE_REGISTRATIONS="lots",
                      KAIGI_TRUSTED_PROXIES="10.0.0.0/8, proxy.local",
                      KAIGI_REDIS_URL="http://127.0.0.1:6379", KAIGI_RATE_LIMITS="maybe")
    text = str(caught.value)
    for name in ("KAIGI_RATE_REGISTRATIONS", "KAIGI_TRUSTED_PROXIES", "KAIGI_REDIS_URL",
                 "KAIGI_RATE_LIMITS"):
        assert name in text
    settings = make_settings("sqlite://x", tmp_path, KAIGI_RATE_LIMITS="off",
                             KAIGI_RATE_LOOKUPS="10/minute")
    assert not settings.rate_limits and settings.rate_lookups == Rate(10, timedelta(minutes=1))
    defaults = make_settings("sqlite://x", tmp_path)
    assert defaults.rate_limits and defaults.rate_registrations == Rate(20, timedelta(hours=1))


PROXIES = parse_networks("10.0.0.0/8, 2001:db8:ffff::/48")


@pytest.mark.parametrize(("peer", "forwarded", "seen"), [
    ("198.51.100.1", ["203.0.113.5"], "198.51.100.1"),  # not a proxy: header ignored
    ("10.0.0.1", [], "10.0.0.1"),
    ("10.0.0.1", ["203.0.113.5"], "203.0.113.5"),
    ("10.0.0.1", ["6.6.6.6, 203.0.113.5"], "203.0.113.5"),  # left of it: the client's words
    ("10.0.0.1", ["203.0.113.5, 10.0.0.7"], "203.0.113.5"),  # through two proxies
    ("10.0.0.1", ["203.0.113.5", "10.0.0.7"], "203.0.113.5"),  # the header twice
    ("10.0.0.1", ["10.0.0.9, 10.0.0.7"], "10.0.0.9"),  # all proxies: the farthest
    ("10.0.0.1", ["garbage, 203.0.113.5"], "203.0.113.5"),
    ("10.0.0.1", ["203.0.113.5, garbage"], "10.0.0.1"),  # garbled by a proxy: the proxy
    ("2001:db8:ffff::1", ["2001:db8:1:2:3:4:5:6"], "2001:db8:1:2::/64"),  # per /64
    ("::ffff:198.51.100.1", [], "198.51.100.1"),
])
def test_the_client_address(peer, forwarded, seen):
    assert client_address(peer, forwarded, PROXIES) == seen


async def test_database_counters_are_one_row_per_key_and_expire(database):
    limiter = Limiter(DatabaseCounters(), {"registrations": Rate.parse("2/minute")})
    for _ in range(2):
        await limiter.take("registrations", "a", NOW)
    with pytest.raises(RateLimited) as caught:
        await limiter.take("registrations", "a", NOW + timedelta(seconds=20))
    assert caught.value.retry_after == 40
    assert await limiter.used("registrations", "a", NOW) == 3
    assert await RateCounter.all().count() == 1
    assert await limiter.used("registrations", "a", NOW + timedelta(minutes=1)) == 0
    assert await forget_expired(NOW + timedelta(minutes=1)) == 1
    assert await limiter.once("x", NOW + timedelta(hours=1), NOW)
    assert not await limiter.once("x", NOW + timedelta(hours=1), NOW + timedelta(minutes=5))


async def test_the_worker_forgets_expired_counters_and_replies(database):
    from events.models import IdempotentReply
    from events.worker import Worker

    limiter = Limiter(DatabaseCounters(), {"registrations": Rate.parse("5/minute")})
    await limiter.take("registrations", "old", NOW)
    await limiter.take("registrations", "new", NOW + timedelta(minutes=2))
    await IdempotentReply.create(key="registrations:x:old", fingerprint="0" * 64, status=201,
                                 body={}, created_at=NOW - timedelta(hours=25))
    await Worker(database, poll=0.01, clock=lambda: NOW + timedelta(minutes=2)).run(once=True)
    assert await RateCounter.all().values_list("key", flat=True) == ["kaigi:registrations:new"]
    assert await IdempotentReply.all().count() == 0
