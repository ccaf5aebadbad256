"""The events API through real HTTP against the ASGI app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events import access
from tests.factories import event_payload, make_event, make_org, make_series, session_payload


async def test_create_read_update_event(client, admin):
    org = await make_org("iajapan")
    await make_series("oic-symposium")
    payload = event_payload(
        slug="oic-2026", series="oic-symposium", stream_url="https://stream.example.net/x",
        capacity={"venue": 50, "online": None},
        partners=[{"org": org.slug, "role": "organizer"}])
    created = await client.post("/api/v1/events", json=payload, headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"].endswith("/api/v1/events/oic-2026")
    assert body["series"]["slug"] == "oic-symposium"
    assert body["owner"] == "iajapan"
    assert body["capacity"] == {"venue": 50, "online": None}
    assert body["stream_url"] == "https://stream.example.net/x"
    assert body["revision"] == 0

    public = (await client.get("/api/v1/events/oic-2026")).json()
    assert "stream_url" not in public
    assert public["title"] == {"ja": "テストイベント", "en": "Test event"}
    assert public["sessions"][0]["starts_at"].endswith("+09:00")

    changed = await client.patch("/api/v1/events/oic-2026", headers=admin,
                                 json={"summary": {"ja": "新しい概要", "en": "New summary"}})
    assert changed.status_code == 200
    assert changed.json()["summary"]["ja"] == "新しい概要"
    assert changed.json()["revision"] == 0, "a summary change is not a schedule change"

    session_id = public["sessions"][0]["id"]
    moved = await client.patch("/api/v1/events/oic-2026", headers=admin, json={
        "sessions": [{"id": session_id, **session_payload(datetime(2027, 1, 5, 1, tzinfo=UTC))}]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["revision"] == 1
    assert moved.json()["sessions"][0]["id"] == session_id, "session ids (calendar UIDs) stay"
    assert moved.json()["starts_at"] == "2027-01-05T10:00:00+09:00"

    cancelled = await client.patch("/api/v1/events/oic-2026", headers=admin,
                                   json={"status": "cancelled"})
    assert cancelled.json()["revision"] == 2


async def test_hybrid_event_derives_format_and_modes(client, admin):
    start = datetime(2021, 4, 14, 1, tzinfo=UTC)
    payload = event_payload(slug="interop", sessions=[
        session_payload(start, fmt="hybrid"),
        session_payload(start + timedelta(days=5), fmt="online"),
    ])
    body = (await client.post("/api/v1/events", json=payload, headers=admin)).json()
    assert body["format"] == "hybrid"
    assert body["attendance_modes"] == ["venue", "online"]
    assert body["starts_at"] == "2021-04-14T10:00:00+09:00"
    assert body["sessions"][1]["venue"] is None, "online sessions have no venue"


async def test_naive_times_are_read_in_the_event_time_zone(client, admin):
    payload = event_payload(slug="naive", sessions=[
        {"starts_at": "2021-04-14T10:00", "ends_at": "2021-04-14T18:00", "format": "hybrid"}])
    body = (await client.post("/api/v1/events", json=payload, headers=admin)).json()
    assert body["sessions"][0]["starts_at"] == "2021-04-14T10:00:00+09:00"


async def test_date_tbd_event_has_no_dates(client, admin):
    payload = event_payload(slug="iw-2021", date_tbd=True, status="tentative", sessions=[])
    response = await client.post("/api/v1/events", json=payload, headers=admin)
    assert response.status_code == 201, response.text
    assert response.json()["starts_at"] is None
    assert response.json()["date_tbd"] is True


async def test_list_filters(client):
    jpnic = await make_org("jpnic")
    iaj = await make_org("iajapan")
    await make_series("ipv6")
    now = datetime.now(UTC)
    await make_event(slug="ipv6-day", series="ipv6", format="online",
                     title={"ja": "IPv6 の日", "en": "IPv6 day"}, start=now + timedelta(days=3),
                     partners=[{"org": "iajapan", "role": "organizer"},
                               {"org": "jpnic", "role": "co_host"}])
    await make_event(slug="spam-conf", title={"ja": "迷惑メール対策", "en": "Anti-spam"},
                     start=now + timedelta(days=40), format="hybrid",
                     partners=[{"org": iaj.slug, "role": "organizer"}])
    await make_event(slug="old", start=datetime(2018, 2, 15, 1, tzinfo=UTC))
    await make_event(slug="hidden", status="draft")
    assert jpnic

    async def slugs(**params):
        response = await client.get("/api/v1/events", params=params)
        assert response.status_code == 200, response.text
        return [e["slug"] for e in response.json()["items"]]

    assert await slugs() == ["old", "ipv6-day", "spam-conf"]
    assert await slugs(q="迷惑") == ["spam-conf"]
    assert await slugs(q="ipv6 DAY") == ["ipv6-day"]
    assert await slugs(org="jpnic") == ["ipv6-day"]
    assert await slugs(org="iajapan", role="co_host") == []
    assert await slugs(role="co_host") == ["ipv6-day"]
    assert await slugs(series="ipv6") == ["ipv6-day"]
    assert await slugs(format="online") == ["ipv6-day"]
    assert await slugs(format="hybrid") == ["spam-conf"]
    assert await slugs(status="draft") == []
    assert await slugs(**{"from": "2018-02-15", "to": "2018-02-15"}) == ["old"]
    assert await slugs(**{"from": (now + timedelta(days=10)).date().isoformat()}) == ["spam-conf"]


async def test_cursor_paging_visits_every_event_once(client):
    base = datetime(2030, 1, 1, tzinfo=UTC)
    for i in range(7):
        # Two events share each start time, to exercise the (time, id) tie-break.
        await make_event(slug=f"e{i}", start=base + timedelta(days=i // 2))
    await make_event(slug="undated", date_tbd=True, sessions=[])
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/events", params=params)).json()
        seen += [e["slug"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"e{i}" for i in range(7)] + ["undated"]


async def test_drafts_are_private(client, admin):
    await make_event(slug="secret-draft", status="draft")
    assert (await client.get("/api/v1/events/secret-draft")).status_code == 404
    assert (await client.get("/api/v1/events/secret-draft", headers=admin)).status_code == 200


async def test_organizer_keys_manage_only_their_events(client):
    own = await make_org("own")
    other = await make_org("other")
    _, raw = await access.create_key("own organizer", "organizer", org_slug="own")
    key = {"Authorization": f"Bearer {raw}"}

    created = await client.post("/api/v1/events", headers=key, json=event_payload(slug="mine"))
    assert created.status_code == 201, created.text
    assert created.json()["owner"] == own.slug
    assert created.json()["partners"][0] == {
        "org": "own", "name": {"ja": "own 協会", "en": "own association"}, "role": "organizer"}

    foreign = event_payload(slug="theirs", partners=[{"org": other.slug, "role": "organizer"}])
    refused = await client.post("/api/v1/events", headers=key, json=foreign)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"

    await make_event(slug="their-event", partners=[{"org": "other", "role": "organizer"}])
    patch = await client.patch("/api/v1/events/their-event", headers=key, json={"title": "x"})
    assert patch.status_code == 403
    ok = await client.patch("/api/v1/events/mine", headers=key, json={"title": "Mine"})
    assert ok.status_code == 200
    assert ok.json()["title"] == {"ja": "Mine", "en": "Mine"}


async def test_partner_and_checkin_keys_cannot_write(client):
    await make_org("jpnic")
    event = await make_event(slug="ev")
    for role, scope in (("partner", {"org_slug": "jpnic"}), ("checkin", {"event_slug": "ev"})):
        _, raw = await access.create_key(role, role, **scope)
        key = {"Authorization": f"Bearer {raw}"}
        assert (await client.post("/api/v1/events", headers=key,
                                  json=event_payload())).status_code == 403
        assert (await client.patch(f"/api/v1/events/{event.slug}", headers=key,
                                   json={"title": "x"})).status_code == 403
        assert (await client.post("/api/v1/organizations", headers=key, json={
            "slug": "x", "name": "x"})).status_code == 403


async def test_last_used_time_is_recorded(client):
    key, raw = await access.create_key("k", "admin")
    assert key.last_used_at is None
    await client.post("/api/v1/organizations", headers={"Authorization": f"Bearer {raw}"},
                      json={"slug": "a", "name": "A"})
    await key.refresh_from_db()
    assert key.last_used_at is not None
    assert key.key_hash != raw and raw not in key.key_hash


async def test_concurrent_changes_each_raise_the_revision(client, admin):
    import asyncio

    await make_event(slug="busy")
    moves = [{"venue": {"name": f"Hall {n}", "address": "東京都"}} for n in "AB"]
    answers = await asyncio.gather(*(client.patch("/api/v1/events/busy", headers=admin,
                                                  json=m) for m in moves))
    assert [a.status_code for a in answers] == [200, 200]
    final = (await client.get("/api/v1/events/busy")).json()
    assert final["revision"] == 2, "two changes of place are two calendar SEQUENCE steps"
