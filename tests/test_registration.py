"""Registering, the waiting list, self-service and organizer views, through HTTP."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
from datetime import UTC, datetime, timedelta

from events import access, tickets
from events.models import Event, Notification, Registration
from tests.factories import make_event, make_org, session_payload


def person(n: int = 1, **kw):
    return {"name": f"山田 太郎{n}", "name_kana": "やまだ たろう", "email": f"taro{n}@example.jp",
            "affiliation": "インターネット協会", **kw}


async def register(client, slug, **kw):
    return await client.post(f"/api/v1/events/{slug}/registrations", json=person(**kw))


async def test_register_confirmed_with_signed_ticket(client):
    await make_event(slug="sym", format="hybrid", capacity={"venue": 2, "online": None})
    response = await register(client, "sym", attendance="venue")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["attendance"] == "venue"
    assert body["waitlist_position"] is None
    token = body["manage_url"].rsplit("/", 1)[1]
    assert body["ticket"]["url"] == body["manage_url"] == f"http://testserver/tickets/{token}"
    assert len(base64.urlsafe_b64decode(token + "==")) >= 16, "token carries >= 128 bits"

    code = body["ticket"]["code"]
    assert len(code) <= 100
    assert "yamada" not in code.lower() and "example" not in code
    key = (await client.get("/api/v1/tickets/public-key")).json()
    public = base64.urlsafe_b64decode(key["public_key"] + "=")
    ticket = tickets.verify(public, code)
    assert ticket.registration_id == body["id"]

    event = (await client.get("/api/v1/events/sym")).json()
    assert event["registrations"]["venue"] == {"capacity": 2, "confirmed": 1, "waitlisted": 0,
                                               "left": 1}


async def test_full_mode_waitlists_in_order_and_cancellation_promotes(client):
    await make_event(slug="small", format="hybrid", capacity={"venue": 1, "online": None})
    first = (await register(client, "small", n=1, attendance="venue")).json()
    second = (await register(client, "small", n=2, attendance="venue")).json()
    third = (await register(client, "small", n=3, attendance="venue")).json()
    online = (await register(client, "small", n=4, attendance="online")).json()
    assert [first["status"], second["status"], third["status"], online["status"]] == [
        "confirmed", "waitlisted", "waitlisted", "confirmed"]
    assert [second["waitlist_position"], third["waitlist_position"]] == [1, 2]

    token = first["manage_url"].rsplit("/", 1)[1]
    cancelled = await client.post(f"/api/v1/registrations/{first['id']}/cancel",
                                  params={"token": token})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/api/v1/registrations/{first['id']}/cancel",
                              params={"token": token})
    assert again.status_code == 200, "cancelling twice is harmless"

    promoted = await Registration.get(id=second["id"])
    assert promoted.status == "confirmed"
    third_now = await client.get(f"/api/v1/registrations/{third['id']}",
                                 params={"token": third["manage_url"].rsplit("/", 1)[1]})
    assert third_now.json()["waitlist_position"] == 1
    assert await Notification.filter(registration_id=second["id"], purpose="promoted").count() == 1


async def test_raising_capacity_promotes_the_waiting_list(client, admin):
    await make_event(slug="grow", capacity={"venue": 1, "online": None})
    for n in range(1, 5):
        await register(client, "grow", n=n)
    response = await client.patch("/api/v1/events/grow", headers=admin,
                                  json={"capacity": {"venue": 3, "online": None}})
    assert response.status_code == 200, response.text
    statuses = [r.status for r in await Registration.all().order_by("id")]
    assert statuses == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    assert response.json()["registrations"]["venue"]["confirmed"] == 3
    assert response.json()["registrations"]["venue"]["waitlisted"] == 1


def token_of(body) -> str:
    return body["manage_url"].rsplit("/", 1)[1]


async def promoted_messages() -> dict[int, list[int]]:
    """Registration id -> the revisions of its `promoted` messages."""
    out: dict[int, list[int]] = {}
    for n in await Notification.filter(purpose="promoted").order_by("id"):
        out.setdefault(n.registration_id, []).append(n.revision)
    return out


async def assert_counters_match_rows(event_id: int) -> None:
    event = await Event.get(id=event_id)
    for mode in ("venue", "online"):
        rows = await Registration.filter(event_id=event_id, attendance=mode)
        confirmed = sum(r.status == "confirmed" for r in rows)
        waiting = sum(r.status == "waitlisted" for r in rows)
        assert (getattr(event, f"{mode}_confirmed"), getattr(event, f"{mode}_waitlisted")) == (
            confirmed, waiting), mode


async def test_raising_capacity_by_n_promotes_the_first_n_in_queue_order(client, admin):
    event = await make_event(slug="raise", format="hybrid",
                             capacity={"venue": 1, "online": None})
    seated = (await register(client, "raise", n=1, attendance="venue")).json()
    mover = (await register(client, "raise", n=2, attendance="online")).json()
    queued = [(await register(client, "raise", n=n, attendance="venue")).json()
              for n in (3, 4)]
    # The mover joins the venue queue after 3 and 4 although registered before them.
    moved = await client.post(f"/api/v1/registrations/{mover['id']}/attendance",
                              params={"token": token_of(mover)}, json={"attendance": "venue"})
    assert moved.json()["waitlist_position"] == 3
    last = (await register(client, "raise", n=5, attendance="venue")).json()
    queue = [queued[0]["id"], queued[1]["id"], mover["id"], last["id"]]
    assert seated["status"] == "confirmed" and await promoted_messages() == {}

    response = await client.patch("/api/v1/events/raise", headers=admin,
                                  json={"capacity": {"venue": 4, "online": None}})
    assert response.status_code == 200, response.text
    assert response.json()["registrations"]["venue"] == {
        "capacity": 4, "confirmed": 4, "waitlisted": 1, "left": 0}
    statuses = {r.id: r.status for r in await Registration.filter(attendance="venue")}
    assert [statuses[i] for i in queue] == ["confirmed"] * 3 + ["waitlisted"]
    assert await promoted_messages() == {i: [0] for i in queue[:3]}
    assert (await client.get(f"/api/v1/registrations/{last['id']}",
                             params={"token": token_of(last)})).json()["waitlist_position"] == 1
    await assert_counters_match_rows(event.id)

    # Promoted a second time: the next revision of the message.
    first = queued[0]
    for mode in ("online", "venue"):
        await client.post(f"/api/v1/registrations/{first['id']}/attendance",
                          params={"token": token_of(first)}, json={"attendance": mode})
    assert (await Registration.get(id=first["id"])).status == "waitlisted"
    assert (await Registration.get(id=last["id"])).status == "confirmed"
    # Unlimited: everyone left in the queue.
    response = await client.patch("/api/v1/events/raise", headers=admin,
                                  json={"capacity": {"venue": None, "online": None}})
    assert response.json()["registrations"]["venue"]["waitlisted"] == 0
    assert await promoted_messages() == {queue[0]: [0, 1], queue[1]: [0], queue[2]: [0],
                                         queue[3]: [0]}
    await assert_counters_match_rows(event.id)


async def test_promotion_repairs_counters_that_count_too_many(client, admin):
    event = await make_event(slug="drift", capacity={"venue": 1, "online": None})
    for n in range(1, 4):
        await register(client, "drift", n=n)
    await Event.filter(id=event.id).update(venue_waitlisted=5)  # more than the 2 rows
    response = await client.patch("/api/v1/events/drift", headers=admin,
                                  json={"capacity": {"venue": 10, "online": None}})
    assert response.json()["registrations"]["venue"]["confirmed"] == 3
    assert response.json()["registrations"]["venue"]["waitlisted"] == 0
    await assert_counters_match_rows(event.id)


async def test_concurrent_cancellations_keep_counters_equal_to_rows(client):
    # Twelve from one client: past half its limit, "auto" would ask for proof of work.
    event = await make_event(slug="leave", format="hybrid", challenge="off",
                             capacity={"venue": 5, "online": None})
    bodies = [(await register(client, "leave", n=n, attendance="venue")).json()
              for n in range(1, 13)]
    seated = [b for b in bodies if b["status"] == "confirmed"]
    waiting = [b for b in bodies if b["status"] == "waitlisted"]
    assert (len(seated), len(waiting)) == (5, 7)
    leaving = seated[:4] + [waiting[1], waiting[4]]
    responses = await asyncio.gather(*(
        client.post(f"/api/v1/registrations/{b['id']}/cancel", params={"token": token_of(b)})
        for b in leaving))
    assert [r.json()["status"] for r in responses] == ["cancelled"] * len(leaving)

    await assert_counters_match_rows(event.id)
    fresh = await Event.get(id=event.id)
    assert (fresh.venue_confirmed, fresh.venue_waitlisted) == (5, 1)
    still_waiting = [b["id"] for b in waiting if b not in leaving]
    statuses = {r.id: r.status for r in await Registration.all()}
    # Four seats freed, five left in the queue: its first four are seated, in order.
    assert [statuses[i] for i in still_waiting] == ["confirmed"] * 4 + ["waitlisted"]
    # Whoever left from the queue may have been seated first, depending on the order.
    messages = await promoted_messages()
    assert {i: messages.pop(i) for i in still_waiting[:4]} == {i: [0] for i in still_waiting[:4]}
    assert set(messages) <= {waiting[1]["id"], waiting[4]["id"]}
    assert all(revisions == [0] for revisions in messages.values())


async def test_same_email_twice_is_a_conflict(client):
    await make_event(slug="dup")
    assert (await register(client, "dup")).status_code == 201
    again = await client.post("/api/v1/events/dup/registrations",
                              json=person(email="  TARO1@Example.JP "))
    assert again.status_code == 409
    assert "registration_status" not in again.json()
    assert again.json()["code"] == "already_registered"
    assert await Registration.all().count() == 1


async def test_cancelled_attendee_can_register_again(client):
    await make_event(slug="back")
    first = (await register(client, "back")).json()
    await client.post(f"/api/v1/registrations/{first['id']}/cancel",
                      params={"token": first["manage_url"].rsplit("/", 1)[1]})
    again = await register(client, "back")
    assert again.status_code == 201
    assert again.json()["status"] == "confirmed"


async def test_attendance_modes_follow_the_event_format(client):
    await make_event(slug="inperson", format="in_person")
    await make_event(slug="online-only", format="online")
    await make_event(slug="both", format="hybrid")
    assert (await register(client, "inperson")).json()["attendance"] == "venue"
    assert (await register(client, "online-only")).json()["attendance"] == "online"
    refused = await register(client, "online-only", n=2, attendance="venue")
    assert refused.status_code == 422
    assert refused.json()["code"] == "attendance_not_offered"
    missing = await register(client, "both")
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "attendance"


async def test_refusals_name_the_reason(client):
    now = datetime.now(UTC)
    await make_event(slug="later", registration_opens_at=(now + timedelta(days=1)).isoformat())
    await make_event(slug="closed", registration_closes_at=(now - timedelta(days=1)).isoformat(),
                     registration_opens_at=(now - timedelta(days=9)).isoformat())
    await make_event(slug="off", status="cancelled")
    await make_event(slug="draft", status="draft")
    await make_event(slug="past", start=now - timedelta(days=3))
    expected = {"later": (409, "registration_not_open"), "closed": (409, "registration_closed"),
                "off": (409, "event_cancelled"), "past": (409, "registration_closed")}
    for slug, (status, code) in expected.items():
        response = await register(client, slug)
        assert response.status_code == status, (slug, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code
    assert (await register(client, "draft")).status_code == 404
    assert await Registration.all().count() == 0


async def test_invalid_fields_are_all_reported(client):
    await make_event(slug="v")
    response = await client.post("/api/v1/events/v/registrations", json={
        "name": "", "name_kana": "Yamada", "email": "not-an-email", "membership": "nope",
        "locale": "fr", "attendance": "teleport", "consent": "yes"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"name", "name_kana", "email", "membership", "locale", "attendance",
                      "consent"}
    injected = await client.post("/api/v1/events/v/registrations",
                                 json=person(name="Eve\r\nBcc: all@example.com"))
    assert injected.status_code == 422
    assert injected.json()["errors"][0]["field"] == "name"


async def test_membership_may_name_an_organization(client):
    await make_org("jpnic")
    await make_event(slug="m")
    ok = await register(client, "m", membership="jpnic")
    assert ok.status_code == 201


async def test_switch_attendance_queues_when_full(client):
    await make_event(slug="sw", format="hybrid", capacity={"venue": 1, "online": 5})
    seated = (await register(client, "sw", n=1, attendance="venue")).json()
    mover = (await register(client, "sw", n=2, attendance="online")).json()
    token = mover["manage_url"].rsplit("/", 1)[1]
    moved = await client.post(f"/api/v1/registrations/{mover['id']}/attendance",
                              params={"token": token}, json={"attendance": "venue"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "waitlisted"
    assert moved.json()["waitlist_position"] == 1
    seated_token = seated["manage_url"].rsplit("/", 1)[1]
    back = await client.post(f"/api/v1/registrations/{seated['id']}/attendance",
                             params={"token": seated_token}, json={"attendance": "online"})
    assert back.json()["status"] == "confirmed"
    promoted = await Registration.get(id=mover["id"])
    assert (promoted.attendance, promoted.status) == ("venue", "confirmed")


async def test_self_service_needs_the_right_token(client):
    await make_event(slug="t")
    body = (await register(client, "t")).json()
    wrong = await client.get(f"/api/v1/registrations/{body['id']}", params={"token": "x" * 32})
    assert wrong.status_code == 404
    missing = await client.get(f"/api/v1/registrations/{body['id']}")
    assert missing.status_code == 422
    other_id = await client.get(f"/api/v1/registrations/{body['id'] + 1}",
                                params={"token": body["manage_url"].rsplit("/", 1)[1]})
    assert other_id.status_code == 404
    mine = await client.get(f"/api/v1/registrations/{body['id']}",
                            params={"token": body["manage_url"].rsplit("/", 1)[1]})
    assert mine.json()["email"] == "taro1@example.jp"


async def test_organizer_lists_filters_and_exports(client, admin):
    await make_org("iajapan")
    await make_event(slug="org-ev", format="hybrid", capacity={"venue": 1, "online": None},
                     partners=[{"org": "iajapan", "role": "organizer"}])
    await register(client, "org-ev", n=1, attendance="venue")
    await register(client, "org-ev", n=2, attendance="venue", affiliation="=HYPERLINK(1)")
    await register(client, "org-ev", n=3, attendance="online", name="佐藤 花子",
                   name_kana="さとう はなこ")
    _, raw = await access.create_key("org", "organizer", org_slug="iajapan")
    key = {"Authorization": f"Bearer {raw}"}
    assert (await client.get("/api/v1/events/org-ev/registrations")).status_code == 401
    _, other = await access.create_key("x", "partner", org_slug="iajapan")
    assert (await client.get("/api/v1/events/org-ev/registrations",
                             headers={"Authorization": f"Bearer {other}"})).status_code == 403

    listing = (await client.get("/api/v1/events/org-ev/registrations", headers=key)).json()
    assert [r["status"] for r in listing["items"]] == ["confirmed", "waitlisted", "confirmed"]
    assert listing["items"][1]["waitlist_position"] == 1
    assert listing["items"][0]["checked_in"] is False
    only = await client.get("/api/v1/events/org-ev/registrations", headers=key,
                            params={"q": "さとう"})
    assert [r["name"] for r in only.json()["items"]] == ["佐藤 花子"]
    waiting = await client.get("/api/v1/events/org-ev/registrations", headers=admin,
                               params={"status": "waitlisted", "attendance": "venue"})
    assert len(waiting.json()["items"]) == 1
    paged = await client.get("/api/v1/events/org-ev/registrations", headers=admin,
                             params={"limit": 2})
    assert paged.json()["next_cursor"]
    rest = await client.get("/api/v1/events/org-ev/registrations", headers=admin,
                            params={"limit": 2, "cursor": paged.json()["next_cursor"]})
    assert len(rest.json()["items"]) == 1

    exported = await client.get("/api/v1/events/org-ev/registrations.csv", headers=key)
    assert exported.status_code == 200
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["山田 太郎1", "山田 太郎2", "佐藤 花子"]
    assert rows[1]["affiliation"] == "'=HYPERLINK(1)"


async def test_registration_on_a_multi_part_event(client):
    start = datetime(2030, 4, 14, 1, tzinfo=UTC)
    await make_event(slug="parts", sessions=[session_payload(start, fmt="hybrid"),
                                             session_payload(start + timedelta(days=5),
                                                             fmt="online")])
    assert (await register(client, "parts", attendance="online")).status_code == 201
    assert (await register(client, "parts", n=2, attendance="venue")).status_code == 201


async def test_odd_tokens_ids_and_queries_are_clean_errors(client, admin):
    await make_event(slug="odd")
    for path in ("/api/v1/registrations/99999999999?token=" + "a" * 32,
                 "/api/v1/registrations/1?token=%00abc",
                 "/api/v1/registrations/1?token=" + "é" * 20,
                 "/tickets/%00abcdefghijklmnopq", "/tickets/" + "a" * 300):
        response = await client.get(path)
        assert response.status_code == 404, (path, response.text)
    for params in ({"q": "\x00"}, {"cursor": "99999999999999"}, {"cursor": "x"},
                   {"status": "gone"}, {"limit": "0"}):
        response = await client.get("/api/v1/events/odd/registrations", headers=admin,
                                    params=params)
        assert response.status_code == 422, (params, response.text)
