"""Relations need consent: naming another organization waits for it to accept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events import access, catalogue
from events.access import Actor
from events.errors import NotFound
from events.models import EventPartner, Organization, Series
from tests.factories import event_payload, make_event, make_org


async def key(role: str, org: str) -> dict[str, str]:
    _, raw = await access.create_key(f"{org} key", role, org_slug=org)
    return {"Authorization": f"Bearer {raw}"}


async def orgs() -> tuple[Organization, Organization]:
    return await make_org("iajapan"), await make_org("jpnic")


async def test_an_organizer_naming_another_organization_creates_a_pending_relation(client):
    _, jpnic = await orgs()
    headers = await key("organizer", "iajapan")
    created = await client.post("/api/v1/events", headers=headers, json=event_payload(
        slug="ipv6-day", partners=[{"org": "iajapan", "role": "organizer"},
                                   {"org": "jpnic", "role": "co_host"}]))
    assert created.status_code == 201, created.text
    assert [p["org"] for p in created.json()["partners"]] == ["iajapan"]
    assert (await client.get("/api/v1/events?org=jpnic")).json()["items"] == []
    feed = await client.get("/feeds/orgs/jpnic.ics")
    assert "ipv6-day" not in feed.text
    page = await client.get("/events/ipv6-day?lang=en")
    assert "jpnic association" not in page.text

    pending = await catalogue.pending_relations(jpnic.id)
    assert [(p.event.slug, p.role) for p in pending] == [("ipv6-day", "co_host")]
    with pytest.raises(NotFound):  # only the named organization (or an admin) answers
        await catalogue.answer_relation(pending[0].id, accept=True, now=datetime.now(UTC),
                                        actor=Actor(role="organizer", organization_id=999))
    jpnic_organizer = Actor(role="organizer", organization_id=jpnic.id)
    await catalogue.answer_relation(pending[0].id, accept=True, actor=jpnic_organizer,
                                    now=datetime.now(UTC))
    event = (await client.get("/api/v1/events/ipv6-day")).json()
    assert [(p["org"], p["role"]) for p in event["partners"]] == [
        ("iajapan", "organizer"), ("jpnic", "co_host")]
    assert "ipv6-day" in (await client.get("/feeds/orgs/jpnic.ics")).text


async def test_an_accepted_relation_stays_accepted_through_later_edits(client):
    await orgs()
    headers = await key("organizer", "iajapan")
    partners = [{"org": "iajapan", "role": "organizer"}, {"org": "jpnic", "role": "co_host"}]
    await client.post("/api/v1/events", headers=headers,
                      json=event_payload(slug="kept", partners=partners))
    relation = await EventPartner.get(role="co_host")
    await EventPartner.filter(id=relation.id).update(status="accepted")
    changed = await client.patch("/api/v1/events/kept", headers=headers,
                                 json={"title": "Renamed", "partners": partners})
    assert [p["org"] for p in changed.json()["partners"]] == ["iajapan", "jpnic"]


async def test_declining_removes_the_relation(client):
    _, jpnic = await orgs()
    await make_event(slug="asked", actor=Actor(role="organizer", organization_id=(
        await Organization.get(slug="iajapan")).id), partners=[
        {"org": "iajapan", "role": "organizer"}, {"org": "jpnic", "role": "supporter"}])
    relation = await EventPartner.get(role="supporter")
    assert relation.status == "pending"
    await catalogue.answer_relation(relation.id, accept=False, now=datetime.now(UTC),
                                    actor=Actor(role="organizer", organization_id=jpnic.id))
    assert not await EventPartner.filter(role="supporter").exists()


async def test_relations_made_by_an_admin_are_accepted_at_once(client, admin):
    await orgs()
    created = await client.post("/api/v1/events", headers=admin, json=event_payload(
        partners=[{"org": "iajapan", "role": "organizer"}, {"org": "jpnic", "role": "co_host"}]))
    assert [p["org"] for p in created.json()["partners"]] == ["iajapan", "jpnic"]


async def test_an_organizer_may_use_only_its_own_organizations_series(client):
    iajapan, jpnic = await orgs()
    await Series.create(slug="oic-symposium", name_ja="OIC", name_en="OIC",
                        organization=iajapan)
    await Series.create(slug="jpnic-only", name_ja="J", name_en="J", organization=jpnic)
    headers = await key("organizer", "iajapan")
    ok = await client.post("/api/v1/events", headers=headers,
                           json=event_payload(series="oic-symposium"))
    assert ok.status_code == 201, ok.text
    refused = await client.post("/api/v1/events", headers=headers,
                                json=event_payload(series="jpnic-only"))
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["series"]
