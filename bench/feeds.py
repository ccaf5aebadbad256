"""Calendar feeds: build cost against plain strings, and serving against a bare endpoint.

    python bench/feeds.py [--seconds 5] [--rounds 3] [--connections 64]
        [--postgres postgresql://postgres@127.0.0.1:5432/bench] [--skip-http] [--no-pin]

1. Build: a feed of 1,000 and of 10,000 sessions (10 sessions per event) with
   `events.calendar` (icalendar), against a same-run baseline that writes the same
   events as plain strings (escaping and folding by hand; both outputs are parsed back
   and compared). Also the rebuild after one event changed, with the per-revision
   entry cache warm, and a build entirely from the cache.
2. Serve: requests/s of GET /feeds/events.ics (1,000 sessions) and of one event's
   feed, answered 200 (cached bytes) and 304 (If-None-Match), on a real uvicorn,
   against a bare Starlette endpoint sending the same bytes, in the same run. The load
   generator is `wrk` (Debian package), in its own process; targets are interleaved
   over several rounds, in a different order each round, and the median is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import icalendar
from harness import (
    Answer,
    CpuUse,
    Load,
    Server,
    add_pin_option,
    add_postgres_option,
    fresh,
    kaigi_env,
    print_cpu,
    ratio,
    require_wrk,
    reset_postgres,
)

from events import calendar, catalogue, db, vocabulary
from events.access import Actor
from events.config import Settings
from events.models import Event, Organization, Series

BASE_URL = "http://127.0.0.1"
SESSIONS_PER_EVENT = 10
HTTP_EVENTS = 100  # 1,000 sessions in the feed served over HTTP
FEED_HEADERS = {"ETag": '"x"', "Cache-Control": "public, max-age=300"}
BARE_LABELS = ("bare Starlette, same 1,000-session bytes", "bare Starlette, same one-event bytes",
               "bare Starlette, 304")


# ---- 1. building ----------------------------------------------------------------------------

def sample_events(count: int) -> list[Any]:
    """Events as catalogue.load_details leaves them, without a database."""
    orgs = [SimpleNamespace(name_ja=f"一般社団法人 サンプル協会 {i}",
                            name_en=f"Sample Association {i}") for i in range(5)]
    series = SimpleNamespace(name_ja="迷惑メール対策カンファレンス", name_en="Anti-spam Conference")
    updated = datetime(2026, 1, 10, 3, tzinfo=UTC)
    events = []
    for e in range(count):
        start = datetime(2026, 4, 14, 1, tzinfo=UTC) + timedelta(days=e)
        sessions = [SimpleNamespace(
            id=e * SESSIONS_PER_EVENT + n + 1, title_ja=f"セッション {n + 1}: 基調講演, パネル",
            title_en=f"Session {n + 1}: keynote, panel", starts_at=start + timedelta(hours=n),
            ends_at=start + timedelta(hours=n + 1), format=("in_person", "hybrid", "online")[n % 3],
            venue_name="", venue_address="") for n in range(SESSIONS_PER_EVENT)]
        events.append(SimpleNamespace(
            id=e + 1, slug=f"event-{e + 1}", title_ja=f"インターネット協会 イベント {e + 1}",
            title_en=f"Association event {e + 1}",
            summary_ja="行政・自治体・非IT企業との協働によるDXの事例と、会員企業のマッチング。",
            summary_en="DX case studies with government, municipalities and non-IT companies.",
            status="cancelled" if e % 17 == 0 else "scheduled", timezone="Asia/Tokyo",
            venue_name="東京国際フォーラム", venue_address="東京都千代田区丸の内3-5-1",
            revision=e % 4, updated_at=updated + timedelta(minutes=e), series=series,
            session_list=sessions,
            partner_list=[SimpleNamespace(role=role, organization=orgs[(e + i) % 5])
                          for i, role in enumerate(("organizer", "co_host", "supporter"))]))
    return events


def escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line: str) -> str:
    """75 octets per line, never cutting a UTF-8 character."""
    if len(line.encode()) <= 75:
        return line + "\r\n"
    out, current, size = [], [], 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out) + "\r\n"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def as_strings(events: list[Any], lang: str, uid: str, name: str) -> bytes:
    """The same feed as `calendar.build_calendar`, written by hand."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{calendar.PRODID}",
             f"NAME:{escape(name)}", f"X-WR-CALNAME:{escape(name)}",
             "X-WR-TIMEZONE:Asia/Tokyo", "REFRESH-INTERVAL;VALUE=DURATION:PT1H", f"UID:{uid}",
             "X-PUBLISHED-TTL:PT1H"]
    out = ["".join(fold(line) for line in lines), calendar._vtimezone("Asia/Tokyo").decode()]
    for event in events:
        tz = calendar.ZoneInfo(event.timezone)
        title = vocabulary.pick(event.title_ja, event.title_en, lang)
        prefix = (vocabulary.translate(f"event_status_{event.status}", lang) + ": "
                  if event.status in calendar.STATUS_IN_SUMMARY else "")
        partners = "\n".join(
            f"{vocabulary.translate(f'role_{role}', lang)}: "
            + vocabulary.translate("list_separator", lang).join(
                vocabulary.pick(p.organization.name_ja, p.organization.name_en, lang)
                for p in event.partner_list if p.role == role)
            for role in ("organizer", "co_host", "supporter", "sponsor", "cooperator")
            if any(p.role == role for p in event.partner_list))
        url = calendar.event_url(BASE_URL, event.slug, lang)
        series = vocabulary.pick(event.series.name_ja, event.series.name_en, lang)
        for s in event.session_list:
            part = vocabulary.pick(s.title_ja, s.title_en, lang)
            summary = f"{title} — {part}" if part and part != title else title
            paragraphs = [vocabulary.pick(event.summary_ja, event.summary_en, lang), partners]
            if vocabulary.serves_online(s.format):
                paragraphs.append(vocabulary.translate("online_note", lang))
            paragraphs.append(url)
            entry = [
                "BEGIN:VEVENT", f"SUMMARY:{escape(prefix + summary)}",
                f"DTSTART;TZID={event.timezone}:{s.starts_at.astimezone(tz):%Y%m%dT%H%M%S}",
                f"DTEND;TZID={event.timezone}:{s.ends_at.astimezone(tz):%Y%m%dT%H%M%S}",
                f"DTSTAMP:{stamp(event.updated_at)}",
                f"UID:{calendar.session_uid(s.id, '127.0.0.1')}",
                f"SEQUENCE:{event.revision}",
                f"CATEGORIES:{escape(series)},"
                f"{escape(vocabulary.translate(f'format_{s.format}', lang))}",
                "DESCRIPTION:" + escape("\n\n".join(paragraphs)),
                f"LAST-MODIFIED:{stamp(event.updated_at)}",
            ]
            if s.format != "online":
                entry.append("LOCATION:" + escape(f"{event.venue_name}, {event.venue_address}"))
            entry += [f"STATUS:{calendar.STATUS[event.status]}", f"URL;VALUE=URI:{url}",
                      "END:VEVENT"]
            out.append("".join(fold(line) for line in entry))
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode()


