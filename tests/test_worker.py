"""Delivering the outbox through faults: a server down, temporary and permanent replies,
workers in parallel, a worker killed mid-batch, SIGTERM. Real SMTP server, real processes.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from events import outbox
from events.config import Settings
from events.models import Notification
from events.outbox import Backoff
from events.worker import SmtpConfig, Worker
from tests.conftest import BASE_URL
from tests.databases import kaigi
from tests.factories import make_event
from tests.mailserver import MailServer

ROOT = Path(__file__).resolve().parent.parent


def person(n: int) -> dict:
    return {"name": f"参加者 {n}", "email": f"p{n}@example.jp", "attendance": "venue"}


async def register_many(client, slug: str, count: int, start: int = 1) -> None:
    for n in range(start, start + count):
        response = await client.post(f"/api/v1/events/{slug}/registrations", json=person(n))
        assert response.status_code == 201, response.text


@pytest.fixture
async def unlimited(database):
    """The app with the per-client limits off: dozens of registrations from one address."""
    app = create_app(replace(database, rate_limits=False), manage_db=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=BASE_URL) as client:
        yield client


class Clock:
    """Real time plus an offset the test moves forward, so retries and leases need no
    sleeping."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def make_worker(settings: Settings, server: MailServer, **kw) -> Worker:
    return Worker(replace(settings, smtp_url=server.url), poll=0.02, **kw)


