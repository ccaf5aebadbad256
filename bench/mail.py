"""Mail throughput: SMTP with one reused connection vs one per message; outbox claims.

    python bench/mail.py [--messages 500] [--rows 10000] [--rounds 3]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

1. A real confirmation (text, HTML, inline QR, calendar invitation) is composed once and
   sent to aiosmtpd (a discarding server in its own process) N times: through the
   worker's SmtpTransport, which keeps one connection, and with aiosmtplib.send, which
   connects for every message. Rounds alternate; medians are printed.
2. The outbox on PostgreSQL (the database is emptied and migrated): ROWS due messages
   are claimed and settled (claim a batch of 20 with FOR UPDATE SKIP LOCKED, mark each
   sent) by one worker process, then by two, without SMTP. Every row must end sent
   exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from email.policy import SMTP

import aiosmtplib
from harness import SECRET, free_port, reset_postgres, serve

from events import db, mail, outbox
from events.config import Settings
from events.models import Event, Notification, Registration, Session
from events.worker import SmtpConfig, SmtpTransport

BATCH = 20


def settings_for(database_url: str, smtp_url: str = "") -> Settings:
    return Settings.from_env({"KAIGI_DATABASE_URL": database_url, "KAIGI_SECRET_KEY": SECRET,
                              "KAIGI_BASE_URL": "https://kaigi.example.jp",
                              "KAIGI_SMTP_URL": smtp_url, "KAIGI_VAR_DIR": "/nonexistent"})


# ---- 1. SMTP -----------------------------------------------------------------------------------

async def confirmation(settings: Settings):
    """A typical confirmation, built from objects in memory (the ORM initialised for its
    model registry; nothing is read or written)."""
    async with db.connected(settings):
        return _confirmation(settings)


def _confirmation(settings: Settings):
    now = datetime.now(UTC)
    start = now + timedelta(days=30)
    event = Event(id=1, slug="ipv6-summit", title_ja="IPv6サミット", title_en="IPv6 Summit",
                  summary_ja="IPv6 の最新動向", summary_en="IPv6 today", status="scheduled",
                  timezone="Asia/Tokyo", venue_name="JPNIC 会議室",
                  venue_address="東京都千代田区", stream_url="", revision=0,
                  updated_at=now, date_tbd=False, ends_at=start + timedelta(hours=4))
    event.series = None
    event.session_list = [Session(id=1, event_id=1, title_ja="", title_en="", starts_at=start,  # type: ignore[attr-defined]
                                  ends_at=start + timedelta(hours=4), format="hybrid",
                                  venue_name="", venue_address="")]
    event.partner_list = []  # type: ignore[attr-defined]
    registration = Registration(id=1, event_id=1, token="t" * 32, name="山田 太郎",
                                email="taro@example.jp", attendance="venue", locale="ja",
                                status="confirmed", affiliation="", created_at=now,
                                updated_at=now)
    registration.event = event
    message = Notification(id=1, registration_id=1, purpose="confirmed", revision=0,
                           created_at=now)
    composer = mail.Composer(settings)
    facts = mail.Facts(message=message, registration=registration, event=event,
                       message_id="<00000001.confirmed.bench@kaigi.example.jp>", now=now,
                       invitation="REQUEST")
    started = time.perf_counter()
    for _ in range(50):
        composer.compose(facts)
    compose_ms = (time.perf_counter() - started) / 50 * 1000
    return composer.compose(facts), compose_ms


async def send_reused(message, port: int, count: int) -> float:
    transport = SmtpTransport(SmtpConfig("127.0.0.1", port, False, False, None, None))
    started = time.perf_counter()
    for _ in range(count):
        await transport.send(message, "noreply@kaigi.example.jp", "taro@example.jp")
    elapsed = time.perf_counter() - started
    await transport.close()
    assert transport.connections == 1
    return count / elapsed


async def send_bytes_reused(data: bytes, port: int, count: int) -> float:
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    started = time.perf_counter()
    for _ in range(count):
        await client.sendmail("noreply@kaigi.example.jp", ["taro@example.jp"], data)
    elapsed = time.perf_counter() - started
    await client.quit()
    return count / elapsed


async def send_bytes_each_new(data: bytes, port: int, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await aiosmtplib.send(data, sender="noreply@kaigi.example.jp",
                              recipients=["taro@example.jp"], hostname="127.0.0.1", port=port,
                              start_tls=False)
    return count / (time.perf_counter() - started)


async def send_each_new(message, port: int, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await aiosmtplib.send(message, sender="noreply@kaigi.example.jp",
                              recipients=["taro@example.jp"], hostname="127.0.0.1", port=port,
                              start_tls=False)
    return count / (time.perf_counter() - started)


def smtp_bench(messages: int, rounds: int) -> None:
    port = free_port()
    smtpd = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
             "-c", "aiosmtpd.handlers.Sink"]
    with serve(smtpd, port, ready=None, timeout=20):
        message, compose_ms = asyncio.run(confirmation(settings_for("sqlite://:memory:")))
        data = message.as_bytes(policy=SMTP)
        size = len(data)
        reused, fresh, raw_reused, raw_fresh = [], [], [], []
        for _ in range(rounds):
            reused.append(asyncio.run(send_reused(message, port, messages)))
            fresh.append(asyncio.run(send_each_new(message, port, messages)))
            raw_reused.append(asyncio.run(send_bytes_reused(data, port, messages)))
            raw_fresh.append(asyncio.run(send_bytes_each_new(data, port, messages)))
    print(f"SMTP to a local aiosmtpd (Sink, own process), {messages} messages x {rounds} "
          f"rounds, a {size // 1024} KiB confirmation (text, HTML, QR, invitation):")
    print(f"  composing one message:                 {compose_ms:6.2f} ms")
    print(f"  one reused connection (SmtpTransport): {statistics.median(reused):6.0f} msg/s "
          f"(rounds: {', '.join(f'{r:.0f}' for r in reused)})")
    print(f"  a new connection per message:          {statistics.median(fresh):6.0f} msg/s "
          f"(rounds: {', '.join(f'{r:.0f}' for r in fresh)})")
    ratio = statistics.median(reused) / statistics.median(fresh)
    print(f"  ratio reused / new:                    {ratio:6.2f}")
    print("  the same bytes, flattened once (the SMTP exchange alone):")
    print(f"    one reused connection:               {statistics.median(raw_reused):6.0f} msg/s "
          f"(rounds: {', '.join(f'{r:.0f}' for r in raw_reused)})")
    print(f"    a new connection per message:        {statistics.median(raw_fresh):6.0f} msg/s "
          f"(rounds: {', '.join(f'{r:.0f}' for r in raw_fresh)})")
    ratio = statistics.median(raw_reused) / statistics.median(raw_fresh)
    print(f"    ratio reused / new:                  {ratio:6.2f}")


# ---- 2. claims on PostgreSQL ---------------------------------------------------------------------

async def prepare(database_url: str, rows: int) -> None:
    settings = settings_for(database_url)
    await reset_postgres(database_url)
    await db.migrate(settings)
    async with db.connected(settings):
        from tortoise.connection import get_connection

        now = datetime.now(UTC)
        event = await Event.create(slug="bench", title_ja="b", title_en="b", updated_at=now,
                                   sort_at=now)
        await get_connection("default").execute_query(
            "INSERT INTO registration (event_id, token, name, name_kana, email, "
            "email_normalized, affiliation, membership, attendance, locale, status, queue_seq, "
            "created_at, updated_at) SELECT $1, 'tok' || g, 'n', '', 'p' || g || '@example.jp', "
            "'p' || g || '@example.jp', '', 'none', 'venue', 'ja', 'confirmed', 0, $2, $2 "
            "FROM generate_series(1, $3) AS g", [event.id, now, rows])
        await get_connection("default").execute_query(
            "INSERT INTO notification (registration_id, purpose, revision, created_at, "
            "next_attempt_at) SELECT id, 'confirmed', 0, $1, $1 FROM registration", [now])


async def reset() -> None:
    now = datetime.now(UTC) - timedelta(seconds=1)
    await Notification.all().update(status="pending", attempts=0, claimed_by="",
                                    claimed_until=None, sent_at=None, next_attempt_at=now)


async def drain(database_url: str, name: str, start_at: float) -> int:
    """One worker's loop without SMTP: claim a batch, settle each message, repeat."""
    async with db.connected(settings_for(database_url)):
        await asyncio.sleep(max(0.0, start_at - time.time()))
        done = 0
        lease = timedelta(minutes=2)
        while True:
            ids = await outbox.claim(name, datetime.now(UTC), limit=BATCH, lease=lease)
            if not ids:
                return done
            for message_id in ids:
                await outbox.mark_sent(message_id, name, datetime.now(UTC))
            done += len(ids)


