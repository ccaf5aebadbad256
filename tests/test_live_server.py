"""kaigi under a real uvicorn process, reached over a real socket."""

from __future__ import annotations

import asyncio
import os
import select
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, free_port
from tests.factories import event_payload, make_event, session_payload

pytestmark = pytest.mark.slow


async def test_health_create_list_and_page(live_server, admin):
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        health = await http.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok"}

        org = await http.post("/api/v1/organizations", headers=admin, json={
            "slug": "iajapan", "name": {"ja": "インターネット協会",
                                        "en": "Internet Association Japan"},
            "url": "https://www.iajapan.org/"})
        assert org.status_code == 201, org.text

        start = datetime(2098, 4, 14, 1, tzinfo=UTC)
        created = await http.post("/api/v1/events", headers=admin, json=event_payload(
            slug="live-symposium", title={"ja": "ライブ・シンポジウム", "en": "Live symposium"},
            stream_url="https://stream.example.net/live",
            sessions=[session_payload(start, fmt="hybrid")],
            partners=[{"org": "iajapan", "role": "organizer"}]))
        assert created.status_code == 201, created.text
        assert created.headers["location"] == "http://testserver/api/v1/events/live-symposium"

        listed = await http.get("/api/v1/events", params={"org": "iajapan"})
        assert [e["slug"] for e in listed.json()["items"]] == ["live-symposium"]
        assert "stream_url" not in listed.json()["items"][0]

        page = await http.get("/events/live-symposium")
        assert page.status_code == 200
        assert "ライブ・シンポジウム" in page.text and "2098年4月14日(月)" in page.text
        assert "stream.example.net" not in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        english = await http.get("/events/live-symposium", headers={"Accept-Language": "en"})
        assert "Live symposium" in english.text and "Mon 14 Apr 2098" in english.text

        front = await http.get("/")
        assert "ライブ・シンポジウム" in front.text

        missing = await http.get("/api/v1/events/nothing")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


async def test_the_server_refuses_without_a_key(live_server):
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        response = await http.post("/api/v1/events", json=event_payload())
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["status"] == 401


# ---- bounded bodies and what the logs see, against the real server ---------------------------

def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def stream_chunked(port: int, path: str, total: int, watch: Callable[[], None],
                   chunk: int = 64 * 1024) -> tuple[int, bytes]:
    """POST `total` bytes with Transfer-Encoding: chunked (no Content-Length), stopping
    when the server answers or closes; returns what was sent and the answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                 "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                 .encode())
    piece = f"{chunk:x}\r\n".encode() + b"a" * chunk + b"\r\n"
    sent, answer = 0, b""
    try:
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(piece)
            sent += chunk
            if sent % (4 * 1024 * 1024) == 0:
                watch()
        sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass
    try:
        while not complete(answer):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    return sent, answer


def complete(answer: bytes) -> bool:
    """Whether an HTTP answer has its head and all of its Content-Length."""
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True


async def test_a_200_mb_stream_is_refused_and_memory_stays_flat(live_server):
    await make_event(slug="sym")
    pid = live_server.process.pid
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        assert (await http.post("/api/v1/events/sym/registrations", json={
            "name": "x", "email": "x@example.jp"})).status_code == 201
    before = rss_bytes(pid)
    peak = before

    def watch() -> None:
        nonlocal peak
        peak = max(peak, rss_bytes(pid))

    sent, answer = await asyncio.to_thread(
        stream_chunked, live_server.port, "/api/v1/events/sym/registrations",
        200 * 1024 * 1024, watch)
    watch()
    assert answer.startswith(b"HTTP/1.1 413"), (sent, answer[:300])
    assert b"too_large" in answer
    assert peak - before < 30 * 1024 * 1024, f"RSS grew {(peak - before) >> 20} MB"
    assert sent < 50 * 1024 * 1024, "refused long before the end"
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        assert (await http.get("/healthz")).status_code == 200


async def test_a_huge_content_length_is_refused_before_the_body(live_server):
    def declare() -> bytes:
        with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
            sock.sendall(f"POST /api/v1/events/sym/registrations HTTP/1.1\r\n"
                         f"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {400 * 1024 * 1024}\r\n\r\n{{".encode())
            answer = b""
            while data := sock.recv(65536):
                answer += data
            return answer

    answer = await asyncio.to_thread(declare)
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"application/problem+json" in answer and b'"too_large"' in answer


async def test_kaigi_serve_logs_no_tokens_and_sends_no_server_header(database, tmp_path):
    port = free_port()
    env = {**os.environ, "KAIGI_DATABASE_URL": database.database_url,
           "KAIGI_SECRET_KEY": database.secret_key, "KAIGI_BASE_URL": database.base_url,
           "KAIGI_VAR_DIR": str(tmp_path / "var"), "PYTHONUNBUFFERED": "1"}
    process = await asyncio.to_thread(
        subprocess.Popen, [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    secrets = ["TicketTok3n-A", "Unsub5cribeTok", "QueryT0ken", "Passw0rdLink"]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for _ in range(300):
                try:
                    health = await http.get("/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("kaigi serve did not start")
            assert "server" not in health.headers and "date" in health.headers
            await http.get(f"/tickets/{secrets[0]}/qr.png")
            await http.get(f"/tickets/{secrets[0]}")
            await http.get(f"/unsubscribe/1/{secrets[1]}")
            await http.get(f"/api/v1/registrations/1?lang=en&token={secrets[2]}")
            await http.get(f"/console/password/{secrets[3]}")
    finally:
        process.terminate()
        out, _ = await asyncio.to_thread(process.communicate, timeout=20)
    log = out.decode()
    assert '"GET /tickets/***/qr.png HTTP/1.1" 404' in log, log
    assert "/unsubscribe/1/***" in log and "token=***" in log, log
    for secret in secrets:
        assert secret not in log, log
