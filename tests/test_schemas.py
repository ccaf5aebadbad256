"""api/schemas.py: the answers' pydantic models, as the JSON Schemas the API documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator

from api import schemas
from events import inputs
from tests.factories import make_event, make_org, make_series, session_payload

TOKYO = ZoneInfo("Asia/Tokyo")
COMPONENTS = schemas.components()


def validator(name: str, components: dict[str, Any] = COMPONENTS) -> Draft202012Validator:
    """A validator for one component; its `#/components/schemas/...` refs resolve in the
    same document, as they do in the OpenAPI document."""
    document = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": components}}
    return Draft202012Validator(document, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_valid(name: str, body: Any) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator(name).iter_errors(body)]
    assert not errors, f"{name} does not describe the answer: {errors}"


def refs(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = {schema["$ref"]} if isinstance(schema.get("$ref"), str) else set()
        return found.union(*(refs(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(refs(v) for v in schema))
    return set()


def test_every_answer_is_a_component_and_a_valid_2020_12_schema():
    names = [m.__name__ for m in schemas.MODELS]
    assert set(names) <= set(COMPONENTS)
    assert {"Event", "Checkin", "Broadcast", "Problem", "MailPreview"} <= set(COMPONENTS)
    for name, schema in COMPONENTS.items():
        Draft202012Validator.check_schema(schema)
        assert "title" not in schema, name
        assert schema.get("additionalProperties") is not False, f"{name}: answers may grow"
    dangling = {r for r in refs(COMPONENTS)
                if r.removeprefix("#/components/schemas/") not in COMPONENTS}
    assert not dangling


def test_the_schemas_say_what_an_answer_may_leave_out_or_send_as_null():
    session = {"id": 1, "title": {"ja": "第1部", "en": "Part 1"}, "format": "online",
               "starts_at": "2026-02-03T10:00:00+09:00", "ends_at": "2026-02-03T12:00:00+09:00",
               "venue": None}
    assert_valid("Session", session)
    assert not validator("Session").is_valid({**session, "format": "podcast"})
    assert not validator("Session").is_valid({k: v for k, v in session.items() if k != "venue"})
    assert not validator("Capacity").is_valid({"venue": -1, "online": None})
    # The public registration answer has no personal details; they are optional.
    assert_valid("Registration", {
        "id": 7, "status": "waitlisted", "attendance": "venue", "waitlist_position": 2,
        "ticket": {"code": "K123", "url": "https://x/tickets/t"}, "manage_url": "https://x"})
    # A scan of an unknown ticket: no attendee, no entry; more members are welcome.
    assert_valid("Checkin", {
        "result": "invalid", "status": 422, "detail": "Not a valid ticket.", "offline": False,
        "scanned_at": "2026-02-03T10:00:00+09:00", "day": "2026-02-03", "gate": "",
        "registration": None, "first_entry": None, "something_new": 1})
    assert not validator("Checkin").is_valid({
        "result": "checked_in", "status": 200, "detail": "", "offline": False,
        "scanned_at": "2026-02-03T10:00:00+09:00", "day": "2026-02-03", "gate": "",
        "registration": None, "first_entry": None, "offline_result": None})


async def test_an_event_as_the_public_and_its_managers_get_it(client, admin):
    org = await make_org("iajapan")
    await make_series("oic")
    start = datetime(2030, 2, 3, 10, tzinfo=TOKYO)
    await make_event(slug="full", series="oic", stream_url="https://stream.example.net/x",
                     capacity={"venue": 50, "online": None},
                     partners=[{"org": org.slug, "role": "organizer"}],
                     sessions=[session_payload(start, fmt="hybrid"),
                               session_payload(start, fmt="online", venue=None)])
    await make_event(slug="bare", venue=None, date_tbd=True, sessions=[])

    for slug in ("full", "bare"):
        public = (await client.get(f"/api/v1/events/{slug}")).json()
        managers = (await client.get(f"/api/v1/events/{slug}", headers=admin)).json()
        assert "stream_url" not in public and "stream_url" in managers
        assert_valid("Event", public)
        assert_valid("Event", managers)
    page = await client.get("/api/v1/events")
    assert len(page.json()["items"]) == 2
    assert_valid("EventPage", page.json())
    assert_valid("Organization", (await client.get("/api/v1/organizations/iajapan")).json())
    assert_valid("Series", (await client.get("/api/v1/series/oic")).json())
    assert_valid("Problem", (await client.get("/api/v1/events/nowhere")).json())


async def test_a_registration_and_its_check_in_at_the_door(client, admin):
    today = datetime.now(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)
    await make_event(slug="door", sessions=[session_payload(today, hours=23.99)])
    created = await client.post("/api/v1/events/door/registrations", json={
        "name": "山田 太郎", "name_kana": "やまだ たろう", "email": "taro@example.jp"})
    assert created.status_code == 201, created.text
    mine = created.json()
    assert_valid("Registration", mine)
    assert_valid("Registration", (await client.get(
        f"/api/v1/registrations/{mine['id']}", params={"token": mine["token"]})).json())
    assert_valid("RegistrationPage", (await client.get(
        "/api/v1/events/door/registrations", headers=admin)).json())

    scans = "/api/v1/events/door/checkins"
    first = await client.post(scans, headers=admin, json={"code": mine["ticket"]["code"]})
    assert first.status_code == 200, first.text
    assert_valid("Checkin", first.json())
    again = await client.post(scans, headers=admin, json={"registration_id": mine["id"]})
    assert again.json()["code"] == "already_checked_in"
    assert_valid("Problem", again.json())
    assert_valid("CheckinSearch", (await client.get(
        f"{scans}/search", params={"q": "山田"}, headers=admin)).json())
    assert_valid("CheckinStats", (await client.get(f"{scans}/stats", headers=admin)).json())
    assert_valid("OfflineKit", (await client.get(
        f"{scans}/offline-kit", headers=admin)).json())
    assert_valid("PublicKey", (await client.get("/api/v1/tickets/public-key")).json())


@pytest.mark.parametrize("model", inputs.MODELS, ids=lambda m: m.__name__)
def test_request_bodies_come_from_the_same_machinery(model):
    components = schemas.json_schemas(inputs.MODELS, "validation")
    schema = components[model.__name__]
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False, "a misspelt field is refused"
    assert not {r for r in refs(components)
                if r.removeprefix("#/components/schemas/") not in components}
