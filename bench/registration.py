"""Registration throughput on a real uvicorn, against a bare Starlette ceiling, same run.

    python bench/registration.py [--seconds 10] [--connections 64] [--workers 1]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--no-pin]

Needs `wrk` (Debian package) as the load generator, in its own process. Each request
registers a new email for one event with a venue capacity of 500, so most of the run
is past capacity (waiting list), as in a flash crowd. Prints requests/s, p50/p99,
errors, the final confirmed count and the ratio to the bare endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import (
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

from events import catalogue, db
from events.access import Actor
from events.config import Settings
from events.models import Event

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
BARE = [Answer("/api/v1/events/bench/registrations", methods=("POST",), status=201,
               json={"id": 1, "status": "confirmed"}, read_body=True)]


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


async def confirmed(settings: Settings) -> dict[str, int]:
    async with db.connected(settings):
        event = await Event.get(slug="bench")
        return {"confirmed": event.venue_confirmed, "waitlisted": event.venue_waitlisted}


def bench_kaigi(url: str, tmp: Path, load: Load, script: Path) -> tuple[WrkResult, dict]:
    env = kaigi_env(url, tmp)
    settings = Settings.from_env(env)
    if not settings.is_sqlite:
        asyncio.run(reset_postgres(url))
    fresh(prepare, settings)
    with load.serve_kaigi(env) as server:
        result = load.wrk(server, script=script)
    return result, fresh(confirmed, settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    add_postgres_option(parser, "postgresql://postgres@127.0.0.1:5432/test")
    add_pin_option(parser)
    args = parser.parse_args()
    require_wrk()
    load = Load.plan(args.seconds, args.connections, args.workers, pin=args.pin)

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        script = tmp / "post.lua"
        script.write_text(POST_LUA)
        with load.serve_bare(BARE) as bare:
            rows: list[Row] = [("bare Starlette (ceiling)", load.wrk(bare, script=script), {})]
        rows.append(("kaigi, SQLite", *bench_kaigi(f"sqlite://{tmp / 'bench.sqlite3'}", tmp,
                                                   load, script)))
        if args.postgres:
            rows.append(("kaigi, PostgreSQL", *bench_kaigi(args.postgres, tmp, load, script)))

    print(f"registration benchmark: {args.seconds}s per target, {args.connections} "
          f"connections, {args.workers} uvicorn worker(s), capacity {CAPACITY}")
    print_table(rows, [("confirmed", 9), ("waitlisted", 10)])
    print("(pretix publishes ~500 orders/minute = ~8/s for one quota-limited event)")
    print(load.describe())
    print_cpu(load, [(label, r.cpu) for label, r, _ in rows],
                      baselines=["bare Starlette (ceiling)"])


if __name__ == "__main__":
    main()
