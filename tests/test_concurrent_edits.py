"""Safe concurrent edits: a PATCH writes only what it changes, If-Match refuses a stale
copy (412), and long work under the event's lock has a deadline so registration flows."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from events import catalogue, registration, seats
from events.errors import Busy, Code
from events.models import Event, Notification, Registration
from tests.factories import ADMIN, make_event

NOW = datetime(2030, 3, 1, 9, tzinfo=UTC)


async def test_two_patches_of_different_fields_both_stay(client, admin):
    await make_event(slug="both", start=NOW + timedelta(days=30))
    for round_ in range(5):
        title = {"ja": f"題名{round_}", "en": f"Title {round_}"}
        summary = {"ja": f"概要{round_}", "en": f"Summary {round_}"}
        answers = await asyncio.gather(
            client.patch("/api/v1/events/both", headers=admin, json={"title": title}),
            client.patch("/api/v1/events/both", headers=admin, json={"summary": summary}),
        )
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        body = (await client.get("/api/v1/events/both")).json()
        assert (body["title"], body["summary"]) == (title, summary), f"round {round_}"


async def test_a_patch_leaves_the_columns_it_does_not_name(database):
    """Written meanwhile by someone else (here: straight to the row), a column a PATCH does
    not name keeps that value."""
    await make_event(slug="cols", start=NOW + timedelta(days=30))
    change = await catalogue.plan_update("cols", {"title": "新しい題名"}, actor=ADMIN)
    await Event.filter(slug="cols").update(contact_email="desk@example.jp")
    assert change.event.contact_email == ""  # the plan's copy is stale
    await catalogue.update_event("cols", {"title": "新しい題名"}, actor=ADMIN, now=NOW)
    event = await Event.get(slug="cols")
    assert (event.title_ja, event.contact_email) == ("新しい題名", "desk@example.jp")


async def test_events_carry_an_etag_and_a_stale_if_match_is_refused(client, admin):
    await make_event(slug="tagged", start=NOW + timedelta(days=30))
    read = await client.get("/api/v1/events/tagged", headers=admin)
    etag = read.headers["etag"]
    assert etag == f'"{read.json()["version"]}"'

    changed = await client.patch("/api/v1/events/tagged", json={"summary": "一"},
                                 headers={**admin, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] != etag
    assert changed.headers["etag"] == f'"{changed.json()["version"]}"'

    stale = await client.patch("/api/v1/events/tagged", json={"summary": "二"},
                               headers={**admin, "If-Match": etag})
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["code"] == "precondition_failed"
    assert (await Event.get(slug="tagged")).summary_ja == "一"

    # A weak or malformed tag never matches; "*" and a list holding the current one do.
    for tag in ("W/" + changed.headers["etag"], "garbage", '"x"'):
        refused = await client.patch("/api/v1/events/tagged", json={"summary": "三"},
                                     headers={**admin, "If-Match": tag})
        assert refused.status_code == 412, tag
    for tag in ("*", f'"999", {changed.headers["etag"]}'):
        current = (await client.get("/api/v1/events/tagged", headers=admin)).headers["etag"]
        tag = tag if tag == "*" else f'"999", {current}'
        accepted = await client.patch("/api/v1/events/tagged", json={"summary": "四"},
                                      headers={**admin, "If-Match": tag})
        assert accepted.status_code == 200, (tag, accepted.text)

    # Without If-Match the change still applies (last writer wins, per column).
    plain = await client.patch("/api/v1/events/tagged", json={"summary": "五"}, headers=admin)
    assert plain.status_code == 200
    created = await client.post("/api/v1/events", headers=admin, json={
        "slug": "made", "title": "作成", "sessions": [{
            "starts_at": "2030-05-01T10:00:00+09:00", "ends_at": "2030-05-01T12:00:00+09:00",
            "format": "in_person"}]})
    assert created.headers["etag"] == '"0"'


async def test_of_two_if_match_patches_from_one_copy_one_gets_412(client, admin):
    await make_event(slug="race", start=NOW + timedelta(days=30))
    etag = (await client.get("/api/v1/events/race", headers=admin)).headers["etag"]
    answers = await asyncio.gather(*(
        client.patch("/api/v1/events/race", json={"summary": text},
                     headers={**admin, "If-Match": etag}) for text in ("A", "B")))
    assert sorted(a.status_code for a in answers) == [200, 412]


async def test_the_api_document_declares_if_match_and_etag(client):
    doc = (await client.get("/api/openapi.json")).json()
    patch = doc["paths"]["/api/v1/events/{slug}"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
    assert "412" in patch["responses"]
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert "ETag" in doc["paths"]["/api/v1/events/{slug}"]["get"]["responses"]["200"]["headers"]


# ---- long work under the event's lock has a deadline (PostgreSQL) ---------------------------

def _postgres() -> bool:
    return get_connection("default").capabilities.dialect == "postgres"


async def test_a_change_waiting_too_long_for_the_lock_is_refused_as_busy(client, admin):
    if not _postgres():
        pytest.skip("SQLite serialises writers; lock_timeout is PostgreSQL's")
    event = await make_event(slug="held", start=NOW + timedelta(days=30))
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold_the_lock() -> None:
        async with in_transaction() as conn:
            await seats.lock_event(event.id, conn)
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold_the_lock())
    await holding.wait()
    started = time.monotonic()
    try:
        with pytest.raises(Busy) as busy:
            await catalogue.update_event("held", {"summary": "x"}, actor=ADMIN, now=NOW,
                                         lock_timeout=0.3)
        waited = time.monotonic() - started
        assert busy.value.code == Code.BUSY and busy.value.extra["retry_after"] >= 1
        assert waited < 2, waited
        answer = await client.patch("/api/v1/events/held", json={"summary": "y"},
                                    headers=admin)
    finally:
        release.set()
        await holder
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "busy" and int(answer.headers["retry-after"]) >= 1
    assert (await Event.get(slug="held")).summary_ja == "概要"


async def _fill(event: Event, confirmed: int, waitlisted: int) -> None:
    """Registrants in bulk: one INSERT … SELECT, counters to match."""
    conn = get_connection("default")
    await conn.execute_query(
        "INSERT INTO registration (event_id, token, name, name_kana, email, email_normalized,"
        " affiliation, membership, attendance, locale, status, queue_seq, created_at,"
        " updated_at, cancelled_by, cancel_reason, calendar_sequence, calendar_uids)"
        " SELECT $1, 'tok' || lpad(g::text, 29, '0'), 'Name ' || g, '', "
        " 'a' || g || '@example.jp', 'a' || g || '@example.jp', '', 'none', 'venue', 'ja',"
        " CASE WHEN g <= $2 THEN 'confirmed' ELSE 'waitlisted' END,"
        " CASE WHEN g <= $2 THEN 0 ELSE g END, $3::timestamptz, $3::timestamptz, '', '', 0,"
        " '[]' FROM generate_series(1, $4) AS g",
        [event.id, confirmed, NOW, confirmed + waitlisted])
    await Event.filter(id=event.id).update(venue_confirmed=confirmed,
                                           venue_waitlisted=waitlisted,
                                           queue_seq=confirmed + waitlisted)


async def test_registration_keeps_flowing_while_a_5000_registrant_event_changes(database):
    if not _postgres():
        pytest.skip("SQLite serialises every writer; the row lock is PostgreSQL's")
    event = await make_event(slug="big", start=NOW + timedelta(days=30),
                             capacity={"venue": 4500})
    await _fill(event, 4500, 500)
    await make_event(slug="next-door", start=NOW + timedelta(days=30))

    latencies: dict[str, list[float]] = {"big": [], "next-door": []}
    refused: list[str] = []
    stop = asyncio.Event()

    async def keep_registering(slug: str) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            started = time.perf_counter()
            try:
                await registration.register(slug, {
                    "name": "来場者", "email": f"{slug}-{n}@example.jp"}, now=NOW)
            except Exception as exc:  # noqa: BLE001 (counted, shown below)
                refused.append(type(exc).__name__)
            latencies[slug].append(time.perf_counter() - started)

    registering = [asyncio.create_task(keep_registering(s)) for s in ("big", "next-door")]
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    # Capacity up by 400 (400 promoted) and a new venue (mail to all 5,000 and more).
    await catalogue.update_event("big", {"capacity": {"venue": 4900},
                                         "venue": {"name": "大ホール", "address": "大阪"}},
                                 actor=ADMIN, now=NOW)
    change = time.perf_counter() - started
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*registering)

    promoted = await Registration.filter(event_id=event.id, status="confirmed").count()
    mailed = await Notification.filter(purpose="event_changed").count()
    print(f"\nchange of a 5,000-registrant event: {change * 1000:.0f} ms "
          f"({promoted} confirmed, {mailed} change mails queued); refused {len(refused)}")
    for slug, times in latencies.items():
        print(f"  registrations for {slug} meanwhile: {len(times)}, median "
              f"{statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.0f} ms")
    assert promoted >= 4900 and mailed >= 5000
    assert not refused, refused
    assert all(len(times) > 10 for times in latencies.values())
    # Bounded: nobody waits longer than the change holds the lock, and that is bounded.
    worst = max(max(times) for times in latencies.values())
    assert worst < change + 1.0
    assert worst < seats.STATEMENT_TIMEOUT + seats.LOCK_TIMEOUT

    # A change past its deadline gives up whole: busy, and the event as it was.
    with pytest.raises(Busy):
        await catalogue.update_event("big", {"venue": {"name": "別会場", "address": "京都"}},
                                     actor=ADMIN, now=NOW, statement_timeout=0.001)
    assert (await Event.get(slug="big")).venue_name == "大ホール"
    assert await Notification.filter(purpose="event_changed").count() == mailed
