"""Check-in throughput on a real uvicorn, against a bare Starlette ceiling, same run.

    python bench/checkin.py [--seconds 10] [--connections 64] [--workers 1]
        [--tickets 40000] [--postgres postgresql://postgres@127.0.0.1:5432/test]

Needs `wrk` (Debian package) as the load generator, in its own process. Each request
scans a different valid ticket of one event whose venue session is today, with a
checkin key, a nonce and a gate, as the scanner page sends them: every request admits
someone (one admission, one scan row, the registration's checked_in_at). Prints
requests/s, p50/p99, errors (non-2xx, including tickets scanned twice if the run
outlasts --tickets), the admissions made, and Ed25519 verifications per second.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from registration import (  # noqa: E402  (the registration benchmark's harness)
    SECRET,
    _reset_pg,
    free_port,
    fresh,
    run_wrk,
    start,
    uvicorn,
)

from events import access, catalogue, db, tickets  # noqa: E402
from events.access import Actor  # noqa: E402
from events.config import Settings  # noqa: E402
from events.models import Admission, Event, Registration, Scan  # noqa: E402

SCAN_LUA = """
local codes = {}
local counter = 0
local id = 0
init = function(args)
  for line in io.lines("CODES") do codes[#codes + 1] = line end
  id = math.random(1, 1e9)
end
request = function()
  counter = counter + 1
  local code = codes[((counter - 1) % #codes) + 1]
  local body = string.format('{"code":"%s","nonce":"%d-%d","gate":"bench"}', code, id, counter)
  return wrk.format("POST", "/api/v1/events/bench/checkins",
                    {["Content-Type"] = "application/json",
                     ["Authorization"] = "Bearer KEY"}, body)
end
"""
BARE_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def constant(request):
    await request.body()
    return JSONResponse({"result": "checked_in", "status": 200})

app = Starlette(routes=[Route("/api/v1/events/bench/checkins", constant, methods=["POST"]),
                        Route("/healthz", constant)])
"""


async def prepare(job: tuple[Settings, int]) -> tuple[str, list[str]]:
    """An event whose door is open today, `count` confirmed venue tickets, a checkin key."""
    settings, count = job
    await db.migrate(settings)
    async with db.connected(settings):
        await Event.filter(slug="bench").delete()
        tokyo = ZoneInfo("Asia/Tokyo")
        midnight = datetime.now(tokyo).replace(hour=0, minute=0, second=0, microsecond=0)
        event = await catalogue.create_event({
            "slug": "bench", "title": "Bench", "capacity": {"venue": None, "online": None},
            "sessions": [{"starts_at": midnight.isoformat(),
                          "ends_at": (midnight + timedelta(hours=23, minutes=59)).isoformat(),
                          "format": "in_person"}],
        }, actor=Actor(role="admin"), default_timezone="Asia/Tokyo", now=datetime.now(UTC))
        now = datetime.now(UTC)
        rows = [Registration(event_id=event.id, token=secrets.token_urlsafe(24),
                             name=f"Bench {n}", email=f"b{n}@example.jp",
                             email_normalized=f"b{n}@example.jp", attendance="venue",
                             status="confirmed", created_at=now, updated_at=now)
                for n in range(count)]
        await Registration.bulk_create(rows, batch_size=2000)
        ids = await Registration.filter(event_id=event.id).values_list("id", flat=True)
        _, key = await access.create_key("bench door", "checkin", event_slug="bench")
    signer = tickets.private_key(settings.secret_key, settings.ticket_key)
    return key, [tickets.sign(signer, event.id, i) for i in ids]


async def outcome(settings: Settings) -> dict[str, int]:
    async with db.connected(settings):
        event = await Event.get(slug="bench")
        return {"admitted": await Admission.filter(event_id=event.id).count(),
                "scans": await Scan.filter(event_id=event.id).count()}


def bench_kaigi(url: str, tmp: Path, args: argparse.Namespace) -> dict:
    env = {"KAIGI_DATABASE_URL": url, "KAIGI_SECRET_KEY": SECRET,
           "KAIGI_BASE_URL": "http://127.0.0.1", "KAIGI_VAR_DIR": str(tmp)}
    settings = Settings.from_env(env)
    if not settings.is_sqlite:
        asyncio.run(_reset_pg(url))
    # The ORM keeps per-process state of one database: prepare each in a fresh process.
    key, codes = fresh(prepare, (settings, args.tickets))
    (tmp / "codes.txt").write_text("\n".join(codes) + "\n")
    script = tmp / "scan.lua"
    script.write_text(SCAN_LUA.replace("CODES", str(tmp / "codes.txt")).replace("KEY", key))
    port = free_port()
    server = start(uvicorn("api.asgi:create", port, args.workers, factory=True), env, port)
    try:
        result = run_wrk(port, args.seconds, args.connections, script)
    finally:
        server.terminate()
        server.wait()
    result.update(fresh(outcome, settings))
    return result


def verifications(seconds: float = 2.0) -> tuple[float, float]:
    """Ed25519 checks per second: a whole ticket code, and the bare signature."""
    signer = tickets.private_key(SECRET)
    public = signer.public_key()
    code = tickets.sign(signer, 12, 3456)
    raw = base64.urlsafe_b64decode(code[1:] + "=" * (-len(code[1:]) % 4))
    payload, signature = raw[:-tickets.SIGNATURE_SIZE], raw[-tickets.SIGNATURE_SIZE:]
    rates = []
    for check in (lambda: tickets.verify(public, code),
                  lambda: public.verify(signature, payload)):
        n, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for _ in range(200):
                check()
            n += 200
        rates.append(n / (time.perf_counter() - started))
    return rates[0], rates[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--tickets", type=int, default=40000,
                        help="valid tickets prepared per database (more than the run scans)")
    parser.add_argument("--postgres", default=os.environ.get(
        "KAIGI_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL URL (its public schema is dropped!); empty to skip")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed as the load generator (apt-get install wrk)")

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        script = tmp / "bare.lua"
        script.write_text(SCAN_LUA.replace("CODES", str(tmp / "codes.txt")).replace("KEY", "x"))
        (tmp / "codes.txt").write_text("K" + "A" * 92 + "\n")
        (tmp / "bare_app.py").write_text(BARE_APP)
        port = free_port()
        bare = start(uvicorn("bare_app:app", port, args.workers), {"PYTHONPATH": str(tmp)}, port)
        try:
            baseline = run_wrk(port, args.seconds, args.connections, script)
        finally:
            bare.terminate()
            bare.wait()

        rows = [("bare Starlette (ceiling)", baseline)]
        rows.append(("kaigi, SQLite", bench_kaigi(f"sqlite://{tmp / 'bench.sqlite3'}", tmp,
                                                  args)))
        if args.postgres:
            rows.append(("kaigi, PostgreSQL", bench_kaigi(args.postgres, tmp, args)))
    code_rate, bare_rate = verifications()

    print(f"check-in benchmark: {args.seconds}s per target, {args.connections} connections, "
          f"{args.workers} uvicorn worker(s), {args.tickets} valid tickets per database")
    print(f"{'target':26} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7} {'admitted':>9} {'scans':>7}")
    for label, r in rows:
        print(f"{label:26} {r['rps']:8.0f} {r['rps'] / baseline['rps']:6.2f} {r['p50']:8.1f} "
              f"{r['p99']:8.1f} {r['errors']:7d} {r.get('admitted', '-'):>9} "
              f"{r.get('scans', '-'):>7}")
    print(f"Ed25519 (cryptography/OpenSSL, one core): {code_rate:,.0f} ticket codes "
          f"verified/s (decode + verify), {bare_rate:,.0f} bare signature checks/s")
    print("(pretix, measured on this kind of machine: ~30 check-in redeems/s)")


if __name__ == "__main__":
    main()
