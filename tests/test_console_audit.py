"""The audit log: the console page (scoped to what a user may see, filters, pages) and
GET /api/v1/audit for admin keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from events import access, audit
from events.access import Actor
from events.models import Event, Organization
from events.vocabulary import LANGUAGES, MESSAGES
from tests.factories import ADMIN, log_in, make_event, make_org, make_user

NOW = datetime(2030, 6, 12, 5, 0, tzinfo=UTC)  # 14:00 in Tokyo


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


async def two_organizations_with_history() -> tuple[Event, Event]:
    """An event of iaj and one of other, each with an edit in the log (in time order, as
    entries are only ever added)."""
    iaj, other = await make_org("iaj"), await make_org("other")
    await make_user("owner@iaj.example", org="iaj")
    await make_user("stranger@other.example", org="other")
    await make_user("kanri@example.jp", "admin")
    ours = await make_event(ADMIN, now=NOW, slug="symposium",
                            title={"ja": "春のシンポジウム", "en": "Spring Symposium"},
                            partners=[{"org": "iaj", "role": "organizer"}])
    theirs = await make_event(ADMIN, now=NOW, slug="their-meeting",
                              title={"ja": "他団体の会合", "en": "Their meeting"},
                              partners=[{"org": "other", "role": "organizer"}])
    other_owner = Actor(role="organizer", organization_id=other.id,
                        label="stranger@other.example")
    await audit.record("event_changed", actor=other_owner, now=NOW - timedelta(hours=2),
                       client="198.51.100.7", event=theirs, target="their-meeting",
                       details={"title_ja": ["旧", "新"]})
    iaj_owner = Actor(role="organizer", organization_id=iaj.id, label="owner@iaj.example")
    await audit.record("event_changed", actor=iaj_owner, now=NOW - timedelta(hours=1),
                       client="192.0.2.10", event=ours, target="symposium",
                       details=audit.changes({"venue_name": "会議室A", "venue_capacity": 80},
                                             {"venue_name": "大ホール", "venue_capacity": 200}))
    await audit.record("organization_changed", actor=other_owner, now=NOW,
                       organization_id=other.id, target="other",
                       details={"url": ["", "https://other.example/"]})
    return ours, theirs


async def audit_page(browser, email: str, query: str = "") -> str:
    assert (await log_in(browser, email)).status_code == 303
    page = await browser.get(f"/console/audit{query}")
    assert page.status_code == 200, page.text
    return page.text


def test_every_action_has_a_label_in_both_languages():
    for action in audit.ACTIONS:
        assert all(MESSAGES[f"audit_{action}"].get(lang) for lang in LANGUAGES), action


async def test_the_audit_log_needs_a_login(browser):
    answer = await browser.get("/console/audit")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login")


async def test_an_organizer_sees_only_their_organizations_entries(browser):
    await two_organizations_with_history()
    html = await audit_page(browser, "owner@iaj.example")
    rows = html.split("<tbody>")[1]
    assert "春のシンポジウム" in rows and "他団体の会合" not in rows
    assert "stranger@other.example" not in rows and "198.51.100.7" not in rows
    assert "owner@iaj.example" in rows, "their own login and their edit"
    assert "192.0.2.10" in rows
    # the edit: its time in the site's time zone, its label, old → new
    assert "2030-06-12 13:00:00" in rows and "Asia/Tokyo" in html
    assert "イベント変更" in rows
    assert "<code>venue_name</code>: 会議室A → 大ホール" in rows
    assert "<code>venue_capacity</code>: 80 → 200" in rows
    assert 'href="/console/events/symposium"' in rows
    # the event filter offers only the organization's own events
    assert 'value="their-meeting"' not in html and 'value="symposium"' in html


async def test_admins_see_every_entry_in_english_too(browser):
    await two_organizations_with_history()
    html = await audit_page(browser, "kanri@example.jp", "?lang=en")
    rows = html.split("<tbody>")[1]
    assert "Spring Symposium" in rows and "Their meeting" in rows
    assert "Organization changed" in rows and "Event changed" in rows and "Logged in" in rows
    assert "<code>url</code>: — → https://other.example/" in rows
    assert rows.index("Organization changed") < rows.index("Spring Symposium"), "newest first"


async def test_filters_by_action_and_event(browser):
    await two_organizations_with_history()
    await audit_page(browser, "kanri@example.jp")
    by_action = (await browser.get("/console/audit?action=organization_changed")).text
    rows = by_action.split("<tbody>")[1]
    assert "団体情報の変更" in rows and "イベント変更" not in rows
    assert '<option value="organization_changed" selected>' in by_action
    by_event = (await browser.get("/console/audit?event=symposium")).text
    rows = by_event.split("<tbody>")[1]
    assert "春のシンポジウム" in rows and "他団体の会合" not in rows
    nothing = (await browser.get("/console/audit?event=nowhere")).text
    assert "該当する記録はありません。" in nothing


async def test_pages_of_the_log(browser):
    await make_org("iaj")
    await make_user("kanri@example.jp", "admin")
    for n in range(60):
        await audit.record("key_created", actor=ADMIN, now=NOW - timedelta(minutes=60 - n),
                           target=f"key-{n:02d}")
    html = await audit_page(browser, "kanri@example.jp", "?action=key_created")
    assert html.count("<td>key-") == 50
    assert "key-59" in html and "key-09" not in html
    older = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert "action=key_created" in older and "cursor=" in older
    second = (await browser.get(older.replace("&amp;", "&"))).text
    assert second.count("<td>key-") == 10 and "key-00" in second and "key-09" in second
    assert 'rel="next"' not in second and "最新の記録に戻る" in second

    bad = await browser.get("/console/audit?cursor=not-a-cursor&lang=en")
    assert bad.status_code == 422
    assert "is not a cursor this server gave out" in bad.text and 'id="error-summary"' in bad.text


# ---- GET /api/v1/audit ----------------------------------------------------------------------

async def test_the_api_needs_an_admin_key(client):
    await two_organizations_with_history()
    assert (await client.get("/api/v1/audit")).status_code == 401
    _, organizer = await access.create_key("iaj", "organizer", org_slug="iaj")
    refused = await client.get("/api/v1/audit", headers={"Authorization": f"Bearer {organizer}"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


async def test_the_api_pages_through_every_entry(client, admin):
    await two_organizations_with_history()
    first = await client.get("/api/v1/audit?limit=2", headers=admin)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "private, no-store"
    body = first.json()
    assert [e["action"] for e in body["items"]] == ["organization_changed", "event_changed"]
    newest = body["items"][0]
    other = await Organization.get(slug="other")
    assert newest == {
        "id": newest["id"], "at": "2030-06-12T05:00:00+00:00",
        "actor": "stranger@other.example", "user_id": None, "api_key_id": None,
        "client": "", "action": "organization_changed", "event": None,
        "organization": other.slug, "target": "other",
        "details": {"url": ["", "https://other.example/"]}}
    assert body["items"][1]["event"] == "symposium"
    assert body["items"][1]["details"]["venue_capacity"] == [80, 200]
    assert body["next_cursor"]
    paged, cursor = body["items"], body["next_cursor"]
    while cursor:
        more = (await client.get(f"/api/v1/audit?limit=2&cursor={cursor}",
                                 headers=admin)).json()
        paged, cursor = paged + more["items"], more["next_cursor"]
    everything = (await client.get("/api/v1/audit", headers=admin)).json()
    assert everything["next_cursor"] is None
    assert paged == everything["items"] and len(paged) == 5
    assert [e["action"] for e in paged][2:] == [
        "event_changed", "event_created", "event_created"]

    only = (await client.get("/api/v1/audit?event=their-meeting", headers=admin)).json()
    assert [(e["action"], e["event"]) for e in only["items"]] == [
        ("event_changed", "their-meeting"), ("event_created", "their-meeting")]


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=many", "cursor=x",
                                   "action=" + "a" * 65])
async def test_the_api_refuses_odd_parameters(client, admin, query):
    answer = await client.get(f"/api/v1/audit?{query}", headers=admin)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] in ("limit", "cursor", "action")


async def test_the_api_is_documented(client):
    document = (await client.get("/api/openapi.json")).json()
    operation = document["paths"]["/api/v1/audit"]["get"]
    assert operation["security"] == [{"bearer": []}]
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    schema = document["components"]["schemas"]["AuditPage"]
    assert set(schema["properties"]) == {"items", "next_cursor"}
    assert "details" in document["components"]["schemas"]["AuditEntry"]["properties"]