def same_content(a: bytes, b: bytes) -> bool:
    """Both feeds parse to the same calendar properties and the same events."""
    def content(body: bytes) -> tuple:
        cal = icalendar.Calendar.from_ical(body)
        props = sorted((k, v.to_ical()) for k, v in cal.property_items(recursive=False)
                       if k not in ("BEGIN", "END"))
        events = [sorted((k, v.to_ical() if hasattr(v, "to_ical") else str(v))
                         for k, v in e.property_items(recursive=False)) for e in cal.events]
        return props, events

    return content(a) == content(b)


def timed(fn: Callable[..., Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bench_build(sessions: int, rounds: int) -> dict[str, Any]:
    events = sample_events(sessions // SESSIONS_PER_EVENT)
    options = {"uid": "feed-events-ja@127.0.0.1", "name": "kaigi イベント",
               "base_url": BASE_URL, "lang": "ja"}
    calendar._vtimezone("Asia/Tokyo")  # built once per process, not part of a feed
    times: dict[str, list[float]] = {"icalendar": [], "strings": [], "one changed": [],
                                     "all cached": []}
    for _ in range(rounds):  # interleaved, so machine noise hits every variant alike
        t, built = timed(lambda: calendar.build_calendar(events, **options))
        times["icalendar"].append(t)
        t, plain = timed(lambda: as_strings(events, "ja", options["uid"], options["name"]))
        times["strings"].append(t)
        cache = calendar.EntryCache()
        calendar.build_calendar(events, cache=cache, **options)
        events[0].updated_at += timedelta(seconds=1)
        t, _ = timed(lambda cache=cache: calendar.build_calendar(events, cache=cache, **options))
        times["one changed"].append(t)
        t, cached = timed(lambda cache=cache: calendar.build_calendar(events, cache=cache,
                                                                      **options))
        times["all cached"].append(t)
    events[0].updated_at -= timedelta(seconds=rounds)
    built = calendar.build_calendar(events, **options)
    plain = as_strings(events, "ja", options["uid"], options["name"])
    return {"sessions": sessions, "size": len(built), "plain size": len(plain),
            "identical": same_content(built, plain),
            **{k: statistics.median(v) for k, v in times.items()}}


# ---- 2. serving ------------------------------------------------------------------------------

async def prepare(settings: Settings) -> None:
    await db.migrate(settings)
    async with db.connected(settings):
        await Event.all().delete()
        org, _ = await Organization.get_or_create(slug="iajapan", defaults={
            "name_ja": "インターネット協会", "name_en": "Internet Association Japan"})
        await Series.get_or_create(slug="bench", defaults={"name_ja": "ベンチ", "name_en": "Bench"})
        start = datetime(2030, 4, 14, 1, tzinfo=UTC)
        for e in range(HTTP_EVENTS):
            first = start + timedelta(days=e)
            await catalogue.create_event({
                "slug": f"bench-{e}", "series": "bench",
                "title": {"ja": f"ベンチマーク {e}", "en": f"Benchmark {e}"},
                "summary": {"ja": "概要, 説明; など", "en": "Summary, text; etc."},
                "venue": {"name": "会場", "address": "東京都港区"},
                "stream_url": "https://stream.example.net/bench",
                "sessions": [{"title": f"Part {n}", "format": ("hybrid", "online")[n % 2],
                              "starts_at": (first + timedelta(hours=n)).isoformat(),
                              "ends_at": (first + timedelta(hours=n + 1)).isoformat()}
                             for n in range(SESSIONS_PER_EVENT)],
                "partners": [{"org": org.slug, "role": "organizer"}],
            }, actor=Actor(role="admin"), default_timezone="Asia/Tokyo", now=datetime.now(UTC))


async def touch(settings: Settings) -> None:
    """A change to one event, as an organizer's edit would make it."""
    async with db.connected(settings):
        await catalogue.update_event("bench-0", {"summary": "changed"}, actor=Actor(role="admin"),
                                     now=datetime.now(UTC))


def first_request_ms(url: str) -> float:
    start = time.perf_counter()
    httpx.get(url, timeout=60).raise_for_status()
    return (time.perf_counter() - start) * 1000


@contextlib.contextmanager
def kaigi_server(database_url: str, tmp: Path, load: Load
                 ) -> Iterator[tuple[Server, dict[str, float]]]:
    env = kaigi_env(database_url, tmp, BASE_URL)
    settings = Settings.from_env(env)
    if not settings.is_sqlite:
        asyncio.run(reset_postgres(database_url))
    fresh(prepare, settings)
    with load.serve_kaigi(env) as server:
        feed = f"{server.url}/feeds/events.ics"
        latency = {"cold build": first_request_ms(feed)}
        fresh(touch, settings)
        latency["rebuild, 1 event changed"] = first_request_ms(feed)
        latency["cached"] = first_request_ms(feed)
        yield server, latency


def bench_http(args: argparse.Namespace, load: Load, tmp: Path) -> tuple[list, dict]:
    with contextlib.ExitStack() as stack:
        kaigi: dict[str, Server] = {}
        latencies: dict[str, dict[str, float]] = {}
        databases = [("SQLite", f"sqlite://{tmp / 'bench.sqlite3'}")]
        if args.postgres:
            databases.append(("PostgreSQL", args.postgres))
        for label, database_url in databases:
            kaigi[label], latencies[label] = stack.enter_context(
                kaigi_server(database_url, tmp, load))

        first = next(iter(kaigi.values())).url
        feed = httpx.get(f"{first}/feeds/events.ics")
        small = httpx.get(f"{first}/events/bench-1.ics")
        (tmp / "feed.ics").write_bytes(feed.content)
        (tmp / "small.ics").write_bytes(small.content)
        bare = stack.enter_context(load.serve_bare([
            Answer("/feed.ics", file=str(tmp / "feed.ics"), media_type="text/calendar",
                   headers=FEED_HEADERS),
            Answer("/small.ics", file=str(tmp / "small.ics"), media_type="text/calendar",
                   headers=FEED_HEADERS),
            Answer("/304.ics", status=304, headers={"ETag": '"x"'})]))

        # (label, server, path, request headers, baseline it is compared with, expected status)
        targets: list[tuple[str, Server, str, dict[str, str], str, int]] = [
            (BARE_LABELS[0], bare, "/feed.ics", {}, "big", 200),
            (BARE_LABELS[1], bare, "/small.ics", {}, "small", 200),
            (BARE_LABELS[2], bare, "/304.ics", {}, "tiny", 304),
        ]
        for label, server in kaigi.items():
            # Each database has its own update times, so its own bytes and ETags.
            big_tag = httpx.get(f"{server.url}/feeds/events.ics").headers["etag"]
            small_tag = httpx.get(f"{server.url}/events/bench-1.ics").headers["etag"]
            targets += [
                (f"kaigi {label}: /healthz (one SELECT 1)", server, "/healthz", {}, "tiny", 200),
                (f"kaigi {label}: feed of 1,000 sessions, 200", server, "/feeds/events.ics", {},
                 "big", 200),
                (f"kaigi {label}: feed of 1,000 sessions, 304", server, "/feeds/events.ics",
                 {"If-None-Match": big_tag}, "tiny", 304),
                (f"kaigi {label}: one event's feed, 200", server, "/events/bench-1.ics", {},
                 "small", 200),
                (f"kaigi {label}: one event's feed, 304", server, "/events/bench-1.ics",
                 {"If-None-Match": small_tag}, "tiny", 304),
            ]
        for label, server, path, headers, _kind, expected in targets:
            status = httpx.get(server.url + path, headers=headers).status_code
            if status != expected:
                raise SystemExit(f"{label}: expected {expected}, got {status}")
        rates: dict[str, list[float]] = {t[0]: [] for t in targets}
        cpu: dict[str, list[CpuUse]] = {t[0]: [] for t in targets}
        for round_number in range(args.rounds):
            # A different order each round, so no target always follows the heavy 200s.
            shift = round_number * len(targets) // max(args.rounds, 1)
            for label, server, path, headers, _kind, _status in targets[shift:] + targets[:shift]:
                time.sleep(1)  # let the previous run's connections drain
                result = load.wrk(server, path, headers=headers)
                if result.non_2xx:
                    raise SystemExit(f"{label}: {result.non_2xx} error responses\n"
                                     f"{result.output}")
                rates[label].append(result.rps)
                cpu[label].append(result.cpu)
        medians = {label: statistics.median(v) for label, v in rates.items()}
        baseline = {t[4]: medians[t[0]] for t in targets[:3]}
        rows = [(label, medians[label], ratio(medians[label], baseline[kind]))
                for label, _s, _p, _h, kind, _e in targets]
        return rows, {"latencies": latencies, "feed size": len(feed.content),
                      "small size": len(small.content),
                      "cpu": [(t[0], CpuUse.mean(cpu[t[0]])) for t in targets]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--connections", type=int, default=64)
    add_postgres_option(parser, "")
    parser.add_argument("--skip-http", action="store_true")
    add_pin_option(parser)
    args = parser.parse_args()

    print(f"== build: median of {args.rounds} interleaved rounds, "
          f"{SESSIONS_PER_EVENT} sessions per event")
    print(f"{'sessions':>8} {'bytes':>10} {'icalendar s':>12} {'strings s':>10} {'ratio':>6} "
          f"{'1 changed s':>12} {'cached s':>9} {'same content':>13}")
    for sessions in (1_000, 10_000):
        r = bench_build(sessions, args.rounds)
        print(f"{r['sessions']:8,} {r['size']:10,} {r['icalendar']:12.3f} {r['strings']:10.3f} "
              f"{r['icalendar'] / r['strings']:6.1f} {r['one changed']:12.4f} "
              f"{r['all cached']:9.4f} {str(r['identical']):>13}")
    print(f"   (per session: icalendar {r['icalendar'] / r['sessions'] * 1e6:.0f} µs, "
          f"strings {r['strings'] / r['sessions'] * 1e6:.0f} µs)")
    if args.skip_http:
        return
    require_wrk()
    load = Load.plan(args.seconds, args.connections, pin=args.pin)

    with tempfile.TemporaryDirectory() as name:
        rows, info = bench_http(args, load, Path(name))
    print(f"\n== serve: wrk -t1 -c{args.connections}, {args.seconds}s x {args.rounds} "
          f"interleaved rounds (median), one uvicorn worker each; feed {info['feed size']:,} "
          f"bytes, one event {info['small size']:,} bytes")
    print(f"{'target':52} {'req/s':>8} {'ratio to bare, same size':>25}")
    for label, rps, relative in rows:
        print(f"{label:52} {rps:8.0f} {relative:25.2f}")
    for label, latency in info["latencies"].items():
        print(f"first GET of the 1,000-session feed on {label}: " + ", ".join(
            f"{k} {v:.0f} ms" for k, v in latency.items()))
    print(load.describe())
    print_cpu(load, info["cpu"], baselines=BARE_LABELS, width=52)


if __name__ == "__main__":
    main()
