"""kaigi under a real uvicorn process, reached over a real socket."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.factories import event_payload, session_payload

pytestmark = pytest.mark.slow


async def test_health_create_list_and_page(live_server, admin):
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        health = await http.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok"}

        org = await http.post("/api/v1/organizations", headers=admin, json={
            "slug": "iajapan", "name": {"ja": "インターネット協会",
                                        "en": "Internet Association Japan"},
            "url": "https://www.iajapan.org/"})
        assert org.status_code == 201, org.text

        start = datetime(2098, 4, 14, 1, tzinfo=UTC)
        created = await http.post("/api/v1/events", headers=admin, json=event_payload(
            slug="live-symposium", title={"ja": "ライブ・シンポジウム", "en": "Live symposium"},
            stream_url="https://stream.example.net/live",
            sessions=[session_payload(start, fmt="hybrid")],
            partners=[{"org": "iajapan", "role": "organizer"}]))
        assert created.status_code == 201, created.text
        assert created.headers["location"] == "http://testserver/api/v1/events/live-symposium"

        listed = await http.get("/api/v1/events", params={"org": "iajapan"})
        assert [e["slug"] for e in listed.json()["items"]] == ["live-symposium"]
        assert "stream_url" not in listed.json()["items"][0]

        page = await http.get("/events/live-symposium")
        assert page.status_code == 200
        assert "ライブ・シンポジウム" in page.text and "2098年4月14日(月)" in page.text
        assert "stream.example.net" not in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        english = await http.get("/events/live-symposium", headers={"Accept-Language": "en"})
        assert "Live symposium" in english.text and "Mon 14 Apr 2098" in english.text

        front = await http.get("/")
        assert "ライブ・シンポジウム" in front.text

        missing = await http.get("/api/v1/events/nothing")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


async def test_the_server_refuses_without_a_key(live_server):
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        response = await http.post("/api/v1/events", json=event_payload())
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["status"] == 401
