"""Check-in throughput on a real uvicorn, against a bare Starlette ceiling, same run.

    python bench/checkin.py [--seconds 10] [--connections 64] [--workers 1]
        [--tickets 40000] [--postgres postgresql://postgres@127.0.0.1:5432/test]
        [--no-pin]

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
import secrets
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from harness import (
    SECRET,
    Answer,
    Load,
    Row,
    WrkResult,
    add_pin_option,
    add_postgres_option,
    fresh,
    kaigi_env,
    print_cpu,
    print_table,
    require_wrk,
    reset_postgres,
)

from events import access, catalogue, db, tickets
from events.access import Actor
from events.config import Settings
from events.models import Admission, Event, Registration, Scan

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
BARE = [Answer("/api/v1/events/bench/checkins", methods=("POST",),
               json={"result": "checked_in", "status": 200}, read_body=True)]


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


def bench_kaigi(url: str, tmp: Path, args: argparse.Namespace, load: Load
                ) -> tuple[WrkResult, dict[str, int]]:
    env = kaigi_env(url, tmp)
    settings = Settings.from_env(env)
    if not settings.is_sqlite:
        asyncio.run(reset_postgres(url))
    key, codes = fresh(prepare, (settings, args.tickets))
    (tmp / "codes.txt").write_text("\n".join(codes) + "\n")
    script = tmp / "scan.lua"
    script.write_text(SCAN_LUA.replace("CODES", str(tmp / "codes.txt")).replace("KEY", key))
    with load.serve_kaigi(env) as server:
        result = load.wrk(server, script=script)
    return result, fresh(outcome, settings)


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
    add_postgres_option(parser, "postgresql://postgres@127.0.0.1:5432/test")
    add_pin_option(parser)
    args = parser.parse_args()
    require_wrk()
    load = Load.plan(args.seconds, args.connections, args.workers, pin=args.pin)

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        script = tmp / "bare.lua"
        script.write_text(SCAN_LUA.replace("CODES", str(tmp / "codes.txt")).replace("KEY", "x"))
        (tmp / "codes.txt").write_text("K" + "A" * 92 + "\n")
        with load.serve_bare(BARE) as bare:
            rows: list[Row] = [("bare Starlette (ceiling)", load.wrk(bare, script=script), {})]
        rows.append(("kaigi, SQLite", *bench_kaigi(f"sqlite://{tmp / 'bench.sqlite3'}", tmp,
                                                   args, load)))
        if args.postgres:
            rows.append(("kaigi, PostgreSQL", *bench_kaigi(args.postgres, tmp, args, load)))
    code_rate, bare_rate = verifications()

    print(f"check-in benchmark: {args.seconds}s per target, {args.connections} connections, "
          f"{args.workers} uvicorn worker(s), {args.tickets} valid tickets per database")
    print_table(rows, [("admitted", 9), ("scans", 7)])
    print(f"Ed25519 (cryptography/OpenSSL, one core): {code_rate:,.0f} ticket codes "
          f"verified/s (decode + verify), {bare_rate:,.0f} bare signature checks/s")
    print("(pretix, measured on this kind of machine: ~30 check-in redeems/s)")
    print(load.describe())
    print_cpu(load, [(label, r.cpu) for label, r, _ in rows],
              baselines=["bare Starlette (ceiling)"])


if __name__ == "__main__":
    main()