async def wait_until(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def spawn_worker(settings: Settings, server: MailServer, *args: str) -> subprocess.Popen:
    """`kaigi worker` as its own process, as in production."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KAIGI_")}
    env = {**clean, "PYTHONPATH": str(ROOT), "KAIGI_DATABASE_URL": settings.database_url,
           "KAIGI_SECRET_KEY": settings.secret_key, "KAIGI_BASE_URL": settings.base_url,
           "KAIGI_VAR_DIR": str(settings.var_dir), "KAIGI_SMTP_URL": server.url}
    return subprocess.Popen([sys.executable, "-m", "api.cli", "worker", *args], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finish(process: subprocess.Popen, timeout: float = 60) -> str:
    out, _ = process.communicate(timeout=timeout)
    return out.decode()


async def statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in await Notification.all().values_list("status", flat=True):
        counts[s] = counts.get(s, 0) + 1
    return counts


def assert_each_once(server: MailServer, rows: list[Notification]) -> None:
    received = server.by_message_id()
    assert set(received) == {r.message_id for r in rows}
    assert set(received.values()) == {1}, f"delivered more than once: {received}"


# ---- faults ---------------------------------------------------------------------------------

async def test_server_down_while_registering_then_up_delivers_each_exactly_once(
        client, database, smtp_server):
    await make_event(slug="sym", capacity={"venue": 8, "online": None})
    smtp_server.stop()
    clock = Clock()
    worker = make_worker(database, smtp_server, clock=clock)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    await register_many(client, "sym", 10)  # 8 confirmed, 2 waitlisted, while it runs

    async def all_tried() -> bool:
        rows = await Notification.all()
        return len(rows) == 10 and all(r.attempts >= 1 and r.status == "pending"
                                       for r in rows)

    await wait_until(all_tried)
    rows = await Notification.all()
    now = datetime.now(UTC)
    for r in rows:
        assert "Connect" in r.last_error or "refused" in r.last_error.lower(), r.last_error
        assert now < r.next_attempt_at <= now + timedelta(minutes=1), "first retry in a minute"
    assert smtp_server.received == []

    smtp_server.start()
    clock.offset = timedelta(minutes=2)
    await wait_until(lambda: _all_sent(10))
    stop.set()
    await running
    rows = await Notification.all()
    assert_each_once(smtp_server, rows)
    assert smtp_server.connections == 1, "one connection, reused for every message"
    assert all(r.last_error == "" and r.sent_at is not None for r in rows)


async def _all_sent(count: int) -> bool:
    return await Notification.filter(status="sent").count() == count


async def test_temporary_replies_are_retried(client, database, smtp_server):
    await make_event(slug="sym")
    await register_many(client, "sym", 2)
    smtp_server.handler.temporary = ["451 4.3.0 Mailbox busy, try again later"]
    clock = Clock()
    worker = make_worker(database, smtp_server, clock=clock)
    await worker.run(once=True)
    first, second = await Notification.all().order_by("id")
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.last_error == "451 4.3.0 Mailbox busy, try again later (recipient p1@example.jp)"
    assert second.status == "sent", "the next message goes through on the same connection"

    smtp_server.handler.temporary_at = "MAIL"
    smtp_server.handler.temporary = ["421 4.7.0 Too many connections, closing"]
    clock.offset = timedelta(minutes=1)
    await worker.run(once=True)
    first = await Notification.get(id=first.id)
    assert (first.status, first.attempts) == ("pending", 2)
    assert first.last_error.startswith("421 4.7.0")
    clock.offset = timedelta(minutes=5)
    await worker.run(once=True)
    rows = await Notification.all().order_by("id")
    assert [(r.status, r.attempts) for r in rows] == [("sent", 3), ("sent", 1)]
    assert_each_once(smtp_server, rows)


async def test_permanent_refusal_stops_with_its_reason_and_organizers_retry(
        client, admin, database, smtp_server):
    await make_event(slug="sym")
    await register_many(client, "sym", 2)
    refusal = "550 5.1.1 <p1@example.jp>: Recipient address rejected: User unknown"
    smtp_server.handler.refuse["p1@example.jp"] = refusal
    await make_worker(database, smtp_server).run(once=True)
    failed, sent = await Notification.all().order_by("id")
    assert failed.status == "failed" and failed.attempts == 1
    assert failed.last_error == f"{refusal} (recipient p1@example.jp)"
    assert sent.status == "sent"

    listing = await client.get("/api/v1/events/sym/messages", params={"status": "failed"},
                               headers=admin)
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert [(m["id"], m["purpose"], m["last_error"]) for m in body["items"]] == [
        (failed.id, "confirmed", failed.last_error)]
    assert body["items"][0]["registration"]["email"] == "p1@example.jp"
    assert body["counts"]["failed"] == 1 and body["counts"]["sent"] == 1
    assert (await client.get("/api/v1/events/sym/messages")).status_code == 401

    del smtp_server.handler.refuse["p1@example.jp"]
    retried = await client.post(f"/api/v1/events/sym/messages/{failed.id}/retry",
                                headers=admin)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "pending"
    again = await client.post(f"/api/v1/events/sym/messages/{sent.id}/retry", headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "not_retryable"
    missing = await client.post("/api/v1/events/sym/messages/999999/retry", headers=admin)
    assert missing.status_code == 404
    await make_worker(database, smtp_server).run(once=True)
    rows = await Notification.all().order_by("id")
    assert [r.status for r in rows] == ["sent", "sent"]
    assert_each_once(smtp_server, rows)


async def test_two_worker_processes_send_each_message_once(unlimited, database, smtp_server):
    await make_event(slug="crowd")
    await register_many(unlimited, "crowd", 40)
    # Both workers start before the server answers, so both are busy at the same time.
    smtp_server.handler.hold = threading.Event()
    smtp_server.handler.delay = 0.01
    workers = [spawn_worker(database, smtp_server, "--once", "--batch", "3") for _ in range(2)]
    for process in workers:
        ready = await asyncio.to_thread(process.stdout.readline)  # type: ignore[union-attr]
        assert b"delivering to SMTP" in ready, ready
    # Release the server only once both hold a claim: a slow start must not leave one idle.
    for _ in range(300):
        holders = await Notification.filter(status="sending").values_list(
            "claimed_by", flat=True)
        if len(set(holders)) == 2:
            break
        await asyncio.sleep(0.05)
    smtp_server.handler.hold.set()
    outputs = [finish(p) for p in workers]
    assert [p.returncode for p in workers] == [0, 0], outputs
    rows = await Notification.all()
    assert len(rows) == 40 and {r.status for r in rows} == {"sent"}
    assert {r.attempts for r in rows} == {1}, "no message was claimed twice"
    assert_each_once(smtp_server, rows)
    by_worker = {r.claimed_by for r in rows}
    assert len(by_worker) == 2, f"both workers took part: {by_worker}"


async def test_a_killed_worker_loses_nothing(unlimited, database, smtp_server):
    await make_event(slug="sym")
    await register_many(unlimited, "sym", 12)
    smtp_server.handler.delay = 0.2
    victim = spawn_worker(database, smtp_server, "--batch", "12", "--lease", "60")
    try:
        await asyncio.to_thread(smtp_server.wait_for, 3)
    finally:
        victim.send_signal(signal.SIGKILL)
        finish(victim)
    assert victim.returncode == -signal.SIGKILL
    stuck = await Notification.filter(status="sending").count()
    assert stuck > 0, "the batch was cut short"

    held = await outbox.claim("early", datetime.now(UTC), limit=20, lease=timedelta(minutes=1))
    assert held == [], "the dead worker's lease still holds its messages"

    # A worker whose clock is past the lease (no sleeping through it) takes them over.
    await make_worker(database, smtp_server, clock=Clock(timedelta(seconds=61))).run(once=True)
    rows = await Notification.all()
    assert {r.status for r in rows} == {"sent"}
    received = smtp_server.by_message_id()
    assert set(received) == {r.message_id for r in rows}, "every message arrived"
    repeated = [m for m, n in received.items() if n > 1]
    assert len(repeated) <= 1, "at most the message in hand went twice, same Message-ID"


async def test_sigterm_finishes_the_message_in_hand(client, database, smtp_server):
    await make_event(slug="sym")
    await register_many(client, "sym", 6)
    smtp_server.handler.delay = 0.5
    process = spawn_worker(database, smtp_server, "--batch", "6")
    await asyncio.to_thread(smtp_server.wait_for, 1)
    process.send_signal(signal.SIGTERM)
    output = finish(process, timeout=20)
    assert process.returncode == 0, output
    assert "stopped" in output
    rows = await Notification.all()
    sent = [r for r in rows if r.status == "sent"]
    assert len(sent) == len(smtp_server.received) >= 1, "the message in hand was finished"
    assert {r.status for r in rows} <= {"sent", "pending"}, "nothing left claimed"
    assert all(r.attempts == 0 for r in rows if r.status == "pending"), "handed back untried"
    await make_worker(database, replace_delay(smtp_server)).run(once=True)
    assert_each_once(smtp_server, await Notification.all())


def replace_delay(server: MailServer) -> MailServer:
    server.handler.delay = 0
    return server


# ---- claims, leases, backoff ------------------------------------------------------------------

async def test_claims_are_exclusive_until_the_lease_runs_out(client, database):
    await make_event(slug="sym")
    await register_many(client, "sym", 3)
    now = datetime.now(UTC)
    lease = timedelta(seconds=30)
    first = await outbox.claim("a", now, limit=2, lease=lease)
    second = await outbox.claim("b", now, limit=10, lease=lease)
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)
    assert await outbox.claim("c", now, limit=10, lease=lease) == []
    later = now + lease + timedelta(seconds=1)
    taken_over = await outbox.claim("c", later, limit=10, lease=lease)
    assert sorted(taken_over) == sorted(first + second)
    assert not await outbox.mark_sent(first[0], "a", later), "a lost lease settles nothing"
    assert await outbox.mark_sent(first[0], "c", later)
    assert await outbox.release(taken_over[1:], "c", later) == 2
    assert await Notification.filter(status="pending").count() == 2


def test_backoff_first_retry_within_a_minute_and_capped():
    backoff = Backoff()
    rng = random.Random(6)
    firsts = [backoff.delay(1, rng) for _ in range(200)]
    assert all(timedelta(seconds=20) <= d < timedelta(minutes=1) for d in firsts)
    assert len({round(d.total_seconds()) for d in firsts}) > 10, "jittered"
    assert backoff.delay(2, rng) <= timedelta(seconds=100)
    late = [backoff.delay(n, rng) for n in range(6, 300)]
    assert all(timedelta(minutes=7, seconds=30) <= d <= timedelta(minutes=15) for d in late)


def test_smtp_urls():
    assert SmtpConfig.from_url("smtp://mail.example.jp") == SmtpConfig(
        "mail.example.jp", 25, False, None, None, None)
    assert SmtpConfig.from_url("smtp://u%40x:p%3Aw@mail.example.jp:2525?starttls=1") == \
        SmtpConfig("mail.example.jp", 2525, False, True, "u@x", "p:w")
    assert SmtpConfig.from_url("smtp://mail.example.jp?starttls=1").port == 587
    assert SmtpConfig.from_url("smtps://mail.example.jp") == SmtpConfig(
        "mail.example.jp", 465, True, False, None, None)
    assert SmtpConfig.from_url("smtp://h?starttls=0").start_tls is False


# ---- the command --------------------------------------------------------------------------------

def test_worker_help(tmp_path):
    result = kaigi("worker", "--help", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: kaigi worker")
    for word in ("--once", "--batch", "--lease", "KAIGI_SMTP_URL", "SIGTERM"):
        assert word in result.stdout


async def test_worker_once_writes_eml_files_without_smtp(client, database, tmp_path):
    await make_event(slug="sym")
    await register_many(client, "sym", 2)
    env = {"KAIGI_DATABASE_URL": database.database_url, "KAIGI_SECRET_KEY": database.secret_key,
           "KAIGI_VAR_DIR": str(tmp_path / "var")}
    result = await asyncio.to_thread(kaigi, "worker", "--once", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "delivering to files in" in result.stdout
    assert len(list((tmp_path / "var" / "outbox").glob("*.eml"))) == 2
    assert await statuses() == {"sent": 2}
