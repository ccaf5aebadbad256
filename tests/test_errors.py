"""Every error status the API promises, each as RFC 9457 problem+json."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from events import access
from tests.factories import event_payload, make_event, make_org, make_series, session_payload

START = datetime(2030, 5, 1, 1, tzinfo=UTC)


def assert_problem(response, status: int) -> dict:
    """A problem+json body with the RFC 9457 members, and nothing that looks like a trace."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert "Traceback" not in response.text
    return body


def fields_of(body: dict) -> list[str]:
    assert all(set(e) == {"field", "message"} and e["message"] for e in body["errors"]), body
    return [e["field"] for e in body["errors"]]


async def key_for(role: str, **scope: str) -> dict[str, str]:
    _, raw = await access.create_key(f"{role} key", role, **scope)
    return {"Authorization": f"Bearer {raw}"}


# ---- 401 ----------------------------------------------------------------------------------

async def test_writing_without_a_key_is_401(client):
    response = await client.post("/api/v1/events", json=event_payload())
    body = assert_problem(response, 401)
    assert body["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_unknown_key_is_401(client):
    response = await client.post("/api/v1/organizations", json={"slug": "a", "name": "A"},
                                 headers={"Authorization": "Bearer kaigi_not-a-real-key"})
    assert_problem(response, 401)


async def test_a_revoked_key_is_401(client):
    key, raw = await access.create_key("old", "admin")
    await access.revoke_key(key.id, datetime.now(UTC))
    response = await client.post("/api/v1/organizations", json={"slug": "a", "name": "A"},
                                 headers={"Authorization": f"Bearer {raw}"})
    assert_problem(response, 401)


@pytest.mark.parametrize("header", [
    "Basic dXNlcjpwYXNz",
    "Bearer",
    "Bearer    ",
    "kaigi_abc",
    "Token kaigi_abc",
])
async def test_a_malformed_authorization_header_is_401(client, header):
    response = await client.post("/api/v1/events", json=event_payload(),
                                 headers={"Authorization": header})
    assert_problem(response, 401)


async def test_a_bad_key_is_401_even_for_a_public_read(client):
    await make_event(slug="open")
    response = await client.get("/api/v1/events/open", headers={"Authorization": "Bearer nope"})
    assert_problem(response, 401)


# ---- 403 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["partner", "checkin", "organizer"])
async def test_keys_without_the_right_role_are_403(client, role):
    await make_org("jpnic")
    await make_event(slug="ev")
    scope = {"event_slug": "ev"} if role == "checkin" else {"org_slug": "jpnic"}
    key = await key_for(role, **scope)
    response = await client.post("/api/v1/organizations", headers=key,
                                 json={"slug": "new-org", "name": "New"})
    body = assert_problem(response, 403)
    assert body["code"] == "forbidden"


async def test_an_organizer_may_not_change_another_organizations_event(client):
    await make_org("mine")
    await make_org("theirs")
    await make_event(slug="their-event", partners=[{"org": "theirs", "role": "organizer"}])
    key = await key_for("organizer", org_slug="mine")
    response = await client.patch("/api/v1/events/their-event", headers=key,
                                  json={"title": "Taken over"})
    assert_problem(response, 403)


# ---- 404 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/api/v1/events/no-such-event",
    "/api/v1/organizations/no-such-org",
    "/api/v1/series/no-such-series",
    "/api/v1/no-such-resource",
    "/api/v2/events",
])
async def test_unknown_things_are_404(client, path):
    body = assert_problem(await client.get(path), 404)
    assert "errors" not in body


async def test_patching_an_unknown_event_is_404(client, admin):
    response = await client.patch("/api/v1/events/nothing-here", headers=admin,
                                  json={"title": "x"})
    assert_problem(response, 404)


@pytest.mark.parametrize("slug", ["%00", "a%00b", "%F0%9F%8E%8C", "x" * 500, "UPPER"])
async def test_odd_slugs_in_paths_are_404(client, admin, slug):
    for path in (f"/api/v1/events/{slug}", f"/api/v1/organizations/{slug}",
                 f"/api/v1/series/{slug}"):
        assert_problem(await client.get(path), 404)
    assert_problem(await client.patch(f"/api/v1/events/{slug}", headers=admin,
                                      json={"title": "x"}), 404)


