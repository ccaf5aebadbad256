"""Idempotency-Key on registering: a retry after a lost answer gets the first answer
(with its ticket), not a 409 without it; the same key never registers twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import time_machine

from events import idempotency
from events.models import IdempotentReply, Registration
from tests.factories import make_event

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
ALICE = {"name": "山田 花子", "email": "hanako@example.jp"}


async def post(client, slug, body, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return await client.post(f"/api/v1/events/{slug}/registrations", json=body,
                             headers=headers)


async def test_a_retry_gets_the_first_answer_with_its_ticket(client):
    await make_event(slug="retry", challenge="off")
    first = await post(client, "retry", ALICE, "order-7f3a")
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = await post(client, "retry", ALICE, "order-7f3a")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.json()["token"] and again.json()["ticket"]["code"]
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert await Registration.filter(event__slug="retry").count() == 1


async def test_without_a_key_the_retry_is_a_conflict_without_the_ticket(client):
    await make_event(slug="nokey", challenge="off")
    assert (await post(client, "nokey", ALICE)).status_code == 201
    again = await post(client, "nokey", ALICE)
    assert again.status_code == 409 and "token" not in again.json()


async def test_the_same_key_with_another_body_is_refused(client):
    await make_event(slug="reuse", challenge="off")
    assert (await post(client, "reuse", ALICE, "k1")).status_code == 201
    other = await post(client, "reuse", {**ALICE, "email": "other@example.jp"}, "k1")
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["code"] == "idempotency_key_reused"
    # The same body with its members in another order and spacing is the same request.
    reordered = await client.post(
        "/api/v1/events/reuse/registrations", headers={
            "Idempotency-Key": "k1", "Content-Type": "application/json"},
        content='{ "email": "hanako@example.jp",  "name": "山田 花子" }'.encode())
    assert reordered.status_code == 201 and reordered.headers["idempotent-replayed"] == "true"


async def test_keys_are_scoped_to_the_event(client):
    await make_event(slug="ev-a", challenge="off")
    await make_event(slug="ev-b", challenge="off")
    a = await post(client, "ev-a", ALICE, "same")
    b = await post(client, "ev-b", ALICE, "same")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"] and "idempotent-replayed" not in b.headers


async def test_keys_expire_after_a_day(client):
    await make_event(slug="day", challenge="off")
    with time_machine.travel(NOW, tick=False) as clock:
        assert (await post(client, "day", ALICE, "k")).status_code == 201
        clock.shift(timedelta(hours=23, minutes=59))
        assert (await post(client, "day", ALICE, "k")).headers["idempotent-replayed"] == "true"
        clock.shift(timedelta(minutes=1))
        late = await post(client, "day", ALICE, "k")
        assert late.status_code == 409 and late.json()["code"] == "already_registered"


async def test_expired_answers_are_forgotten(client):
    await make_event(slug="old", challenge="off")
    with time_machine.travel(NOW, tick=False):
        assert (await post(client, "old", ALICE, "k")).status_code == 201
    assert await idempotency.forget_expired(NOW + timedelta(hours=23)) == 0
    assert await idempotency.forget_expired(NOW + timedelta(hours=24, seconds=1)) == 1


async def test_a_failed_request_frees_its_key(client):
    await make_event(slug="fix", challenge="off")
    bad = await post(client, "fix", {**ALICE, "email": "not an address"}, "k")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    assert await IdempotentReply.all().count() == 0
    assert (await post(client, "fix", ALICE, "k")).status_code == 201


async def test_a_bad_key_names_the_header(client):
    await make_event(slug="bad", challenge="off")
    for key in ("", "x" * 201, "ключ".encode(), "has space"):
        answer = await post(client, "bad", ALICE, key)
        assert answer.status_code == 422, key
        assert answer.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await Registration.all().count() == 0


async def test_copies_racing_register_once(client):
    await make_event(slug="race", challenge="off")
    answers = await asyncio.gather(*(post(client, "race", ALICE, "k") for _ in range(8)))
    codes = sorted(a.status_code for a in answers)
    assert set(codes) <= {201, 409} and 201 in codes, codes
    for a in answers:
        if a.status_code == 409:
            assert a.json()["code"] == "idempotency_key_in_use"
            assert a.headers["retry-after"] == "1"
    assert await Registration.filter(event__slug="race").count() == 1
    ids = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(ids) == 1


async def test_a_reservation_left_by_a_dead_worker_is_taken_over(database):
    await IdempotentReply.create(key="registrations:x:k", fingerprint="0" * 64, status=0,
                                 body={}, created_at=NOW)
    assert await idempotency.begin("registrations:x", "k", ALICE,
                                   NOW + timedelta(minutes=3)) is None
