"""Personal data that expires (APPI): the notice and its version, consent, the retention
purge (worker and `kaigi purge`), the attendee's copy of their data and its erasure."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from events.models import Admission, AuditEntry, Event, Notification, Registration
from events.worker import Worker
from tests.databases import kaigi
from tests.factories import csrf_of, event_payload, make_event, make_org

# The event: 2030-06-20 13:00-16:00 in Tokyo; registration happens the week before.
EVENT_START = datetime(2030, 6, 20, 4, 0, tzinfo=UTC)
BEFORE = datetime(2030, 6, 12, 5, 0, tzinfo=UTC)
# 180 days after the last day (2030-06-20): from 2030-12-18 00:00 in Tokyo.
PURGE_AT = datetime(2030, 12, 17, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(BEFORE, tick=False) as traveller:
        yield traveller


def person(n: int, **kw: object) -> dict[str, object]:
    return {"name": f"山田 {n}", "name_kana": "やまだ", "email": f"taro{n}@example.jp",
            "affiliation": f"協会 {n}", **kw}


async def register(client, slug: str, n: int, **kw: object) -> dict:
    answer = await client.post(f"/api/v1/events/{slug}/registrations", json=person(n, **kw))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def deliver(settings, now: datetime) -> None:
    """The mail worker writes every queued message as an .eml file."""
    worker = Worker(settings, clock=lambda: now)
    while await worker.tick():
        pass


def emls(settings) -> list[str]:
    return sorted(p.name for p in (settings.var_dir / "outbox").glob("*.eml"))


# ---- the notice --------------------------------------------------------------------------

async def test_the_event_json_carries_the_notice_and_each_change_raises_its_version(
        client, admin, clock):
    await make_org("iaj", name_ja="インターネット協会", name_en="IAJ")
    await make_org("jpaawg", name_ja="JPAAWG", name_en="JPAAWG")
    payload = event_payload(slug="sym", start=EVENT_START, partners=[
        {"org": "iaj", "role": "organizer"}, {"org": "jpaawg", "role": "co_host"}],
        privacy={"purpose": {"ja": "受付のため", "en": "For registration"},
                 "retention_days": 90}, consent_required=True)
    created = await client.post("/api/v1/events", json=payload, headers=admin)
    assert created.status_code == 201, created.text
    notice = created.json()["privacy"]
    assert notice["purpose"] == {"ja": "受付のため", "en": "For registration"}
    assert notice["retention_days"] == 90 and notice["version"] == 1
    assert notice["joint_use"]["shared"] is False and notice["joint_use"]["users"] == []
    assert created.json()["consent_required"] is True

    async def patch(body: dict) -> dict:
        answer = await client.patch("/api/v1/events/sym", json=body, headers=admin)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert (await patch({"summary": "新しい概要"}))["privacy"]["version"] == 1
    shared = (await patch({"share_registrants": True}))["privacy"]
    assert shared["version"] == 2
    assert shared["joint_use"]["users"] == [{"org": "jpaawg",
                                             "name": {"ja": "JPAAWG", "en": "JPAAWG"}}]
    changed = (await patch({"privacy": {"joint_use": "参加者名簿を共催者と共有します"}}))["privacy"]
    assert changed["version"] == 3 and changed["retention_days"] == 90  # the rest kept
    assert changed["joint_use"]["note"]["en"] == "参加者名簿を共催者と共有します"
    assert (await patch({"privacy": {"retention_days": 90}}))["privacy"]["version"] == 3
    refused = await client.patch("/api/v1/events/sym", json={"privacy": {
        "retention_days": 0, "purpose": 5}}, headers=admin)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {
        "privacy.retention_days", "privacy.purpose"}


async def test_the_form_shows_the_notice_beside_the_consent_checkbox(client, clock):
    await make_org("iaj")
    await make_org("jpaawg", name_ja="JPAAWG", name_en="JPAAWG")
    await make_event(slug="sym", start=EVENT_START, partners=[
        {"org": "iaj", "role": "organizer"}, {"org": "jpaawg", "role": "co_host"}])
    ja = (await client.get("/events/sym/register?lang=ja")).text
    assert "個人情報の取り扱い" in ja and "参加受付、参加者への連絡" in ja
    assert "180 日後" in ja and "主催者のみが利用し" in ja
    await Event.filter(slug="sym").update(share_registrants=True, privacy={
        "purpose": {"ja": "会員向けの案内のため", "en": "To tell members about it"},
        "retention_days": 30})
    en = (await client.get("/events/sym/register?lang=en")).text
    assert "To tell members about it" in en and "30 days after" in en
    assert "Used jointly by the organizer and the co-hosts JPAAWG." in en


# ---- consent -----------------------------------------------------------------------------

async def test_an_event_that_requires_consent_refuses_an_api_registration_without_it(
        client, clock):
    await make_event(slug="sym", start=EVENT_START, consent_required=True)
    await Event.filter(slug="sym").update(privacy_version=4)  # the notice changed thrice
    refused = await client.post("/api/v1/events/sym/registrations", json=person(1))
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["consent"]
    false = await client.post("/api/v1/events/sym/registrations",
                              json=person(1, consent=False))
    assert false.status_code == 422
    await register(client, "sym", 1, consent=True)
    r = await Registration.get(email="taro1@example.jp")
    assert r.consent_version == 4 and r.consent_at == BEFORE


async def test_the_csv_tells_consented_registrations_apart(client, admin, clock):
    await make_event(slug="sym", start=EVENT_START)
    await register(client, "sym", 1, consent=True)
    await register(client, "sym", 2)
    answer = await client.get("/api/v1/events/sym/registrations.csv", headers=admin)
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert [(r["email"], r["consent_version"], r["consent_at"]) for r in rows] == [
        ("taro1@example.jp", "1", BEFORE.isoformat()), ("taro2@example.jp", "", "")]


# ---- retention ---------------------------------------------------------------------------

async def registered_and_mailed(client, database, n: int = 2) -> Event:
    await make_event(slug="sym", start=EVENT_START, capacity={"venue": 10, "online": None})
    for i in range(1, n + 1):
        await register(client, "sym", i, consent=True)
    await deliver(database, BEFORE)
    first = await Registration.get(email="taro1@example.jp")
    await Admission.create(registration=first, event_id=first.event_id, day="2030-06-20",
                           gate="A", admitted_at=EVENT_START)
    await Registration.filter(id=first.id).update(checked_in_at=EVENT_START)
    return await Event.get(slug="sym")


async def test_the_worker_anonymises_an_event_once_its_retention_ran_out(
        client, database, clock):
    before = await registered_and_mailed(client, database)
    assert len(emls(database)) == 2
    await Notification.all().update(payload={"link": "kept until the purge"})

    early = Worker(database, clock=lambda: PURGE_AT - timedelta(seconds=1))
    await early.queue_reminders()
    assert await Registration.filter(anonymised_at=None).count() == 2

    await Worker(database, clock=lambda: PURGE_AT).queue_reminders()
    rows = await Registration.all().order_by("id")
    assert {(r.name, r.name_kana, r.email, r.affiliation, r.membership) for r in rows} == {
        ("", "", "", "", "")}
    assert all(r.email_normalized.startswith("erased-") and r.anonymised_at == PURGE_AT
               for r in rows)
    assert len({r.email_normalized for r in rows}) == 2
    # What is counted stays: statuses, seats, entries.
    assert [r.status for r in rows] == ["confirmed", "confirmed"]
    assert rows[0].checked_in_at == EVENT_START and await Admission.all().count() == 1
    after = await Event.get(slug="sym")
    assert after.venue_confirmed == before.venue_confirmed == 2
    assert after.purged_at == PURGE_AT
    assert emls(database) == []
    assert {str(n.payload) for n in await Notification.all()} == {"{}"}
    entry = await AuditEntry.get(action="registrations_purged")
    assert entry.event_id == after.id and entry.details["registrations"] == 2
    assert entry.details["files"] == 2 and entry.details["retention_days"] == 180

    # Once is enough: a later round finds nothing.
    await Worker(database, clock=lambda: PURGE_AT + timedelta(days=1)).queue_reminders()
    assert await AuditEntry.filter(action="registrations_purged").count() == 1


async def test_an_events_own_retention_overrides_the_setting(client, database, clock):
    from events import privacy

    await registered_and_mailed(client, database, n=1)
    await Event.filter(slug="sym").update(privacy={"retention_days": 10})
    # 10 days after 2030-06-20: from 2030-07-01 00:00 in Tokyo.
    due = datetime(2030, 6, 30, 15, 0, tzinfo=UTC)
    assert await privacy.purge_due(due - timedelta(seconds=1), database) == 0
    assert await privacy.purge_due(due, database) == 1
    assert (await Registration.get()).anonymised_at == due


@pytest.mark.slow
async def test_kaigi_purge_shows_what_would_go_then_does_it(client, database, clock,
                                                               tmp_path):
    await registered_and_mailed(client, database)
    env = {"KAIGI_DATABASE_URL": database.database_url,
           "KAIGI_SECRET_KEY": database.secret_key, "KAIGI_VAR_DIR": str(database.var_dir)}
    early = await asyncio.to_thread(kaigi, "purge", "--dry-run", "--now",
                                    "2030-12-17T23:59", env=env, cwd=tmp_path)
    assert early.returncode == 0, early.stderr
    assert early.stdout.startswith("0 event(s) due as of 2030-12-17T23:59:00+09:00")

    dry = await asyncio.to_thread(kaigi, "purge", "--dry-run", "--now", "2030-12-18T00:00",
                                  env=env, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "sym\tdue 2030-12-17T15:00:00+00:00\twould anonymise 2 registrations, " \
           "2 messages, 2 .eml files" in dry.stdout
    assert "dry run: nothing changed" in dry.stdout
    assert await Registration.filter(anonymised_at=None).count() == 2
    assert len(emls(database)) == 2
    assert not await AuditEntry.filter(action="registrations_purged").exists()

    done = await asyncio.to_thread(kaigi, "purge", "--now", "2030-12-18T00:00Z", env=env,
                                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "anonymised 2 registrations" in done.stdout and "1 event(s) purged" in done.stdout
    assert await Registration.filter(anonymised_at=None).count() == 0
    assert emls(database) == []
    assert await AuditEntry.filter(action="registrations_purged").count() == 1

    wrong = await asyncio.to_thread(kaigi, "purge", "--now", "tomorrow", env=env,
                                    cwd=tmp_path)
    assert wrong.returncode != 0 and "--now" in wrong.stderr


# ---- the attendee's copy and erasure -----------------------------------------------------

async def test_an_attendee_downloads_everything_kept_about_them(client, database, clock):
    await registered_and_mailed(client, database, n=1)
    r = await Registration.get(email="taro1@example.jp")
    answer = await client.get(f"/api/v1/registrations/{r.id}/export?token={r.token}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    data = answer.json()
    assert data["registration"]["name"] == "山田 1"
    assert data["registration"]["email"] == "taro1@example.jp"
    assert data["registration"]["affiliation"] == "協会 1"
    assert data["event"]["slug"] == "sym"
    assert data["consent"]["version"] == 1 and data["consent"]["given_at"] == BEFORE.isoformat()
    assert data["admissions"] == [{"day": "2030-06-20", "gate": "A",
                                   "admitted_at": EVENT_START.isoformat()}]
    assert [(m["purpose"], m["status"]) for m in data["messages"]] == [("confirmed", "sent")]
    assert data["messages"][0]["message_id"]
    assert data["retention"] == {"days": 180, "anonymised_after": PURGE_AT.isoformat()}
    entry = await AuditEntry.get(action="registration_data_exported")
    assert entry.target == str(r.id) and entry.actor == "attendee"

    assert (await client.get(f"/api/v1/registrations/{r.id}/export?token="
                             f"{'x' * 32}")).status_code == 404
    missing = await client.get(f"/api/v1/registrations/{r.id}/export")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "token"


async def test_erasing_before_the_event_cancels_and_gives_the_seat_to_the_waiting_list(
        client, database, clock):
    await make_event(slug="sym", start=EVENT_START, capacity={"venue": 1, "online": None})
    first = await register(client, "sym", 1)
    second = await register(client, "sym", 2)
    assert (first["status"], second["status"]) == ("confirmed", "waitlisted")
    await deliver(database, BEFORE)
    assert len(emls(database)) == 2

    answer = await client.post(f"/api/v1/registrations/{first['id']}/erase"
                               f"?token={first['token']}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["status"] == "cancelled" and body["name"] == "" and body["email"] == ""
    erased = await Registration.get(id=first["id"])
    assert erased.anonymised_at == BEFORE and erased.email_normalized.startswith("erased-")
    assert (await Registration.get(id=second["id"])).status == "confirmed"
    event = await Event.get(slug="sym")
    assert (event.venue_confirmed, event.venue_waitlisted) == (1, 0)
    # Its .eml is gone; the promoted attendee's message is still to be sent.
    assert len(emls(database)) == 1
    assert not await Notification.filter(registration_id=first["id"],
                                         status="pending").exists()
    entry = await AuditEntry.get(action="registration_erased")
    assert entry.target == str(first["id"]) and entry.details["cancelled"] is True
    # The same email may register again: the erased row no longer holds it.
    again = await register(client, "sym", 1)
    assert again["status"] == "waitlisted"


async def test_erasing_after_the_event_keeps_the_attendance_count(client, database, clock):
    await registered_and_mailed(client, database, n=1)
    r = await Registration.get(email="taro1@example.jp")
    clock.move_to(EVENT_START + timedelta(days=3))
    answer = await client.post(f"/api/v1/registrations/{r.id}/erase?token={r.token}")
    assert answer.status_code == 200, answer.text
    erased = await Registration.get(id=r.id)
    assert (erased.status, erased.name, erased.email) == ("confirmed", "", "")
    assert erased.checked_in_at == EVENT_START and await Admission.all().count() == 1
    assert emls(database) == []
    assert (await AuditEntry.get(action="registration_erased")).details["cancelled"] is False
    again = await client.post(f"/api/v1/registrations/{r.id}/erase?token={r.token}")
    assert again.status_code == 200
    assert await AuditEntry.filter(action="registration_erased").count() == 1


async def test_the_ticket_page_links_the_copy_and_asks_before_erasing(client, clock):
    await make_event(slug="sym", start=EVENT_START)
    r = await register(client, "sym", 1, consent=True)
    page = (await client.get(f"/tickets/{r['token']}?lang=en")).text
    assert "Your data" in page and "Privacy notice agreed to: version 1" in page
    assert f"/api/v1/registrations/{r['id']}/export?token={r['token']}" in page
    assert f"/tickets/{r['token']}/erase?lang=en" in page

    confirm = await client.get(f"/tickets/{r['token']}/erase?lang=en")
    assert confirm.status_code == 200 and "its seat goes to the waiting list" in confirm.text
    assert confirm.headers["cache-control"] == "no-store"
    refused = await client.post(f"/tickets/{r['token']}/erase?lang=en", data={})
    assert refused.status_code == 403
    assert (await Registration.get(id=r["id"])).anonymised_at is None
    done = await client.post(f"/tickets/{r['token']}/erase?lang=en",
                             data={"csrf_token": csrf_of(confirm.text)})
    assert done.status_code == 303 and done.headers["location"] == (
        f"/tickets/{r['token']}?lang=en")
    after = (await client.get(done.headers["location"])).text
    assert "The personal data of this registration was erased on 2030-06-12." in after
    assert "山田" not in after


async def test_the_new_routes_are_documented(client):
    document = (await client.get("/api/openapi.json")).json()
    paths = document["paths"]
    export = paths["/api/v1/registrations/{id}/export"]["get"]
    assert export["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DataExport"}
    assert "post" in paths["/api/v1/registrations/{id}/erase"]
    assert "PrivacyIn" in document["components"]["schemas"]