def drain_process(database_url: str, name: str, start_at: float, results) -> None:
    results.put((name, asyncio.run(drain(database_url, name, start_at))))


def claim_round(database_url: str, workers: int, rows: int) -> tuple[float, list]:
    async def reset_and_check() -> None:
        async with db.connected(settings_for(database_url)):
            await reset()

    asyncio.run(reset_and_check())
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 2.0  # every process connected before the clock starts
    processes = [context.Process(target=drain_process,
                                 args=(database_url, f"w{i}", start_at, results))
                 for i in range(workers)]
    for p in processes:
        p.start()
    counts = [results.get(timeout=600) for _ in processes]
    elapsed = time.time() - start_at
    for p in processes:
        p.join()
    assert sum(n for _, n in counts) == rows, counts
    return rows / elapsed, counts


async def verify(database_url: str, rows: int) -> None:
    async with db.connected(settings_for(database_url)):
        sent = await Notification.filter(status="sent", attempts=1).count()
        assert sent == rows, f"{sent} of {rows} sent exactly once"


def claims_bench(database_url: str, rows: int, rounds: int) -> None:
    asyncio.run(prepare(database_url, rows))
    results: dict[int, list[float]] = {1: [], 2: []}
    shares = []
    for _ in range(rounds):
        for workers in (1, 2):
            rate, counts = claim_round(database_url, workers, rows)
            asyncio.run(verify(database_url, rows))
            results[workers].append(rate)
            if workers == 2:
                shares.append(sorted(n for _, n in counts))
    print(f"Outbox on PostgreSQL, {rows} due messages, claim {BATCH} (FOR UPDATE SKIP LOCKED) "
          f"+ mark each sent, {rounds} rounds; every message sent exactly once:")
    for workers in (1, 2):
        rates = results[workers]
        print(f"  {workers} worker process{'es' if workers > 1 else '  '}: "
              f"{statistics.median(rates):7.0f} messages/s "
              f"(rounds: {', '.join(f'{r:.0f}' for r in rates)})")
    print(f"  two workers split the rows: {shares}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get(
        "KAIGI_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--skip-smtp", action="store_true")
    parser.add_argument("--skip-claims", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"aiosmtplib {aiosmtplib.__version__}")
    if not args.skip_smtp:
        smtp_bench(args.messages, args.rounds)
    if not args.skip_claims:
        claims_bench(args.postgres, args.rows, args.rounds)


if __name__ == "__main__":
    main()
