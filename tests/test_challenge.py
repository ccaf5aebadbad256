"""The proof-of-work challenge on registering: issued and checked by kaigi itself, solved
by the browser (Chromium below), required always, never, or near a client's limit."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from markupsafe import escape

from api.app import create_app
from events import challenge
from events.errors import Invalid
from events.limits import Rate
from events.models import Event, Registration
from events.vocabulary import translate
from tests import browser as b
from tests.conftest import BASE_URL, SECRET
from tests.factories import csrf_of, make_event

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
EASY = 2000  # the browser's work, made small for tests that solve in Python


def person(n: int, **kw: Any) -> dict[str, Any]:
    return {"name": f"参加者 {n}", "email": f"p{n}@example.jp", **kw}


@pytest.fixture
async def easy(database) -> Any:
    """The app over httpx with an easy challenge and a registration limit of 4 an hour."""
    settings = dataclasses.replace(database, challenge_maxnumber=EASY,
                                   rate_registrations=Rate.parse("4/hour"))
    app = create_app(settings, manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=BASE_URL) as client:
        yield client


async def solved(client: httpx.AsyncClient, slug: str) -> str:
    issued = (await client.get(f"/api/v1/events/{slug}/challenge")).json()
    return challenge.solve(issued)


# ---- the scheme ----------------------------------------------------------------------------

def test_a_solution_is_accepted_only_as_issued():
    issued = challenge.issue(SECRET, "sym", NOW, 500, number=321)
    assert issued["algorithm"] == "SHA-256" and issued["maxnumber"] == 500
    text = challenge.solve(issued)
    assert json.loads(base64.b64decode(text))["number"] == 321
    assert challenge.verify(SECRET, text, "sym", NOW).challenge == issued["challenge"]

    def refused(payload: str, scope: str = "sym", now: datetime = NOW) -> bool:
        try:
            challenge.verify(SECRET, payload, scope, now)
        except Invalid as exc:
            return exc.errors[0].field == "challenge" and exc.errors[0].key == (
                "challenge_failed")
        return False

    assert refused(challenge.payload(issued, 322)), "a wrong number"
    assert refused(text, scope="other"), "another event's challenge"
    assert refused(text, now=NOW + challenge.LIFETIME), "expired"
    forged = challenge.issue("another-secret-key-that-is-long-enough-0123", "sym", NOW, 5)
    assert refused(challenge.solve(forged)), "signed by someone else"
    made_up = dict(issued, challenge=challenge.digest(issued["salt"], 1))
    assert refused(challenge.payload(made_up, 1)), "a challenge kaigi never issued"
    later = dict(issued, salt=issued["salt"].replace("expires=", "expires=9"))
    assert refused(challenge.payload(later, 321)), "a salt with its expiry moved"
    for garbage in ("", "not base64!", base64.b64encode(b"[1]").decode(),
                    base64.b64encode(b'{"number": "1"}').decode()):
        assert refused(garbage)


# ---- the API -------------------------------------------------------------------------------

async def test_on_the_api_needs_a_solution_used_once(easy):
    await make_event(slug="guarded", challenge="on")
    bare = await easy.post("/api/v1/events/guarded/registrations", json=person(1))
    assert bare.status_code == 422
    assert bare.json()["errors"] == [{"field": "challenge", "message": translate(
        "invalid_challenge_required", "en")}]
    issued = (await easy.get("/api/v1/events/guarded/challenge")).json()
    assert issued["required"] is True and issued["maxnumber"] == EASY
    assert (await easy.get("/api/v1/events/guarded/challenge")).headers[
        "cache-control"] == "no-store"
    text = challenge.solve(issued)
    ok = await easy.post("/api/v1/events/guarded/registrations",
                         json=person(1, challenge=text))
    assert ok.status_code == 201, ok.text
    replay = await easy.post("/api/v1/events/guarded/registrations",
                             json=person(2, challenge=text))
    assert replay.status_code == 422
    assert replay.json()["errors"][0]["field"] == "challenge"
    assert await Registration.all().count() == 1


async def test_off_never_asks(easy):
    await make_event(slug="open", challenge="off")
    answers = [await easy.post("/api/v1/events/open/registrations", json=person(n))
               for n in range(1, 5)]
    assert [a.status_code for a in answers] == [201] * 4
    assert (await easy.get("/api/v1/events/open/challenge")).json()["required"] is False


async def test_auto_asks_past_half_the_limit(easy):
    """Limit 4 an hour: the first two go through, the next two need a solution."""
    await make_event(slug="auto")  # "auto" is the default
    register = "/api/v1/events/auto/registrations"
    for n in (1, 2):
        assert (await easy.post(register, json=person(n))).status_code == 201
    assert (await easy.get("/api/v1/events/auto/challenge")).json()["required"] is True
    assert (await easy.post(register, json=person(3))).status_code == 422
    ok = await easy.post(register, json=person(4, challenge=await solved(easy, "auto")))
    assert ok.status_code == 201
    over = await easy.post(register, json=person(5, challenge=await solved(easy, "auto")))
    assert over.status_code == 429


async def test_the_event_json_carries_the_mode(client, admin):
    created = await client.post("/api/v1/events", headers=admin, json={
        "slug": "modes", "title": {"ja": "モード", "en": "Modes"}, "date_tbd": True,
        "challenge": "on"})
    assert created.status_code == 201, created.text
    assert created.json()["challenge"] == "on"
    changed = await client.patch("/api/v1/events/modes", headers=admin,
                                 json={"challenge": "off"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["challenge"] == "off"
    assert (await Event.get(slug="modes")).challenge == "off"
    wrong = await client.patch("/api/v1/events/modes", headers=admin,
                               json={"challenge": "sometimes"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "challenge"
    other = await client.post("/api/v1/events", headers=admin, json={
        "slug": "default-mode", "title": {"ja": "既定", "en": "Default"}, "date_tbd": True})
    assert other.json()["challenge"] == "auto"


# ---- the form without a browser -------------------------------------------------------------

async def test_the_form_says_it_needs_javascript_in_its_language(easy):
    await make_event(slug="jsform", challenge="on")
    for lang in ("ja", "en"):
        page = await easy.get(f"/events/jsform/register?lang={lang}")
        assert 'id="challenge"' in page.text and "/static/challenge.js" in page.text
        assert str(escape(translate("challenge_needs_js", lang))) in page.text
        sent = await easy.post(f"/events/jsform/register?lang={lang}", data={
            "csrf_token": csrf_of(page.text), "name": "参加者", "email": "p@example.jp",
            "consent": "yes"})
        assert sent.status_code == 422
        assert str(escape(translate("invalid_challenge_required", lang))) in sent.text
        assert 'id="challenge"' in sent.text, "a new challenge to solve"
    page = await easy.get("/events/jsform/register?lang=ja")
    issued = json.loads(page.text.split("data-challenge='", 1)[1].split("'", 1)[0])
    sent = await easy.post("/events/jsform/register?lang=ja", data={
        "csrf_token": csrf_of(page.text), "name": "参加者", "email": "p@example.jp",
        "consent": "yes", "challenge": challenge.solve(issued)})
    assert sent.status_code == 303, sent.text


async def test_off_the_form_has_no_challenge(easy):
    await make_event(slug="plain", challenge="off")
    page = await easy.get("/events/plain/register")
    assert 'id="challenge"' not in page.text and "challenge.js" not in page.text


# ---- in Chromium -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium() -> Iterator[b.Chromium]:
    yield from b.launch()


@pytest.fixture(scope="module")
def site(chromium: b.Chromium, migrated_url: str,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[b.Site]:
    yield from b.serve(migrated_url, tmp_path_factory.mktemp("challenge"))


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_chromium_solves_the_challenge_and_registers(site, chromium, lang, tmp_path: Path):
    slug = f"pow-{lang}"
    site.run(lambda: make_event(slug=slug, challenge="on",
                                start=datetime.now(UTC) + timedelta(days=30)))
    page = chromium.page(lang)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{site.url}/events/{slug}/register?lang={lang}")
    submit = page.get_by_role("button", name=b.t("submit_registration", lang))
    page.get_by_label(b.t("name", lang)).first.fill("山田 花子")
    page.get_by_label(b.t("email", lang)).fill(f"hanako-{lang}@example.jp")
    page.locator('input[name="consent"]').check()
    page.wait_for_selector('#challenge[data-solved="true"]', timeout=60_000)
    assert page.locator("#challenge-status").inner_text() == b.t("challenge_done", lang)
    assert submit.is_enabled()
    assert not page.locator("#challenge-needs-js").is_visible()
    assert b.check_page(page, f"challenge-{lang}", {}) == []
    b.screenshot(page, tmp_path, f"challenge-solved-{lang}")
    submit.click()
    page.wait_for_url("**/tickets/**")
    assert errors == []
    assert site.run(lambda: Registration.filter(event__slug=slug).count()) == 1


@pytest.mark.slow
def test_chromium_without_javascript_reads_why(site, chromium):
    site.run(lambda: make_event(slug="pow-nojs", challenge="on",
                                start=datetime.now(UTC) + timedelta(days=30)))
    context = chromium.browser.new_context(java_script_enabled=False, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(f"{site.url}/events/pow-nojs/register?lang=ja")
        assert page.get_by_text(b.t("challenge_needs_js", "ja")).is_visible()
    finally:
        context.close()
