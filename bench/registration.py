"""Registration throughput on a real uvicorn, against a bare Starlette ceiling, same run.

    python bench/registration.py [--seconds 10] [--connections 64] [--workers 1]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

Needs `wrk` (Debian package) as the load generator, in its own process. Each request
registers a new email for one event with a venue capacity of 500, so most of the run
is past capacity (waiting list), as in a flash crowd. Prints requests/s, p50/p99,
errors, the final confirmed count and the ratio to the bare endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from events import catalogue, db  # noqa: E402
from events.access import Actor  # noqa: E402
from events.config import Settings  # noqa: E402
from events.models import Event  # noqa: E402

SECRET = "bench-secret-key-0123456789-0123456789-abcdef"
CAPACITY = 500
POST_LUA = """
local counter = 0
local thread_id = 0
setup = function(thread) thread:set("id", math.random(1, 1e9)) end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"name":"Bench %d","email":"b%d-%d@example.jp","attendance":"venue"}',
    counter, id, counter)
  return wrk.format("POST", "/api/v1/events/bench/registrations",
                    {["Content-Type"] = "application/json"}, body)
end
"""
BARE_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def constant(request):
    await request.body()
    return JSONResponse({"id": 1, "status": "confirmed"}, status_code=201)

app = Starlette(routes=[Route("/api/v1/events/bench/registrations", constant, methods=["POST"]),
                        Route("/healthz", constant)])
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(args, env={**os.environ, **env}, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code < 500:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


def uvicorn(target: str, port: int, workers: int, factory: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--log-level", "error", "--no-access-log"]
    return cmd + (["--factory"] if factory else [])


def run_wrk(port: int, seconds: int, connections: int, script: Path) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "total": total, "errors": errors, "p50": pct("50"), "p99": pct("99")}


async def prepare(settings: Settings) -> None:
    await db.migrate(settings)
    async with db.connected(settings):
        await Event.filter(slug="bench").delete()
        start_at = datetime.now(UTC) + timedelta(days=30)
        await catalogue.create_event({
            "slug": "bench", "title": "Bench", "capacity": {"venue": CAPACITY, "online": None},
            "sessions": [{"starts_at": start_at.isoformat(),
                          "ends_at": (start_at + timedelta(hours=3)).isoformat(),
                          "format": "hybrid"}],
        }, actor=Actor(role="admin"), default_timezone="Asia/Tokyo", now=datetime.now(UTC))


async def confirmed(settings: Settings) -> tuple[int, int]:
    async with db.connected(settings):
        event = await Event.get(slug="bench")
        return event.venue_confirmed, event.venue_waitlisted


def _run(fn, settings):
    return asyncio.run(fn(settings))


def fresh(fn, settings: Settings):
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_run, fn, settings).result()


def bench_kaigi(url: str, tmp: Path, args: argparse.Namespace, script: Path) -> dict:
    env = {"KAIGI_DATABASE_URL": url, "KAIGI_SECRET_KEY": SECRET,
           "KAIGI_BASE_URL": "http://127.0.0.1", "KAIGI_VAR_DIR": str(tmp)}
    settings = Settings.from_env(env)
    if not settings.is_sqlite:
        asyncio.run(_reset_pg(url))
    # The ORM keeps per-process state of one database: prepare each in a fresh process.
    fresh(prepare, settings)
    port = free_port()
    server = start(uvicorn("api.asgi:create", port, args.workers, factory=True), env, port)
    try:
        result = run_wrk(port, args.seconds, args.connections, script)
    finally:
        server.terminate()
        server.wait()
    result["confirmed"], result["waitlisted"] = fresh(confirmed, settings)
    return result


async def _reset_pg(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--postgres", default=os.environ.get(
        "KAIGI_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL URL (its public schema is dropped!); empty to skip")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed as the load generator (apt-get install wrk)")

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        script = tmp / "post.lua"
        script.write_text(POST_LUA)
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
                                                  args, script)))
        if args.postgres:
            rows.append(("kaigi, PostgreSQL", bench_kaigi(args.postgres, tmp, args, script)))

    print(f"registration benchmark: {args.seconds}s per target, {args.connections} "
          f"connections, {args.workers} uvicorn worker(s), capacity {CAPACITY}")
    print(f"{'target':26} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7} {'confirmed':>9} {'waitlisted':>10}")
    for label, r in rows:
        print(f"{label:26} {r['rps']:8.0f} {r['rps'] / baseline['rps']:6.2f} {r['p50']:8.1f} "
              f"{r['p99']:8.1f} {r['errors']:7d} {r.get('confirmed', '-'):>9} "
              f"{r.get('waitlisted', '-'):>10}")
    print("(pretix publishes ~500 orders/minute = ~8/s for one quota-limited event)")


if __name__ == "__main__":
    main()
