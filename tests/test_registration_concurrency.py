"""No overbooking under a flash crowd: real uvicorn processes, real database, real HTTP.

PostgreSQL runs with two worker processes, SQLite with one (several processes on one
SQLite file work too, but serialize on its write lock).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random

import httpx
import pytest

from events.models import Event, Registration
from tests.conftest import LiveServer
from tests.factories import make_event

CAPACITY = 50
CROWD = 300


@pytest.fixture
def crowd_server(database):
    workers = int(os.environ.get("KAIGI_TEST_CROWD_WORKERS", 1 if database.is_sqlite else 2))
    # A crowd of one client address: the per-client limits would stop it (test_limits).
    server = LiveServer(dataclasses.replace(database, rate_limits=False), workers=workers)
    yield server
    server.stop()


def person(n: int) -> dict[str, str]:
    return {"name": f"参加者 {n}", "email": f"p{n}@example.jp", "attendance": "venue"}


async def fire(client: httpx.AsyncClient, slug: str, numbers) -> list[httpx.Response]:
    return await asyncio.gather(*(
        client.post(f"/api/v1/events/{slug}/registrations", json=person(n)) for n in numbers))


async def assert_consistent(event_id: int) -> None:
    """Counters equal the rows; the waiting list is strictly behind everyone promoted."""
    event = await Event.get(id=event_id)
    rows = await Registration.filter(event_id=event_id, attendance="venue")
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = [r for r in rows if r.status == "waitlisted"]
    assert len(confirmed) <= CAPACITY
    assert event.venue_confirmed == len(confirmed)
    assert event.venue_waitlisted == len(waiting)
    promoted = [r.queue_seq for r in confirmed if r.queue_seq]
    if waiting and promoted:
        assert max(promoted) < min(r.queue_seq for r in waiting), "promotion out of order"


@pytest.mark.slow
async def test_flash_crowd_never_overbooks(crowd_server, database):
    event = await make_event(slug="flash", capacity={"venue": CAPACITY, "online": None})
    # Idle connections expire before uvicorn's 5 s keep-alive can close them under us.
    limits = httpx.Limits(max_connections=CROWD, max_keepalive_connections=CROWD,
                          keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=crowd_server.url, limits=limits,
                                 timeout=120) as client:
        responses = await fire(client, "flash", range(CROWD))
        assert {r.status_code for r in responses} == {201}, [
            r.text for r in responses if r.status_code != 201][:3]
        bodies = [r.json() for r in responses]
        confirmed = [b for b in bodies if b["status"] == "confirmed"]
        positions = sorted(b["waitlist_position"] for b in bodies if b["status"] == "waitlisted")
        assert len(confirmed) == CAPACITY
        assert positions == list(range(1, CROWD - CAPACITY + 1))
        await assert_consistent(event.id)

        # Churn: cancellations interleaved with newcomers, all at once.
        rng = random.Random(7)
        leaving = rng.sample(confirmed, 20) + rng.sample(
            [b for b in bodies if b["status"] == "waitlisted"], 10)
        cancels = [client.post(f"/api/v1/registrations/{b['id']}/cancel",
                               params={"token": b["manage_url"].rsplit("/", 1)[1]})
                   for b in leaving]
        newcomers = [client.post("/api/v1/events/flash/registrations", json=person(n))
                     for n in range(CROWD, CROWD + 60)]
        mixed = cancels + newcomers
        rng.shuffle(mixed)
        results = await asyncio.gather(*mixed)
        assert all(r.status_code in (200, 201) for r in results), [
            r.text for r in results if r.status_code not in (200, 201)][:3]

    await assert_consistent(event.id)
    final = await Event.get(id=event.id)
    assert final.venue_confirmed == CAPACITY, "freed seats went to the waiting list"
    queue = await Registration.filter(event_id=event.id, status="waitlisted").order_by(
        "queue_seq").values_list("queue_seq", flat=True)
    assert len(queue) == CROWD + 60 - CAPACITY - 30
    assert len(set(queue)) == len(queue)
