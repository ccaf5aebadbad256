"""Bounded requests and what staff and logs may see: body limits, hosts and redirects,
media types, the ticket alphabet, caching headers, private local files, mail errors."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from api.access_log import MaskTokens, mask_tokens
from api.app import create_app
from events import db, tickets
from events.config import Settings
from events.models import Notification
from events.outbox import shown_error
from events.worker import Worker
from tests.conftest import BASE_URL, free_port, make_settings
from tests.factories import csrf_of, make_event

JSON = {"Content-Type": "application/json"}


def person(n: int = 1) -> dict:
    return {"name": f"参加者 {n}", "email": f"p{n}@example.jp", "attendance": "venue"}


@contextmanager
def app_client(settings: Settings, base_url: str = BASE_URL) -> Iterator[httpx.AsyncClient]:
    app = create_app(settings, manage_db=False)
    yield httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


@pytest.fixture
async def small(database: Settings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a 4 KiB body limit."""
    settings = make_settings(database.database_url, tmp_path, KAIGI_MAX_BODY_BYTES="4096")
    with app_client(settings) as client:
        async with client:
            yield client


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


# ---- bodies -----------------------------------------------------------------------------------

async def test_a_body_past_the_limit_is_413_by_content_length(small):
    await make_event(slug="sym")
    fits = await small.post("/api/v1/events/sym/registrations",
                            json={**person(), "affiliation": "a" * 3000})
    assert fits.status_code == 422, "read, and judged on its fields"
    assert fits.json()["errors"][0]["field"] == "affiliation"
    big = await small.post("/api/v1/events/sym/registrations",
                           json={**person(2), "affiliation": "a" * 5000})
    body = assert_problem(big, 413, "too_large")
    assert body["max_bytes"] == 4096
    assert big.headers["connection"] == "close"


async def test_a_streamed_body_is_counted_and_refused_past_the_limit(small):
    await make_event(slug="sym")
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"name": "x", "email": "x@example.jp", "affiliation": "'
        for _ in range(1000):  # 1 MB offered, in 1 kB chunks
            sent += 1024
            yield b"a" * 1024
        yield b'"}'

    response = await small.post("/api/v1/events/sym/registrations", content=chunks(),
                                headers=JSON)
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "too_large")


