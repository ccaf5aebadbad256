"""Registering twice, registering again after cancelling, and "lost your ticket link?":
the registered address gets its link by mail, at most hourly; a stranger learns nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from events.config import Settings
from events.models import Notification, Registration
from events.worker import Worker
from tests.factories import csrf_of, make_event
from tests.mailserver import MailServer

NOW = datetime(2030, 6, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def person(n: int = 1, **kw):
    return {"name": f"山田 太郎{n}", "name_kana": "やまだ たろう", "email": f"taro{n}@example.jp",
            "affiliation": "インターネット協会", **kw}


async def register(client, slug: str, n: int = 1, **kw):
    return await client.post(f"/api/v1/events/{slug}/registrations", json=person(n, **kw))


async def links_queued(registration_id: int | None = None) -> int:
    query = Notification.filter(purpose="ticket_link")
    if registration_id is not None:
        query = query.filter(registration_id=registration_id)
    return await query.count()


async def deliver(settings: Settings, server: MailServer) -> Worker:
    worker = Worker(replace(settings, smtp_url=server.url), poll=0.01)
    await worker.run(once=True)
    return worker


def token_of(body: dict) -> str:
    return body["manage_url"].rsplit("/", 1)[1]


# ---- registering twice -------------------------------------------------------------------

async def test_a_second_registration_names_no_status_and_mails_the_link_hourly(client, clock):
    await make_event(slug="twice", capacity={"venue": 1, "online": None},
                     start=NOW + timedelta(days=30))
    confirmed = (await register(client, "twice", 1)).json()
    waiting = (await register(client, "twice", 2)).json()
    assert (confirmed["status"], waiting["status"]) == ("confirmed", "waitlisted")

    answers = [await register(client, "twice", n, name="別人") for n in (1, 2)]
    for answer in answers:
        assert answer.status_code == 409
        assert answer.json()["code"] == "already_registered"
        assert "registration_status" not in answer.json()
    # Confirmed or waiting: a stranger cannot tell them apart.
    assert answers[0].json() == answers[1].json()
    assert "confirmed" not in answers[0].text and "wait" not in answers[0].text
    assert await links_queued(confirmed["id"]) == await links_queued(waiting["id"]) == 1

    # Within the hour: the same answer, no second mail.
    clock.shift(timedelta(minutes=59))
    again = await register(client, "twice", 1)
    assert again.status_code == 409 and again.json() == answers[0].json()
    assert await links_queued(confirmed["id"]) == 1
    clock.shift(timedelta(minutes=2))
    await register(client, "twice", 1)
    assert await links_queued(confirmed["id"]) == 2
    assert (await Registration.get(id=confirmed["id"])).name == "山田 太郎1", "nothing changed"


async def test_the_ticket_link_mail_reaches_the_address_in_its_language(
        client, database, smtp_server):
    await make_event(slug="mailed", start=NOW + timedelta(days=30))
    ja = (await register(client, "mailed", 1)).json()
    en = (await register(client, "mailed", 2, locale="en")).json()
    for n in (1, 2):
        assert (await register(client, "mailed", n)).status_code == 409
    await Notification.filter(purpose="confirmed").update(status="sent")
    worker = await deliver(database, smtp_server)
    assert worker.stats["sent"] == 2
    received = {r.recipients[0]: r.message for r in smtp_server.received}
    ja_mail, en_mail = received["taro1@example.jp"], received["taro2@example.jp"]
    assert str(ja_mail["Subject"]) == "【チケットのリンク】テストイベント"
    assert str(en_mail["Subject"]) == "Your ticket link: Test event"
    for message, body in ((ja_mail, ja), (en_mail, en)):
        text = message.get_body(("plain",)).get_content()
        assert f"http://testserver/tickets/{token_of(body)}" in text


async def test_the_form_says_the_link_was_mailed_in_both_languages(client):
    await make_event(slug="form-twice", start=NOW + timedelta(days=30))
    assert (await register(client, "form-twice", 1)).status_code == 201
    words = {"ja": "このメールアドレスは既に登録されています。"
                   "チケットのリンクをこのアドレスにお送りしました。",
             "en": "This email address is already registered; we have mailed its ticket "
                   "link to it."}
    for lang, said in words.items():
        page = await client.get("/events/form-twice/register", params={"lang": lang})
        sent = await client.post(f"/events/form-twice/register?lang={lang}", data={
            "csrf_token": csrf_of(page.text), **person(1), "consent": "yes"})
        assert sent.status_code == 409
        assert said in sent.text
        assert "参加確定" not in sent.text.split("<form", 1)[0]
    assert await links_queued() == 1


# ---- registering again ---------------------------------------------------------------------

async def test_registering_again_after_cancelling_issues_a_new_token(client):
    await make_event(slug="again", start=NOW + timedelta(days=30))
    first = (await register(client, "again")).json()
    old = token_of(first)
    cancelled = await client.post(f"/api/v1/registrations/{first['id']}/cancel",
                                  params={"token": old})
    assert cancelled.status_code == 200
    second = await register(client, "again")
    assert second.status_code == 201 and second.json()["id"] == first["id"]
    new = token_of(second.json())
    assert new != old
    # The old token, in old mails, controls nothing any more.
    assert (await client.get(f"/api/v1/registrations/{first['id']}",
                             params={"token": old})).status_code == 404
    assert (await client.get(f"/tickets/{old}")).status_code == 404
    assert (await client.post(f"/api/v1/registrations/{first['id']}/cancel",
                              params={"token": old})).status_code == 404
    mine = await client.get(f"/api/v1/registrations/{first['id']}", params={"token": new})
    assert mine.status_code == 200 and mine.json()["status"] == "confirmed"


# ---- lost your ticket link? ------------------------------------------------------------------

async def lost_link(client, slug: str, email: str, lang: str = "ja"):
    page = await client.get(f"/events/{slug}/ticket-link", params={"lang": lang})
    return await client.post(f"/events/{slug}/ticket-link?lang={lang}", data={
        "csrf_token": csrf_of(page.text), "email": email})


async def test_lost_link_answers_the_same_whether_registered_or_not(client, clock):
    await make_event(slug="lost", start=NOW + timedelta(days=30))
    mine = (await register(client, "lost", 1)).json()
    event_page = await client.get("/events/lost", params={"lang": "en"})
    assert "Lost your ticket link?" in event_page.text
    assert 'action="/events/lost/ticket-link?lang=en"' in event_page.text

    registered = await lost_link(client, "lost", "ＴＡＲＯ１＠example.jp")
    stranger = await lost_link(client, "lost", "nobody@example.jp")
    for answer in (registered, stranger):
        assert answer.status_code == 303
        assert answer.headers["location"] == "/events/lost/ticket-link?sent=1&lang=ja"
    assert await links_queued(mine["id"]) == 1 and await links_queued() == 1
    after = await client.get("/events/lost/ticket-link", params={"sent": "1", "lang": "en"})
    assert "If this address is registered for the event, we have mailed" in after.text

    # At most once an hour, whoever asks.
    await lost_link(client, "lost", "taro1@example.jp")
    assert await links_queued() == 1
    clock.shift(timedelta(hours=1, seconds=1))
    await lost_link(client, "lost", "taro1@example.jp")
    assert await links_queued(mine["id"]) == 2


async def test_lost_link_as_json_and_its_refusals(client, clock):
    await make_event(slug="lost-api", start=NOW + timedelta(days=30))
    await make_event(slug="lost-draft", status="draft", start=NOW + timedelta(days=30))
    mine = (await register(client, "lost-api", 1)).json()
    gone = (await register(client, "lost-api", 2)).json()
    await client.post(f"/api/v1/registrations/{gone['id']}/cancel",
                      params={"token": token_of(gone)})

    answers = [await client.post("/api/v1/events/lost-api/ticket-link", json={"email": e})
               for e in ("taro1@example.jp", "nobody@example.jp", "taro2@example.jp")]
    assert {a.status_code for a in answers} == {200}
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert await links_queued() == await links_queued(mine["id"]) == 1, "none for a cancelled one"

    bad = await client.post("/api/v1/events/lost-api/ticket-link", json={"email": "a,b@x.jp"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "email"
    draft = await client.post("/api/v1/events/lost-draft/ticket-link",
                              json={"email": "taro1@example.jp"})
    assert draft.status_code == 404
    assert (await client.get("/events/lost-draft/ticket-link")).status_code == 404


async def test_lost_link_without_a_token_asks_once_more_and_mails_nothing(client):
    await make_event(slug="lost-csrf", start=NOW + timedelta(days=30))
    await register(client, "lost-csrf", 1)
    client.cookies.clear()
    # From the event page of a browser that has no token yet.
    first = await client.post("/events/lost-csrf/ticket-link?lang=en",
                              data={"email": "taro1@example.jp"})
    assert first.status_code == 403
    assert 'value="taro1@example.jp"' in first.text and "once more" in first.text
    assert await links_queued() == 0
    second = await client.post("/events/lost-csrf/ticket-link?lang=en", data={
        "csrf_token": csrf_of(first.text), "email": "taro1@example.jp"})
    assert second.status_code == 303
    assert await links_queued() == 1
    # The event page's own form goes through at once.
    client.cookies.clear()
    event_page = await client.get("/events/lost-csrf", params={"lang": "en"})
    direct = await client.post("/events/lost-csrf/ticket-link?lang=en", data={
        "csrf_token": csrf_of(event_page.text.split('id="lost-link"', 1)[1]),
        "email": "taro1@example.jp"})
    assert direct.status_code == 303
    invalid = await lost_link(client, "lost-csrf", "not an address", lang="en")
    assert invalid.status_code == 422 and 'aria-invalid="true"' in invalid.text


async def test_lost_link_requests_are_limited_per_client(client):
    await make_event(slug="lost-many", start=NOW + timedelta(days=30))
    await register(client, "lost-many", 1)
    answers = [await client.post("/api/v1/events/lost-many/ticket-link",
                                 json={"email": f"taro{n}@example.jp"}) for n in range(1, 8)]
    statuses = [a.status_code for a in answers]
    assert 200 in statuses and statuses[-1] == 429
    assert answers[-1].json()["code"] == "rate_limited" and answers[-1].headers["retry-after"]
    assert await links_queued() == 1
