"""Organizer broadcasts: audiences, a dry run with count and preview, List-Unsubscribe."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from events import access
from events.models import Broadcast, Event, Notification, Registration
from events.worker import Worker
from tests.factories import make_event, make_org


async def register(client, slug: str, n: int, attendance: str, locale: str = "ja") -> dict:
    response = await client.post(f"/api/v1/events/{slug}/registrations", json={
        "name": f"参加者 {n}", "email": f"p{n}@example.jp", "attendance": attendance,
        "locale": locale})
    assert response.status_code == 201, response.text
    return response.json()


async def crowd(client) -> dict[str, dict]:
    """Venue (one checked in), online, and one on the venue waiting list."""
    await make_event(slug="sym", format="hybrid", capacity={"venue": 2, "online": None})
    people = {
        "venue_in": await register(client, "sym", 1, "venue"),
        "venue": await register(client, "sym", 2, "venue", "en"),
        "online": await register(client, "sym", 3, "online"),
        "waiting": await register(client, "sym", 4, "venue"),
    }
    await Registration.filter(id=people["venue_in"]["id"]).update(
        checked_in_at=datetime.now(UTC))
    return people


async def broadcast(client, headers, **body):
    return await client.post("/api/v1/events/sym/broadcasts", headers=headers, json={
        "subject": {"ja": "会場のご案内", "en": "Getting to the venue"},
        "body": {"ja": "受付は13時からです。\n\n会場は3階です。", "en": "Doors open at 1 pm."},
        **body})


async def test_dry_run_counts_and_previews_without_queueing(client, admin):
    await crowd(client)
    counts = {}
    for audience in ("all", "venue", "online", "checked_in", "not_checked_in", "waitlisted"):
        response = await broadcast(client, admin, audience=audience, dry_run=True)
        assert response.status_code == 200, response.text
        counts[audience] = response.json()["count"]
    assert counts == {"all": 4, "venue": 2, "online": 1, "checked_in": 1,
                      "not_checked_in": 2, "waitlisted": 1}
    preview = (await broadcast(client, admin, dry_run=True)).json()["preview"]
    assert preview["ja"]["subject"] == "【テストイベント】会場のご案内"
    assert preview["en"]["subject"] == "[Test event] Getting to the venue"
    assert "受付は13時からです。" in preview["ja"]["text"]
    assert "<p>受付は13時からです。</p>" in preview["ja"]["html"]
    assert "Doors open at 1 pm." in preview["en"]["html"]
    assert await Broadcast.all().count() == 0
    assert await Notification.filter(purpose="broadcast").count() == 0


async def test_broadcast_reaches_its_audience_once_with_list_unsubscribe(
        client, admin, database, smtp_server):
    people = await crowd(client)
    response = await broadcast(client, admin, audience="venue")
    assert response.status_code == 201, response.text
    assert response.json()["count"] == 2
    rows = await Notification.filter(purpose="broadcast")
    assert {r.registration_id for r in rows} == {people["venue_in"]["id"],
                                                 people["venue"]["id"]}
    assert {r.broadcast_id for r in rows} == {response.json()["id"]}  # type: ignore[attr-defined]

    await Worker(replace(database, smtp_url=smtp_server.url), poll=0.01).run(once=True)
    mails = {r.recipients[0]: r.message for r in smtp_server.received
             if "List-Unsubscribe" in r.message}
    assert set(mails) == {"p1@example.jp", "p2@example.jp"}
    english = mails["p2@example.jp"]
    assert str(english["Subject"]) == "[Test event] Getting to the venue"
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = str(english["List-Unsubscribe"]).strip("<>")
    assert url.startswith(f"http://testserver/unsubscribe/{people['venue']['id']}/")
    assert "text/calendar" not in {p.get_content_type() for p in english.walk()}
    assert "Doors open at 1 pm." in english.get_body(("plain",)).get_content()

    # The link: a GET only shows a page (link checkers fetch URLs); the POST unsubscribes.
    path = url.removeprefix("http://testserver")
    page = await client.get(path)
    assert page.status_code == 200 and "<form" in page.text
    assert (await Registration.get(id=people["venue"]["id"])).unsubscribed_at is None
    done = await client.post(path, content="List-Unsubscribe=One-Click",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200
    assert (await Registration.get(id=people["venue"]["id"])).unsubscribed_at is not None
    assert (await client.post(path)).status_code == 200, "idempotent"
    assert (await client.post(path[:-3] + "xyz")).status_code == 404
    assert (await client.get(path[:-3] + "トークン")).status_code == 404
    assert (await client.get("/unsubscribe/0/x")).status_code == 404
    again = await broadcast(client, admin, audience="venue", dry_run=True)
    assert again.json()["count"] == 1, "unsubscribed people are left out"


async def test_unsubscribed_before_delivery_is_skipped(client, admin, database, smtp_server):
    people = await crowd(client)
    await broadcast(client, admin, audience="online")
    await Registration.filter(id=people["online"]["id"]).update(
        unsubscribed_at=datetime.now(UTC))
    await Worker(replace(database, smtp_url=smtp_server.url), poll=0.01).run(once=True)
    row = await Notification.get(purpose="broadcast")
    assert row.status == "skipped" and "unsubscribed" in row.last_error


async def test_only_the_events_organizers_may_broadcast(client, admin):
    await make_org("iajapan")
    await make_org("other")
    await make_event(slug="sym", partners=[{"org": "iajapan", "role": "organizer"}])
    _, own = await access.create_key("org", "organizer", org_slug="iajapan")
    _, foreign = await access.create_key("x", "organizer", org_slug="other")
    assert (await broadcast(client, {}, dry_run=True)).status_code == 401
    assert (await broadcast(client, {"Authorization": f"Bearer {foreign}"},
                            dry_run=True)).status_code == 403
    assert (await broadcast(client, {"Authorization": f"Bearer {own}"},
                            dry_run=True)).status_code == 200
    denied = await client.get("/api/v1/events/sym/messages",
                              headers={"Authorization": f"Bearer {foreign}"})
    assert denied.status_code == 403


async def test_invalid_broadcasts_are_refused_with_every_reason(client, admin):
    await make_event(slug="sym")
    response = await client.post("/api/v1/events/sym/broadcasts", headers=admin, json={
        "subject": "件名\r\nBcc: x@example.com", "audience": "everyone", "colour": "red"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"subject", "body", "audience", "colour"}


async def test_messages_listing_pages_and_filters(client, admin):
    await crowd(client)
    first = await client.get("/api/v1/events/sym/messages", headers=admin,
                             params={"limit": 3})
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    assert page["counts"]["pending"] == 4
    rest = await client.get("/api/v1/events/sym/messages", headers=admin,
                            params={"cursor": page["next_cursor"]})
    ids = [m["id"] for m in page["items"] + rest.json()["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 4
    waitlisted = await client.get("/api/v1/events/sym/messages", headers=admin,
                                  params={"purpose": "waitlisted"})
    assert [m["purpose"] for m in waitlisted.json()["items"]] == ["waitlisted"]
    bad = await client.get("/api/v1/events/sym/messages", headers=admin,
                           params={"status": "lost", "limit": "0"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"status", "limit"}
    for cursor in ("99999999999", "-1", "x"):
        odd = await client.get("/api/v1/events/sym/messages", headers=admin,
                               params={"cursor": cursor})
        assert odd.status_code == 422, (cursor, odd.text)
    assert await Event.filter(slug="sym").exists()
