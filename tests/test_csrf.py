"""One CSRF middleware guards every unsafe page or form request; JSON calls stay as they were."""

from __future__ import annotations

import re

import pytest

from events.models import Registration
from tests.factories import make_event


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def ticket(client) -> tuple[str, str]:
    """A registration made through the form; its ticket path and a valid token."""
    await make_event(slug="guarded", format="hybrid")
    page = await client.get("/events/guarded/register")
    sent = await client.post("/events/guarded/register", data={
        "csrf_token": csrf_of(page.text), "name": "山田 太郎", "email": "taro@example.jp",
        "attendance": "venue", "consent": "yes"})
    assert sent.status_code == 303
    path = sent.headers["location"].split("?")[0]
    return path, csrf_of((await client.get(path)).text)


@pytest.mark.parametrize("token", ["", "forged.token", "ｔｏｋｅｎ", "\u00e9.\u00e9"])
async def test_a_form_without_our_token_changes_nothing(client, token):
    path, _ = await ticket(client)
    response = await client.post(f"{path}/cancel", data={"csrf_token": token},
                                 headers={"Accept-Language": "ja"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "フォームの有効期限が切れました" in response.text
    assert (await Registration.get(email_normalized="taro@example.jp")).status == "confirmed"


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"},
])
async def test_a_valid_token_from_another_site_is_refused(client, headers):
    path, token = await ticket(client)
    response = await client.post(f"{path}/cancel", data={"csrf_token": token},
                                 headers=headers)
    assert response.status_code == 403
    assert (await Registration.get(email_normalized="taro@example.jp")).status == "confirmed"


async def test_our_own_form_goes_through(client):
    path, token = await ticket(client)
    response = await client.post(f"{path}/cancel", data={"csrf_token": token},
                                 headers={"Sec-Fetch-Site": "same-origin",
                                          "Origin": "http://testserver"})
    assert response.status_code == 303
    assert (await Registration.get(email_normalized="taro@example.jp")).status == "cancelled"


async def test_the_token_may_come_as_a_header(client):
    path, token = await ticket(client)
    response = await client.post(f"{path}/cancel", headers={"X-CSRF-Token": token})
    assert response.status_code == 303


async def test_json_calls_need_no_token(client):
    await make_event(slug="scripted", format="in_person")
    response = await client.post("/api/v1/events/scripted/registrations",
                                 json={"name": "Script", "email": "script@example.jp"})
    assert response.status_code == 201


async def test_the_registration_form_keeps_what_was_typed(client):
    await make_event(slug="kept", format="in_person")
    response = await client.post("/events/kept/register?lang=en", data={
        "csrf_token": "stale.token", "name": "Hanako", "email": "hanako@example.jp"})
    assert response.status_code == 403
    assert 'value="Hanako"' in response.text and 'value="hanako@example.jp"' in response.text
    assert not await Registration.exists()


async def test_a_method_no_route_takes_is_still_405(client):
    response = await client.post("/")
    assert response.status_code == 405