@pytest.mark.parametrize("slug", ["%00", "a%00b", "x" * 500, "UPPER"])
async def test_odd_slugs_in_feed_paths_are_404(client, slug):
    for path in (f"/events/{slug}.ics", f"/feeds/orgs/{slug}.ics", f"/feeds/series/{slug}.ics"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/plain")


# ---- 409 ----------------------------------------------------------------------------------

async def test_a_duplicate_event_slug_is_409(client, admin):
    await make_event(slug="interop-tokyo-2021")
    response = await client.post("/api/v1/events", headers=admin,
                                 json=event_payload(slug="interop-tokyo-2021"))
    body = assert_problem(response, 409)
    assert body["code"] == "conflict"
    assert "interop-tokyo-2021" in body["detail"]


async def test_renaming_an_event_onto_another_slug_is_409(client, admin):
    await make_event(slug="first")
    await make_event(slug="second")
    response = await client.patch("/api/v1/events/second", headers=admin,
                                  json={"slug": "first"})
    assert_problem(response, 409)
    assert (await client.get("/api/v1/events/second")).status_code == 200


async def test_a_duplicate_organization_slug_is_409(client, admin):
    await make_org("jpnic")
    response = await client.post("/api/v1/organizations", headers=admin,
                                 json={"slug": "jpnic", "name": "JPNIC"})
    assert_problem(response, 409)


async def test_a_duplicate_series_slug_is_409(client, admin):
    await make_series("internet-week")
    response = await client.post("/api/v1/series", headers=admin,
                                 json={"slug": "internet-week", "name": "Internet Week"})
    assert_problem(response, 409)


# ---- 422 ----------------------------------------------------------------------------------

def one_session(**kw):
    return [session_payload(START, **kw)]


INVALID_EVENTS = [
    ("bad slug", {"slug": "Not A Slug!"}, "slug"),
    ("slug with a trailing hyphen", {"slug": "trailing-"}, "slug"),
    ("missing title", {"title": None}, "title"),
    ("empty title", {"title": {"ja": "", "en": ""}}, "title"),
    ("title in an unknown language", {"title": {"fr": "Bonjour"}}, "title"),
    ("title is a number", {"title": 42}, "title"),
    ("ends before starts", {"sessions": [{
        "starts_at": "2030-05-01T18:00:00+09:00", "ends_at": "2030-05-01T10:00:00+09:00",
        "format": "in_person"}]}, "sessions[0].ends_at"),
    ("session time is not a date", {"sessions": [{
        "starts_at": "tomorrow", "ends_at": "2030-05-01T10:00:00+09:00",
        "format": "in_person"}]}, "sessions[0].starts_at"),
    ("session in year 10000", {"sessions": [{
        "starts_at": "9999-12-31T23:00:00-12:00", "ends_at": "9999-12-31T23:30:00-12:00",
        "format": "online"}]}, "sessions[0].starts_at"),
    ("unknown session format", {"sessions": one_session(fmt="webinar")}, "sessions[0].format"),
    ("no sessions and no date_tbd", {"sessions": []}, "sessions"),
    ("sessions on an undated event", {"date_tbd": True}, "sessions"),
    ("unknown partner org", {"partners": [{"org": "nobody", "role": "organizer"}]},
     "partners[0].org"),
    ("unknown partner role", {"partners": [{"org": "iajapan", "role": "owner"}]},
     "partners[0].role"),
    ("duplicate partner", {"partners": [{"org": "iajapan", "role": "organizer"},
                                        {"org": "iajapan", "role": "organizer"}]},
     "partners[1]"),
    ("unknown series", {"series": "no-such-series"}, "series"),
    ("bad timezone", {"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ("timezone path trick", {"timezone": "../../etc/passwd"}, "timezone"),
    ("negative capacity", {"capacity": {"venue": -1, "online": None}}, "capacity.venue"),
    ("fractional capacity", {"capacity": {"venue": 1.5}}, "capacity.venue"),
    ("boolean capacity", {"capacity": {"online": True}}, "capacity.online"),
    ("capacity as a number", {"capacity": 100}, "capacity"),
    ("capacity for an unknown mode", {"capacity": {"balcony": 3}}, "capacity"),
    ("unknown status", {"status": "happening"}, "status"),
    ("date_tbd as a string", {"date_tbd": "yes"}, "date_tbd"),
    ("stream_url not a URL", {"stream_url": "javascript:alert(1)"}, "stream_url"),
    ("registration closes before it opens", {
        "registration_opens_at": "2030-04-01T10:00:00+09:00",
        "registration_closes_at": "2030-03-01T10:00:00+09:00"}, "registration_closes_at"),
    ("NUL in a title", {"title": "a\x00b"}, "title.ja"),
    ("lone surrogate in a title", {"title": "bad \ud800 text"}, "title.ja"),
    ("lone surrogate in a field name", {"\udcff": 1}, "\\udcff"),
    ("unknown field", {"colour": "blue"}, "colour"),
    ("unknown session field", {"sessions": one_session(room="A")}, "sessions[0].room"),
]


@pytest.mark.parametrize("change, field", [(c, f) for _, c, f in INVALID_EVENTS],
                         ids=[name for name, _, _ in INVALID_EVENTS])
async def test_invalid_events_are_422_naming_the_field(client, admin, change, field):
    await make_org("iajapan")
    payload = {**event_payload(sessions=one_session()), **change}
    payload = {k: v for k, v in payload.items() if v is not None}
    # json.dumps escapes lone surrogates, which a client library would refuse to encode.
    response = await client.post("/api/v1/events", content=json.dumps(payload),
                                 headers={**admin, "Content-Type": "application/json"})
    body = assert_problem(response, 422)
    assert body["code"] == "invalid"
    assert field in fields_of(body)


async def test_all_invalid_fields_are_reported_at_once(client, admin):
    response = await client.post("/api/v1/events", headers=admin, json={
        "slug": "Bad Slug", "timezone": "Nowhere/Else", "capacity": {"venue": -5},
        "partners": [{"org": "ghost", "role": "organizer"}]})
    body = assert_problem(response, 422)
    assert set(fields_of(body)) >= {"slug", "title", "timezone", "capacity.venue",
                                    "partners[0].org"}


async def test_invalid_patch_is_422_and_changes_nothing(client, admin):
    await make_event(slug="steady", title={"ja": "元のまま", "en": "Unchanged"})
    response = await client.patch("/api/v1/events/steady", headers=admin,
                                  json={"title": "New", "timezone": "Bad/Zone"})
    assert fields_of(assert_problem(response, 422)) == ["timezone"]
    event = (await client.get("/api/v1/events/steady")).json()
    assert event["title"]["en"] == "Unchanged"


INVALID_ORGANIZATIONS = [
    ({"name": "No slug"}, "slug"),
    ({"slug": "no-name"}, "name"),
    ({"slug": "Bad_Slug", "name": "x"}, "slug"),
    ({"slug": "ok", "name": "x", "url": "ftp://example.org"}, "url"),
    ({"slug": "ok", "name": "x", "homepage": "https://example.org"}, "homepage"),
]


@pytest.mark.parametrize("payload, field", INVALID_ORGANIZATIONS)
async def test_invalid_organizations_are_422(client, admin, payload, field):
    response = await client.post("/api/v1/organizations", headers=admin, json=payload)
    assert field in fields_of(assert_problem(response, 422))


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/organizations", "/api/v1/series"])
@pytest.mark.parametrize("content, content_type", [
    (b'{"slug": "x", ', "application/json"),
    (b"\xff\xfe not utf-8", "application/json"),
    (b"", "application/json"),
    (b"[" * 100_000, "application/json"),
    (b"1" * 5000, "application/json"),
], ids=["truncated", "not-utf8", "empty", "deeply-nested", "huge-number"])
async def test_bodies_that_are_not_json_are_422(client, admin, path, content, content_type):
    response = await client.post(path, headers={**admin, "Content-Type": content_type},
                                 content=content)
    assert fields_of(assert_problem(response, 422)) == ["body"]


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/organizations", "/api/v1/series"])
@pytest.mark.parametrize("body", [[], "a string", 3, None, [{"slug": "x"}]])
async def test_bodies_that_are_not_objects_are_422(client, admin, path, body):
    response = await client.post(path, headers=admin, json=body)
    assert fields_of(assert_problem(response, 422)) == ["body"]


async def test_a_patch_body_that_is_not_an_object_is_422(client, admin):
    await make_event(slug="ev")
    response = await client.patch("/api/v1/events/ev", headers=admin, json=["title"])
    assert fields_of(assert_problem(response, 422)) == ["body"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
async def test_a_body_that_is_not_sent_as_json_is_415(client, admin, content_type):
    response = await client.post("/api/v1/organizations",
                                 headers={**admin, "Content-Type": content_type},
                                 content=b'{"slug": "a", "name": "A"}')
    assert assert_problem(response, 415)["code"] == "unsupported_media_type"


async def test_a_body_over_the_size_limit_is_413(client, admin):
    payload = {"slug": "big", "name": "x", "url": "https://example.org/" + "a" * 1_100_000}
    response = await client.post("/api/v1/organizations", headers=admin, json=payload)
    assert assert_problem(response, 413)["code"] == "too_large"


def forged_cursor(position: object) -> str:
    """A cursor this server never gave out, built the way its own are."""
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


BAD_LISTINGS = [
    ({"limit": "0"}, "limit"),
    ({"limit": "101"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"limit": ""}, "limit"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2021-13-01"}, "to"),
    ({"from": "2021-05-01", "to": "2021-04-01"}, "to"),
    ({"from": "0001-01-01"}, "from"),
    ({"to": "9999-12-31"}, "to"),
    ({"format": "webinar"}, "format"),
    ({"status": "scheduled,happening"}, "status"),
    ({"role": "owner"}, "role"),
    ({"q": "x" * 201}, "q"),
    ({"q": "a\x00b"}, "q"),
    ({"org": "a\x00b"}, "org"),
    ({"series": "a\x00b"}, "series"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"cursor": "\u00e9"}, "cursor"),
    ({"cursor": forged_cursor([])}, "cursor"),
    ({"cursor": forged_cursor({"a": 1})}, "cursor"),
    ({"cursor": forged_cursor(["2030-01-01T00:00:00+00:00", 10**20])}, "cursor"),
    ({"cursor": forged_cursor(["2030-01-01T00:00:00+00:00", -1])}, "cursor"),
    ({"cursor": forged_cursor(["2030-01-01T00:00:00+00:00", 1.5])}, "cursor"),
    ({"cursor": forged_cursor(["0001-01-01T00:00:00+05:00", 1])}, "cursor"),
    ({"cursor": forged_cursor(["2030-01-01T00:00:00", 1])}, "cursor"),
    ({"cursor": forged_cursor([20300101, 1])}, "cursor"),
]


@pytest.mark.parametrize("params, field", BAD_LISTINGS)
async def test_bad_listing_parameters_are_422(client, params, field):
    await make_event(slug="something")
    response = await client.get("/api/v1/events", params=params)
    assert field in fields_of(assert_problem(response, 422))


async def test_every_bad_listing_parameter_is_reported_at_once(client):
    response = await client.get("/api/v1/events", params={
        "limit": "1000", "from": "soon", "format": "paper", "cursor": "?"})
    body = assert_problem(response, 422)
    assert set(fields_of(body)) == {"limit", "from", "format", "cursor"}


# ---- 405 and the rest ---------------------------------------------------------------------

@pytest.mark.parametrize("method, path, allowed", [
    ("DELETE", "/api/v1/events", {"GET", "POST"}),
    ("PUT", "/api/v1/events/some-event", {"GET", "PATCH"}),
    ("DELETE", "/api/v1/organizations/jpnic", {"GET"}),
    ("POST", "/healthz", {"GET"}),
    ("POST", "/api/openapi.json", {"GET"}),
])
async def test_wrong_methods_are_405_with_allow(client, admin, method, path, allowed):
    response = await client.request(method, path, headers=admin)
    assert_problem(response, 405)
    assert set(response.headers["allow"].replace(" ", "").split(",")) - {"HEAD"} == allowed


async def test_a_wrong_method_on_a_page_is_an_html_405(client):
    response = await client.post("/")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text


async def test_problems_carry_the_security_headers(client):
    response = await client.get("/api/v1/events/nothing")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


# ---- a PATCH may not blank what an event needs --------------------------------------------

@pytest.mark.parametrize("change, field", [
    ({"slug": None}, "slug"),
    ({"slug": ""}, "slug"),
    ({"title": None}, "title"),
    ({"title": ""}, "title"),
    ({"title": {"ja": "", "en": ""}}, "title"),
])
async def test_a_patch_cannot_blank_the_slug_or_title(client, admin, change, field):
    await make_event(slug="keep", title="Kept")
    response = await client.patch("/api/v1/events/keep", headers=admin, json=change)
    assert field in fields_of(assert_problem(response, 422))
    event = (await client.get("/api/v1/events/keep")).json()
    assert event["title"] == {"ja": "Kept", "en": "Kept"}


@pytest.mark.parametrize("timezone", [None, ""])
async def test_an_empty_timezone_means_the_default(client, admin, timezone):
    created = await client.post("/api/v1/events", headers=admin,
                                json=event_payload(slug="tz", timezone=timezone))
    assert created.status_code == 201, created.text
    assert created.json()["timezone"] == "Asia/Tokyo"
    await client.patch("/api/v1/events/tz", headers=admin, json={"timezone": "Europe/Paris"})
    kept = await client.patch("/api/v1/events/tz", headers=admin, json={"timezone": timezone})
    assert kept.status_code == 200, kept.text
    assert kept.json()["timezone"] == "Europe/Paris"
    assert (await client.get("/events/tz")).status_code == 200