async def test_the_registration_form_refuses_a_huge_body_with_a_page(small):
    await make_event(slug="sym")
    form = await small.get("/events/sym/register?lang=en")
    token = csrf_of(form.text)
    response = await small.post("/events/sym/register?lang=en", data={
        "csrf_token": token, "name": "x", "email": "x@example.jp", "affiliation": "a" * 9000})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "What you sent is too large." in response.text

    async def chunks() -> AsyncIterator[bytes]:
        yield f"csrf_token={token}&name=x&affiliation=".encode()
        for _ in range(100):
            yield b"a" * 1024

    streamed = await small.post("/events/sym/register", content=chunks(), headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413
    assert "送信されたデータが大きすぎます" in streamed.text


def test_the_body_limit_is_a_setting(tmp_path):
    env = {"KAIGI_SECRET_KEY": "s" * 40, "KAIGI_VAR_DIR": str(tmp_path)}
    assert Settings.from_env(env).max_body_bytes == 1024 * 1024
    assert Settings.from_env({**env, "KAIGI_MAX_BODY_BYTES": "10485760"}).max_body_bytes == (
        10 * 1024 * 1024)
    with pytest.raises(Exception, match="KAIGI_MAX_BODY_BYTES"):
        Settings.from_env({**env, "KAIGI_MAX_BODY_BYTES": "lots"})


# ---- media types ----------------------------------------------------------------------------

REFUSED_TYPES = ["text/plain", "application/x-www-form-urlencoded", "application/jsonp",
                  "application/json-seq", "text/json", "application/vnd.api+json",
                  "application/json; charset=latin-1", "multipart/form-data; boundary=x"]
JSON_TYPES = ["application/json", "application/json; charset=utf-8",
              "Application/JSON;charset=UTF-8", 'application/json; charset="utf-8"']


async def test_only_application_json_with_a_utf8_charset_is_json(client):
    await make_event(slug="sym")
    for content_type in REFUSED_TYPES:
        response = await client.post("/api/v1/events/sym/registrations",
                                     content=b'{"name": "x", "email": "x@example.jp"}',
                                     headers={"Content-Type": content_type})
        assert_problem(response, 415, "unsupported_media_type")
    for n, content_type in enumerate(JSON_TYPES):
        response = await client.post("/api/v1/events/sym/registrations",
                                     content=b'{"name": "x", "email": "x%d@example.jp"}' % n,
                                     headers={"Content-Type": content_type})
        assert response.status_code == 201, (content_type, response.text)


async def test_a_json_body_without_a_content_type_is_415(client):
    await make_event(slug="sym")
    response = await client.post("/api/v1/events/sym/registrations",
                                 content=b'{"name": "x", "email": "x@example.jp"}')
    assert_problem(response, 415, "unsupported_media_type")


# ---- hosts and redirects ------------------------------------------------------------------------

async def test_redirects_are_built_from_the_base_url_never_the_host_header(client):
    slash = await client.get("/console", headers={"Host": "evil.example"})
    assert slash.status_code in (301, 307, 308), slash.text
    assert slash.headers["location"] == f"{BASE_URL}/console/"
    login = await client.get("/console/", headers={"Host": "evil.example"})
    assert login.status_code == 303
    assert "evil.example" not in login.headers["location"]


async def test_an_unknown_host_is_400_when_hosts_are_listed(database, tmp_path):
    settings = make_settings(database.database_url, tmp_path,
                             KAIGI_ALLOWED_HOSTS="kaigi.example.jp, *.kaigi.example.org")
    with app_client(settings) as client:
        async with client:
            for host in ("kaigi.example.jp", "KAIGI.example.jp:443", "www.kaigi.example.org",
                         "testserver"):  # the base URL's own host is always allowed
                response = await client.get("/api/v1/events", headers={"Host": host})
                assert response.status_code == 200, host
            for host in ("evil.example", "kaigi.example.jp.evil.example", "kaigi.example.org",
                         ""):
                response = await client.get("/api/v1/events", headers={"Host": host})
                assert_problem(response, 400, "unknown_host")
            page = await client.get("/", headers={"Host": "evil.example"})
            assert page.status_code == 400 and "text/html" in page.headers["content-type"]
    with app_client(make_settings(database.database_url, tmp_path)) as client:
        async with client:
            response = await client.get("/api/v1/events", headers={"Host": "evil.example"})
            assert response.status_code == 200, "no list: every host"


# ---- ticket codes -------------------------------------------------------------------------------

def code_with_url_characters() -> tuple[object, str]:
    key = tickets.private_key("k" * 40)
    for n in range(1, 500):
        code = tickets.sign(key, 1, n)
        if "-" in code and "_" in code:
            return key, code
    raise AssertionError("no code with both - and _")


def test_ticket_codes_accept_only_base64url():
    key, code = code_with_url_characters()
    public = tickets.public_key_bytes(key)  # type: ignore[arg-type]
    assert tickets.verify(public, code).registration_id > 0
    for other in (code.replace("-", "+"), code.replace("_", "/"), code + "=", code + "\n.",
                  code[:5] + " " + code[5:]):
        with pytest.raises(tickets.TicketError):
            tickets.verify(public, other)


async def test_a_scan_of_a_code_in_the_standard_alphabet_is_invalid(client):
    from events import access

    await make_event(slug="door")
    _, raw = await access.create_key("door", "checkin", event_slug="door")
    key = {"Authorization": f"Bearer {raw}"}
    code = ""
    for n in range(1, 60):
        registered = await client.post("/api/v1/events/door/registrations", json=person(n))
        assert registered.status_code == 201, registered.text
        code = registered.json()["ticket"]["code"]
        if "-" in code or "_" in code:
            break
    assert "-" in code or "_" in code
    spelled = code.replace("-", "+").replace("_", "/")
    response = await client.post("/api/v1/events/door/checkins", headers=key,
                                 json={"code": spelled})
    assert response.status_code == 422, response.text
    assert response.json()["result"] == "invalid"


# ---- caching and headers ------------------------------------------------------------------------

async def test_personal_answers_are_no_store(client, admin):
    await make_event(slug="sym")
    registered = await client.post("/api/v1/events/sym/registrations", json=person())
    assert registered.status_code == 201
    assert registered.headers["cache-control"] == "no-store"
    listed = await client.get("/api/v1/events/sym/registrations", headers=admin)
    assert listed.status_code == 200 and "no-store" in listed.headers["cache-control"]
    refused = await client.post("/api/v1/events/sym/registrations", json=person())
    assert refused.status_code == 409 and "no-store" in refused.headers["cache-control"]
    private_event = await client.get("/api/v1/events/sym", headers=admin)
    assert "no-store" in private_event.headers["cache-control"]
    ticket = await client.get(registered.json()["manage_url"].removeprefix(BASE_URL))
    assert "no-store" in ticket.headers["cache-control"]
    public = await client.get("/api/v1/events")
    assert "no-store" not in public.headers.get("cache-control", "")
    page = await client.get("/events/sym")
    assert "no-store" not in page.headers.get("cache-control", "")


async def test_hsts_only_when_the_base_url_is_https(database, tmp_path):
    for base, expected in (("https://kaigi.example.jp", "max-age=31536000"),
                           ("http://kaigi.example.jp", None)):
        settings = make_settings(database.database_url, tmp_path, KAIGI_BASE_URL=base)
        with app_client(settings, base) as client:
            async with client:
                for path in ("/", "/api/v1/events", "/nowhere"):
                    response = await client.get(path)
                    assert response.headers.get("strict-transport-security") == expected


# ---- logs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, secret", [
    ('"GET /tickets/AbC-12_x/qr.png HTTP/1.1" 200', "AbC-12_x"),
    ('"GET /tickets/AbC-12_x.ics HTTP/1.1" 200', "AbC-12_x"),
    ('"GET /tickets/AbC-12_x HTTP/1.1" 200', "AbC-12_x"),
    ('"POST /unsubscribe/17/s3cr3t-Tok HTTP/1.1" 200', "s3cr3t-Tok"),
    ('"GET /api/v1/registrations/5?lang=en&token=s3cr3t HTTP/1.1" 200', "s3cr3t"),
    ('"GET /api/v1/registrations/5/export?token=s3cr3t HTTP/1.1" 200', "s3cr3t"),
    ('"GET /console/password/s3cr3t HTTP/1.1" 200', "s3cr3t"),
])
def test_log_lines_never_show_tokens(line, secret):
    masked = mask_tokens(line)
    assert secret not in masked and "***" in masked
    import logging

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", line.split()[1], "1.1", 200), None)
    assert MaskTokens().filter(record)
    assert secret not in record.getMessage()


