"""The registration form and the ticket page, as a browser uses them (forms, cookies, CSRF)."""

from __future__ import annotations

import asyncio
import re
import shutil
from datetime import UTC, datetime, timedelta

from events.models import Registration
from tests.browser import missing
from tests.factories import make_event


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form carries a CSRF token"
    return match.group(1)


async def open_form(client, slug: str, lang: str = "ja") -> str:
    page = await client.get(f"/events/{slug}/register", params={"lang": lang})
    assert page.status_code == 200
    return csrf_of(page.text)


def form(csrf: str, **kw) -> dict[str, str]:
    return {"csrf_token": csrf, "name": "山田 太郎", "name_kana": "ヤマダ タロウ",
            "email": "taro@example.jp", "affiliation": "JPNIC", "consent": "yes", **kw}


async def test_register_through_the_form_and_see_the_ticket(client):
    await make_event(slug="sym", format="hybrid", stream_url="https://stream.example.net/s",
                     capacity={"venue": 10, "online": None})
    page = await client.get("/events/sym/register")
    assert "会場参加" in page.text and "オンライン参加" in page.text
    assert "残り 10 席" in page.text
    sent = await client.post("/events/sym/register",
                             data=form(csrf_of(page.text), attendance="online"))
    assert sent.status_code == 303
    ticket_url = sent.headers["location"]
    assert ticket_url.startswith("/tickets/")

    ticket = await client.get(ticket_url)
    assert ticket.status_code == 200
    assert "登録が完了しました" in ticket.text
    assert "参加確定" in ticket.text and "オンライン参加" in ticket.text
    assert "https://stream.example.net/s" in ticket.text, "the stream link is for registrants"
    assert ticket.headers["cache-control"] == "private, no-store"
    assert ticket.headers["referrer-policy"] == "no-referrer"
    public = await client.get("/events/sym")
    assert "stream.example.net" not in public.text

    registration = await Registration.get(email_normalized="taro@example.jp")
    assert registration.consent_at is not None
    assert registration.locale == "ja"


async def test_form_errors_keep_what_was_typed(client):
    await make_event(slug="f")
    csrf = await open_form(client, "f", "en")
    sent = await client.post("/events/f/register?lang=en",
                             data=form(csrf, email="nope", name_kana="Yamada", consent=""))
    assert sent.status_code == 422
    assert "Please check the form." in sent.text
    assert 'value="nope"' in sent.text
    assert sent.text.count('class="field-error"') == 3  # email, kana, consent
    assert await Registration.all().count() == 0


async def test_form_without_csrf_token_is_refused(client):
    await make_event(slug="c")
    await open_form(client, "c")
    sent = await client.post("/events/c/register", data=form("forged.token"))
    assert sent.status_code == 403
    assert "フォームの有効期限が切れました" in sent.text
    client.cookies.clear()
    sent = await client.post("/events/c/register", data=form(""))
    assert sent.status_code == 403
    foreign = await client.post("/events/c/register", data=form(await open_form(client, "c")),
                                headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert await Registration.all().count() == 0


async def test_closed_registration_shows_a_friendly_page(client):
    now = datetime.now(UTC)
    await make_event(slug="closed", registration_opens_at=(now - timedelta(days=9)).isoformat(),
                     registration_closes_at=(now - timedelta(days=1)).isoformat())
    page = await client.get("/events/closed/register", params={"lang": "en"})
    assert page.status_code == 200
    assert "Registration is closed." in page.text
    assert "<form" not in page.text


async def test_duplicate_email_on_the_form(client):
    await make_event(slug="d")
    csrf = await open_form(client, "d")
    assert (await client.post("/events/d/register", data=form(csrf))).status_code == 303
    again = await client.post("/events/d/register", data=form(csrf))
    assert again.status_code == 409
    assert "既に登録されています" in again.text


async def test_switch_and_cancel_from_the_ticket_page(client):
    await make_event(slug="s", format="hybrid", capacity={"venue": 5, "online": None})
    csrf = await open_form(client, "s")
    ticket_url = (await client.post("/events/s/register",
                                    data=form(csrf, attendance="venue"))).headers["location"]
    token = ticket_url.split("/")[2].split("?")[0]
    page = await client.get(f"/tickets/{token}")
    switched = await client.post(f"/tickets/{token}/attendance",
                                 data={"csrf_token": csrf_of(page.text), "attendance": "online"})
    assert switched.status_code == 303
    assert (await Registration.get(token=token)).attendance == "online"

    confirm = await client.get(f"/tickets/{token}/cancel")
    assert "本当にキャンセルしますか" in confirm.text
    assert (await Registration.get(token=token)).status == "confirmed", "GET changes nothing"
    done = await client.post(f"/tickets/{token}/cancel", data={"csrf_token": csrf_of(confirm.text)})
    assert done.status_code == 303
    assert (await Registration.get(token=token)).status == "cancelled"
    assert "登録はキャンセルされました" in (await client.get(f"/tickets/{token}")).text


async def test_unknown_ticket_is_404(client):
    assert (await client.get("/tickets/not-a-real-token")).status_code == 404
    assert (await client.get("/tickets/not-a-real-token/qr.png")).status_code == 404


async def test_qr_images_carry_the_ticket_code(client, tmp_path):
    await make_event(slug="q")
    body = (await client.post("/api/v1/events/q/registrations",
                              json={"name": "A", "email": "a@example.jp"})).json()
    png = await client.get(body["ticket"]["qr_png"].replace("http://testserver", ""))
    svg = await client.get(body["ticket"]["qr_svg"].replace("http://testserver", ""))
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        missing("zbarimg (Debian zbar-tools) is not installed: cannot decode the QR here")
    path = tmp_path / "ticket.png"
    path.write_bytes(png.content)
    process = await asyncio.create_subprocess_exec(
        zbarimg, "--raw", "-q", str(path), stdout=asyncio.subprocess.PIPE)
    decoded, _ = await process.communicate()
    assert process.returncode == 0
    assert decoded.decode().strip() == body["ticket"]["code"]


async def test_personal_calendar_follows_the_attendance_mode(client):
    from icalendar import Calendar

    start = datetime(2030, 4, 14, 1, tzinfo=UTC)
    from tests.factories import session_payload

    await make_event(slug="cal", stream_url="https://stream.example.net/cal", sessions=[
        session_payload(start, fmt="hybrid"), session_payload(start + timedelta(days=5),
                                                              fmt="online")])
    body = (await client.post("/api/v1/events/cal/registrations", json={
        "name": "A", "email": "a@example.jp", "attendance": "online"})).json()
    path = body["ticket"]["ics"].replace("http://testserver", "")
    online = await client.get(path)
    assert online.status_code == 200
    assert online.headers["content-type"] == "text/calendar; charset=utf-8"
    assert online.headers["cache-control"].startswith("private")
    parsed = Calendar.from_ical(online.content)
    events = parsed.walk("VEVENT")
    assert len(events) == 2
    assert all("stream.example.net/cal" in str(e.get("CONFERENCE")) for e in events)
    again = await client.get(path, headers={"If-None-Match": online.headers["etag"]})
    assert again.status_code == 304

    token = body["manage_url"].rsplit("/", 1)[1]
    await client.post(f"/api/v1/registrations/{body['id']}/attendance",
                      params={"token": token}, json={"attendance": "venue"})
    venue = Calendar.from_ical((await client.get(path)).content)
    assert len(venue.walk("VEVENT")) == 1, "the venue attendee sees the venue day only"
    assert "stream.example.net" not in venue.to_ical().decode()
    missing = await client.get("/tickets/" + "b" * 32 + ".ics")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/plain")
