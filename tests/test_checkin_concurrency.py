"""Two scanners, one ticket, the same instant: real uvicorn workers, real database, real HTTP.

Two worker processes on both databases: the unique indexes, not a process, decide.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime

import httpx
import pytest

from events import access
from events.models import Admission, Registration, Scan
from tests.conftest import LiveServer
from tests.test_checkin import person, today_event

TICKETS = 30


@pytest.fixture
def door_server(database):
    # Thirty registrations from one client address: past the per-client limits.
    server = LiveServer(dataclasses.replace(database, rate_limits=False), workers=2)
    yield server
    server.stop()


@pytest.mark.slow
async def test_simultaneous_scans_admit_once_and_retries_replay(door_server, database):
    event = await today_event()
    _, raw = await access.create_key("door", "checkin", event_slug="door")
    key = {"Authorization": f"Bearer {raw}"}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=door_server.url, limits=limits, timeout=60) as client:
        codes = []
        for n in range(TICKETS):
            response = await client.post("/api/v1/events/door/registrations", json=person(n))
            assert response.status_code == 201, response.text
            codes.append(response.json()["ticket"]["code"])

        def scan(code: str, nonce: str, gate: str):
            return client.post("/api/v1/events/door/checkins", headers=key,
                               json={"code": code, "nonce": nonce, "gate": gate})

        # Per ticket: two scanners (different nonces) and a retried request (same nonce
        # twice), all fired at once.
        requests = []
        for i, code in enumerate(codes):
            requests += [scan(code, f"east-{i}", "east"), scan(code, f"west-{i}", "west"),
                         scan(code, f"west-{i}", "west")]
        responses = await asyncio.gather(*requests)

    for i in range(TICKETS):
        east, west, west_again = responses[3 * i: 3 * i + 3]
        results = sorted([east.json()["result"], west.json()["result"]])
        assert results == ["already_checked_in", "checked_in"], (i, results)
        assert west_again.status_code == west.status_code
        assert west_again.json() == west.json(), "a retry is the same scan"
        winner = east if east.status_code == 200 else west
        loser = west if winner is east else east
        assert loser.json()["first_entry"] == winner.json()["first_entry"]
    assert await Admission.filter(event_id=event.id).count() == TICKETS
    assert await Registration.filter(event_id=event.id, checked_in_at__isnull=False
                                     ).count() == TICKETS
    assert await Scan.filter(event_id=event.id).count() == 2 * TICKETS
    assert await Scan.filter(event_id=event.id, result="checked_in").count() == TICKETS
    assert isinstance((await Admission.first()).admitted_at, datetime)