# ---- mail errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", [
    "SMTPConnectError: Error connecting to 10.0.0.5 on port 25: [Errno 111] Connect call "
    "failed ('10.0.0.5', 25)",
    "gave up after 8 attempts: SMTPConnectError: Error connecting to mx.corp.internal on "
    "port 25: [Errno -2] Name or service not known",
    "SMTPConnectTimeoutError: Timed out connecting to mx.corp.internal on port 587",
    "421 4.7.0 mx.corp.internal Service not available",
    "550 5.7.1 relay 192.168.10.4 [2001:db8::7] refused",
])
def test_mail_errors_shown_to_organizers_name_no_server(reason):
    shown = shown_error(reason)
    for secret in ("10.0.0.5", "mx.corp.internal", "192.168.10.4", "2001:db8::7", "587"):
        assert secret not in shown
    assert shown


def test_mail_errors_keep_what_organizers_need():
    kept = "451 4.3.0 Mailbox busy, try again later (recipient p1@example.jp)"
    assert shown_error(kept) == kept
    assert shown_error("[Errno 111] Connect call failed ('10.0.0.5', 25)") == (
        "connection refused by the mail server")


async def test_the_messages_list_shows_no_mail_server_address(client, admin, database):
    await make_event(slug="sym")
    assert (await client.post("/api/v1/events/sym/registrations", json=person())
            ).status_code == 201
    port = free_port()
    worker = Worker(replace(database, smtp_url=f"smtp://127.0.0.1:{port}"), poll=0.01)
    await worker.run(once=True)
    row = await Notification.get(purpose="confirmed")
    assert row.last_error == "connection refused by the mail server"
    listed = await client.get("/api/v1/events/sym/messages", headers=admin)
    assert "127.0.0.1" not in listed.text and str(port) not in listed.text


