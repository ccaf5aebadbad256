"""The event editor: the console form over the API's rules, versions against stale saves,
a confirmation before attendees are mailed, previews, and the audit of every change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from events import catalogue
from events.access import Actor
from events.errors import Code, Conflict
from events.models import AuditEntry, Event
from tests.factories import ADMIN, make_event, make_org, session_payload

NOW = datetime(2021, 3, 1, 9, tzinfo=UTC)


# ---- the domain: versions and the audit ---------------------------------------------------

async def test_every_save_raises_the_version_and_a_stale_one_is_refused(database):
    event = await make_event(slug="v", now=NOW)
    assert event.version == 0
    changed = await catalogue.update_event("v", {"summary": "一"}, actor=ADMIN, now=NOW,
                                           expected_version=0)
    assert changed.version == 1
    with pytest.raises(Conflict) as refused:
        await catalogue.update_event("v", {"summary": "二"}, actor=ADMIN, now=NOW,
                                     expected_version=0)
    assert refused.value.code == Code.STALE_EDIT
    assert (await Event.get(slug="v")).summary_ja == "一"
    # Without an expected version (the API), a save still raises it.
    assert (await catalogue.update_event("v", {}, actor=ADMIN, now=NOW)).version == 2


async def test_of_two_saves_from_the_same_version_exactly_one_wins(database):
    await make_event(slug="race", now=NOW)

    async def save(text: str) -> str:
        try:
            await catalogue.update_event("race", {"summary": text}, actor=ADMIN, now=NOW,
                                         expected_version=0)
            return "saved"
        except Conflict as exc:
            return exc.code

    outcomes = await asyncio.gather(save("A"), save("B"))
    assert sorted(map(str, outcomes)) == ["saved", "stale_edit"]
    event = await Event.get(slug="race")
    assert event.version == 1
    assert event.summary_ja == ("A" if outcomes[0] == "saved" else "B")


async def test_creating_and_changing_an_event_is_audited_old_to_new(database):
    org = await make_org("iajapan")
    organizer = Actor(role="organizer", organization_id=org.id, label="o@example.jp")
    await make_event(organizer, slug="audited", now=NOW, capacity={"venue": 50})
    await catalogue.update_event("audited", {
        "capacity": {"venue": 80}, "venue": {"name": "新会場", "name_en": "New hall"},
        "contact_email": "info@example.jp"}, actor=organizer, now=NOW, client="192.0.2.1")
    created, changed = await AuditEntry.all().order_by("id")
    assert (created.action, created.actor, created.target) == (
        "event_created", "o@example.jp", "audited")
    assert created.details["venue_capacity"] == [None, 50]
    assert changed.action == "event_changed" and changed.client == "192.0.2.1"
    assert changed.details == {
        "venue_name": ["会場", "新会場"], "venue_address": ["東京都", ""],
        "venue_name_en": ["", "New hall"], "venue_capacity": [50, 80],
        "contact_email": ["", "info@example.jp"]}
    assert changed.organization_id == org.id


async def test_the_api_takes_and_gives_the_new_fields(client, admin):
    await make_org("jpaawg")
    body = {"slug": "new-fields", "title": "新項目",
            "sessions": [session_payload(datetime(2030, 1, 1, 10, tzinfo=UTC))],
            "venue": {"name": "会場", "address": "東京", "name_en": "Hall",
                      "address_en": "Tokyo", "map_url": "https://maps.example/hall"},
            "contact_email": "info@example.jp", "membership_choices": ["member", "jpaawg"],
            "share_registrants": True}
    created = await client.post("/api/v1/events", json=body, headers=admin)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["venue"] == {"name": "会場", "address": "東京", "name_en": "Hall",
                               "address_en": "Tokyo", "map_url": "https://maps.example/hall"}
    assert answer["contact_email"] == "info@example.jp"
    assert answer["membership_choices"] == ["member", "jpaawg"]
    assert answer["share_registrants"] is True and answer["version"] == 0
    # An older client's venue (no English, no map) keeps what it does not know.
    patched = await client.patch("/api/v1/events/new-fields", headers=admin,
                                 json={"venue": {"name": "別会場", "address": "大阪"}})
    assert patched.json()["venue"]["name_en"] == "Hall" and patched.json()["version"] == 1
    bad = await client.patch("/api/v1/events/new-fields", headers=admin, json={
        "membership_choices": ["member", "nobody"], "contact_email": "not an address"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"membership_choices[1]",
                                                         "contact_email"}
