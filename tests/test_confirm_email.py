"""Confirm email first: a registration holds its seat until the mailed link is opened, holds
that run out go to the waiting list, and every registration attempt gets the same answer."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
import time_machine

from events import access, holds
from events import registration as reg
from events.config import DOCUMENTED
from events.errors import Code, Refused
from events.models import Event, Notification, Registration
from events.worker import Worker
from tests.conftest import make_settings
from tests.factories import csrf_of, make_event, session_payload

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
HOLD = timedelta(minutes=30)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def person(n: int, **kw):
    return {"name": f"山田 太郎{n}", "email": f"taro{n}@example.jp", **kw}


async def confirming_event(slug: str = "held", **kw) -> Event:
    event = await make_event(slug=slug, now=NOW, sessions=[
        session_payload(NOW + timedelta(days=20))], **kw)
    await Event.filter(id=event.id).update(confirm_email=True)
    return await Event.get(id=event.id)


async def purposes(registration_id: int) -> list[str]:
    return [n.purpose for n in await Notification.filter(
        registration_id=registration_id).order_by("id")]


async def test_the_event_json_turns_it_on_and_shows_it(client, admin):
    await make_event(slug="opt", now=NOW, sessions=[session_payload(NOW + timedelta(days=20))])
    assert (await client.get("/api/v1/events/opt")).json()["confirm_email"] is False
    changed = await client.patch("/api/v1/events/opt", headers=admin,
                                 json={"confirm_email": True})
    assert changed.status_code == 200, changed.text
    assert changed.json()["confirm_email"] is True
    assert (await Event.get(slug="opt")).confirm_email is True
    refused = await client.patch("/api/v1/events/opt", headers=admin,
                                 json={"confirm_email": "yes"})
    assert refused.status_code == 422


async def test_the_api_answers_check_your_email_the_same_for_new_and_registered(
        client, fixed_clock):
    await confirming_event(capacity={"venue": 5})
    first = await client.post("/api/v1/events/held/registrations", json=person(1))
    assert first.status_code == 202, first.text
    assert first.json() == {"status": "check_email", "hold_minutes": 30,
                            "detail": first.json()["detail"]}
    assert "location" not in first.headers and "token" not in first.text

    held = await Registration.get(email_normalized="taro1@example.jp")
    assert held.status == "unconfirmed" and held.email_confirmed_at is None
    assert held.hold_expires_at == NOW + HOLD
    assert (await Event.get(slug="held")).venue_confirmed == 1, "the hold takes the seat"
    assert await purposes(held.id) == ["confirm_email"], "no ticket before the address works"

    again = await client.post("/api/v1/events/held/registrations", json=person(1))
    assert (again.status_code, again.json()) == (202, first.json())
    assert await Registration.filter(email_normalized="taro1@example.jp").count() == 1
    assert await purposes(held.id) == ["confirm_email", "confirm_email"]  # the link again

    await holds.confirm(held, now=NOW + timedelta(minutes=1))
    fixed_clock.move_to(NOW + timedelta(minutes=61))  # links are mailed at most hourly
    registered = await client.post("/api/v1/events/held/registrations", json=person(1))
    assert (registered.status_code, registered.json()) == (202, first.json())
    # A second registration of a confirmed address: its ticket link, not an error.
    assert (await purposes(held.id))[-1] == "ticket_link"


async def test_opening_the_link_confirms_the_seat_and_sends_the_ticket(client):
    await confirming_event()
    await client.post("/api/v1/events/held/registrations", json=person(1))
    held = await Registration.get(email_normalized="taro1@example.jp")

    ticket = await client.get(f"/tickets/{held.token}")
    assert f'href="/tickets/{held.token}/confirm' in ticket.text, "the ticket page says so"
    assert "qr.png" not in ticket.text
    page = await client.get(f"/tickets/{held.token}/confirm")
    assert page.status_code == 200
    assert f'action="/tickets/{held.token}/confirm' in page.text
    assert (await Registration.get(id=held.id)).status == "unconfirmed", "a GET changes nothing"

    done = await client.post(f"/tickets/{held.token}/confirm",
                             data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith(f"/tickets/{held.token}")
    confirmed = await Registration.get(id=held.id)
    assert confirmed.status == "confirmed" and confirmed.email_confirmed_at == NOW
    assert confirmed.hold_expires_at is None
    assert await purposes(held.id) == ["confirm_email", "confirmed"]

    twice = await client.post(f"/tickets/{held.token}/confirm",
                              data={"csrf_token": csrf_of(page.text)})
    assert twice.status_code == 303
    assert await purposes(held.id) == ["confirm_email", "confirmed"], "idempotent"
    ticket = await client.get(f"/tickets/{held.token}")
    assert ticket.status_code == 200


async def test_a_link_opened_too_late_says_so_and_releases_the_seat(client, fixed_clock):
    await confirming_event(capacity={"venue": 1})
    await client.post("/api/v1/events/held/registrations", json=person(1))
    held = await Registration.get(email_normalized="taro1@example.jp")
    page = await client.get(f"/tickets/{held.token}/confirm")
    fixed_clock.move_to(NOW + HOLD + timedelta(seconds=1))
    late = await client.post(f"/tickets/{held.token}/confirm",
                             data={"csrf_token": csrf_of(page.text)})
    assert late.status_code == 409
    assert "Register again" in late.text or "もう一度登録" in late.text
    assert (await Registration.get(id=held.id)).status == "cancelled"
    assert (await Event.get(slug="held")).venue_confirmed == 0
    again = await client.get(f"/tickets/{held.token}/confirm")
    assert again.status_code == 200 and ("Register again" in again.text
                                         or "もう一度登録" in again.text)


async def test_holds_that_run_out_release_their_seat_to_the_waiting_list(database):
    event = await confirming_event(capacity={"venue": 1})
    first = (await reg.register("held", person(1), now=NOW, hold=HOLD)).registration
    later = NOW + timedelta(minutes=20)
    second = (await reg.register("held", person(2), now=later, hold=HOLD)).registration
    assert (first.status, second.status) == ("unconfirmed", "waitlisted")
    # Waiting people confirm first too: the second one does, while waiting.
    await holds.confirm(second, now=later + timedelta(minutes=1))
    assert await purposes(second.id) == ["confirm_email", "waitlisted"]

    assert await holds.expire_holds(NOW + HOLD - timedelta(seconds=1)) == 0
    assert await holds.expire_holds(NOW + HOLD) == 1
    expired, promoted = await Registration.get(id=first.id), await Registration.get(id=second.id)
    assert (expired.status, expired.cancelled_by) == ("cancelled", "hold_expired")
    assert promoted.status == "confirmed"
    assert await purposes(first.id) == ["confirm_email"], "no mail to an unproven address"
    assert (await purposes(second.id))[-1] == "promoted"
    counted = await Event.get(id=event.id)
    assert (counted.venue_confirmed, counted.venue_waitlisted) == (1, 0)

    with pytest.raises(Refused) as late:
        await holds.confirm(expired, now=NOW + HOLD + timedelta(minutes=1))
    assert late.value.code == Code.HOLD_EXPIRED


async def test_a_waiting_registration_not_yet_confirmed_moves_up_to_a_held_seat(database):
    await confirming_event(capacity={"venue": 1})
    first = (await reg.register("held", person(1), now=NOW, hold=HOLD)).registration
    at = NOW + timedelta(minutes=10)
    second = (await reg.register("held", person(2), now=at, hold=HOLD)).registration
    await holds.expire_holds(NOW + HOLD)
    moved = await Registration.get(id=second.id)
    assert moved.status == "unconfirmed" and moved.hold_expires_at == at + HOLD
    assert await purposes(second.id) == ["confirm_email"], "still waiting for the address"
    confirmed = await holds.confirm(moved, now=at + timedelta(minutes=25))
    assert confirmed.status == "confirmed"
    assert (await Registration.get(id=first.id)).status == "cancelled"
    event = await Event.get(slug="held")
    assert (event.venue_confirmed, event.venue_waitlisted) == (1, 0)


async def test_registering_sweeps_the_event_first_and_an_expired_address_may_return(database):
    await confirming_event(capacity={"venue": 1})
    first = (await reg.register("held", person(1), now=NOW, hold=HOLD)).registration
    after = NOW + HOLD + timedelta(minutes=1)
    newcomer = await reg.register("held", person(2), now=after, hold=HOLD)
    assert newcomer.registration.status == "unconfirmed", "the run-out hold was released"
    assert newcomer.check_email
    assert (await Registration.get(id=first.id)).status == "cancelled"
    back = await reg.register("held", person(1), now=after, hold=HOLD)
    revived = await Registration.get(id=first.id)
    assert back.check_email and revived.status == "waitlisted"
    assert revived.hold_expires_at == after + HOLD and revived.email_confirmed_at is None


async def test_the_form_answers_the_same_page_for_a_new_and_a_registered_address(client):
    await confirming_event()
    form = await client.get("/events/held/register")
    token = csrf_of(form.text)
    data = {"csrf_token": token, "name": "山田 太郎", "email": "taro@example.jp",
            "consent": "yes"}
    new = await client.post("/events/held/register", data=data)
    again = await client.post("/events/held/register", data=data)
    assert new.status_code == again.status_code == 200, new.text
    assert "30" in new.text and new.text == again.text
    held = await Registration.get(email_normalized="taro@example.jp")
    assert held.status == "unconfirmed"


async def test_lists_and_the_csv_name_the_status(client, admin):
    await confirming_event()
    await client.post("/api/v1/events/held/registrations", json=person(1))
    listed = await client.get("/api/v1/events/held/registrations?status=unconfirmed",
                              headers=admin)
    assert listed.status_code == 200, listed.text
    assert [r["status"] for r in listed.json()["items"]] == ["unconfirmed"]
    exported = await client.get("/api/v1/events/held/registrations.csv", headers=admin)
    assert exported.status_code == 200 and "unconfirmed" in exported.text


async def test_the_door_refuses_an_unconfirmed_registration(client):
    day = datetime(2030, 6, 1, tzinfo=TOKYO)
    event = await make_event(slug="door", now=NOW, sessions=[session_payload(day, hours=24)])
    await Event.filter(id=event.id).update(confirm_email=True)
    await client.post("/api/v1/events/door/registrations", json=person(1))
    held = await Registration.get(email_normalized="taro1@example.jp")
    _, raw = await access.create_key("door", "checkin", event_slug="door")
    scan = await client.post("/api/v1/events/door/checkins", json={
        "registration_id": held.id}, headers={"Authorization": f"Bearer {raw}"})
    assert scan.json()["result"] == "unconfirmed", scan.text
    assert scan.status_code == 409


async def test_the_worker_releases_holds_and_mails_the_link(database):
    await confirming_event(capacity={"venue": 1})
    held = (await reg.register("held", person(1), now=NOW, hold=HOLD)).registration
    await Worker(database, poll=0.01, clock=lambda: NOW).run(once=True)
    sent = list((database.var_dir / "outbox").glob("*.eml"))
    assert len(sent) == 1
    message = email.message_from_bytes(sent[0].read_bytes(), policy=policy.default)
    body = message.get_body(("plain",)).get_content()
    assert f"/tickets/{held.token}/confirm" in body
    await Worker(database, poll=0.01, clock=lambda: NOW + HOLD).run(once=True)
    assert (await Registration.get(id=held.id)).status == "cancelled"


def test_the_hold_is_a_documented_setting(tmp_path):
    assert any(d.name == "KAIGI_CONFIRM_HOLD_MINUTES" for d in DOCUMENTED)
    settings = make_settings("sqlite://x", tmp_path, KAIGI_CONFIRM_HOLD_MINUTES="45")
    assert settings.confirm_hold == timedelta(minutes=45)
    assert make_settings("sqlite://x", tmp_path).confirm_hold == HOLD