# ---- local files ------------------------------------------------------------------------------

@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_file_and_its_directory_are_private(tmp_path):
    var = tmp_path / "state" / "var"
    with umask(0):
        db.connection_config(f"sqlite://{var / 'kaigi.sqlite3'}")
        connection = sqlite3.connect(var / "kaigi.sqlite3")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
        connection.execute("INSERT INTO t VALUES (1)")
        connection.commit()
        assert mode(var / "kaigi.sqlite3-wal") == 0o600
        connection.close()
    assert mode(var) == 0o700 and mode(var.parent) == 0o700
    assert mode(var / "kaigi.sqlite3") == 0o600


def test_the_dev_secret_directory_is_private(tmp_path):
    var = tmp_path / "var"
    with umask(0):
        Settings.from_env({"KAIGI_VAR_DIR": str(var)}, dev=True)
    assert mode(var) == 0o700 and mode(var / "dev-secret-key") == 0o600


async def test_eml_files_are_private(client, database, tmp_path):
    await make_event(slug="sym")
    assert (await client.post("/api/v1/events/sym/registrations", json=person())
            ).status_code == 201
    var = tmp_path / "fresh-var"
    with umask(0):
        await Worker(replace(database, var_dir=var), poll=0.01).run(once=True)
    [eml] = (var / "outbox").glob("*.eml")
    assert mode(var) == 0o700 and mode(var / "outbox") == 0o700 and mode(eml) == 0o600


async def test_errors_recorded_before_masking_are_masked_where_organizers_look(
        browser, admin):
    from tests.factories import log_in, make_org, make_user

    await make_org("iaj")
    await make_event(slug="sym", partners=[{"org": "iaj", "role": "organizer"}])
    registered = await browser.post("/api/v1/events/sym/registrations", json=person())
    assert registered.status_code == 201
    raw = ("SMTPConnectError: Error connecting to mx.corp.internal on port 25: [Errno 111] "
           "Connect call failed ('10.9.8.7', 25)")
    await Notification.filter(purpose="confirmed").update(status="failed", last_error=raw)
    listed = await browser.get("/api/v1/events/sym/messages", headers=admin)
    assert listed.json()["items"][0]["last_error"] == "connection refused by the mail server"
    await make_user("staff@iaj.example", org="iaj")
    assert (await log_in(browser, "staff@iaj.example")).status_code == 303
    registration_id = registered.json()["id"]
    for path in ("/console/events/sym/mail?lang=en",
                 f"/console/events/sym/registrations/{registration_id}?lang=en"):
        page = await browser.get(path)
        assert page.status_code == 200, path
        assert "connection refused by the mail server" in page.text, path
        assert "10.9.8.7" not in page.text and "mx.corp.internal" not in page.text, path
