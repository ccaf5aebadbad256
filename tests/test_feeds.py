"""Calendar feeds, read back by three parsers nobody here wrote: icalendar, vobject, ical.js."""

from __future__ import annotations

import asyncio
import json
import random
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import icalendar
import pytest
import vobject

from events import calendar, catalogue, demo
from events.feeds import FeedCache, MarkerReader, catalogue_marker
from events.models import Event, Organization, Series, Session
from tests.factories import (
    ADMIN,
    event_payload,
    make_event,
    make_org,
    make_series,
    session_payload,
)

ROOT = Path(__file__).resolve().parent.parent
ICAL_JS = ROOT / "node_modules" / "ical.js"
SCRIPT = ROOT / "tests" / "js" / "ical_events.mjs"
INTEROP_DAY_1 = datetime(2021, 4, 14, 1, tzinfo=UTC)  # 10:00 in Tokyo
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


# ---- reading feeds ---------------------------------------------------------------------------

def unfolded(body: bytes) -> list[str]:
    """Content lines with folding undone (RFC 5545 section 3.1)."""
    return body.decode().replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def check_raw(body: bytes) -> None:
    """CRLF everywhere, no line over 75 octets, and no UTF-8 character cut by a fold."""
    assert body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b""), "a bare LF"
    assert b"\r" not in body.replace(b"\r\n", b""), "a bare CR"
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, f"{len(line)} octets: {line!r}"
        line.decode("utf-8")  # each physical line on its own: a split character fails here


def with_icalendar(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): (e.start.astimezone(UTC), e.end.astimezone(UTC)) for e in cal.events}


def with_vobject(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    cal = vobject.readOne(body.decode())
    return {v.uid.value: (v.dtstart.value.astimezone(UTC), v.dtend.value.astimezone(UTC))
            for v in getattr(cal, "vevent_list", [])}


def ical_js(body: bytes) -> dict:
    """What Thunderbird's parser makes of the feed."""
    if not (ICAL_JS / "package.json").exists():
        pytest.fail("ical.js is missing: run `npm ci` at the repository root (it installs "
                    "the test tools from package-lock.json).")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: install Node.js 20 or later, then run `npm ci`.")
    done = subprocess.run([node, str(SCRIPT)], input=body, capture_output=True, cwd=ROOT,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def with_ical_js(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    parsed = ical_js(body)
    for e in parsed["events"]:
        assert e["zone"] != "floating", f"ical.js found no VTIMEZONE for {e['uid']}"
    return {e["uid"]: (datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"]))
            for e in parsed["events"]}


def all_parsers_agree(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    check_raw(body)
    times = with_icalendar(body)
    assert with_vobject(body) == times
    assert with_ical_js(body) == times
    return times


def vevents(body: bytes) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(body).events


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


async def ics(client, path: str, **params: str):
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return response


async def interop(client, admin, **extra) -> dict:
    """Interop Tokyo 2021 as the issue describes it: three parts, three formats."""
    await make_org("interop-tokyo", name_ja="Interop Tokyo 実行委員会",
                   name_en="Interop Tokyo Executive Committee")
    await make_org("iajapan", name_ja="インターネット協会", name_en="Internet Association Japan")
    await make_series("interop-tokyo")
    day1 = datetime(2021, 4, 14, 1, tzinfo=UTC)
    payload = event_payload(
        slug="interop-tokyo-2021", series="interop-tokyo",
        title={"ja": "Interop Tokyo 2021", "en": "Interop Tokyo 2021"},
        summary={"ja": "幕張メッセとオンライン", "en": "Makuhari Messe and online"},
        venue={"name": "幕張メッセ", "address": "千葉県千葉市美浜区中瀬2-1"},
        stream_url="https://stream.example.net/interop",
        sessions=[session_payload(day1, hours=8, fmt="hybrid",
                                  title={"ja": "展示会 1日目", "en": "Exhibition, day 1"}),
                  session_payload(day1 + timedelta(days=5), hours=8, fmt="online",
                                  title={"ja": "オンライン開催", "en": "Online days"})],
        partners=[{"org": "interop-tokyo", "role": "organizer"},
                  {"org": "iajapan", "role": "cooperator"}], **extra)
    response = await client.post("/api/v1/events", json=payload, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


# ---- content ---------------------------------------------------------------------------------

async def test_event_feed_follows_the_content_rules(client, admin):
    created = await interop(client, admin)
    response = await ics(client, "/events/interop-tokyo-2021.ics")
    body = response.content
    times = all_parsers_agree(body)
    hybrid, online = created["sessions"]
    assert times[f"session-{hybrid['id']}@testserver"] == (
        INTEROP_DAY_1, INTEROP_DAY_1 + timedelta(hours=8))
    assert times[f"session-{online['id']}@testserver"][0] == INTEROP_DAY_1 + timedelta(days=5)

    cal = icalendar.Calendar.from_ical(body)
    assert "METHOD" not in cal
    assert str(cal["UID"]) == "feed-event-interop-tokyo-2021-ja@testserver"
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Tokyo"
    assert [tz.tz_name for tz in cal.timezones] == ["Asia/Tokyo"]
    lines = unfolded(body)
    assert "NAME:Interop Tokyo 2021" in lines
    assert "X-WR-CALNAME:Interop Tokyo 2021" in lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines

    event = await Event.get(slug="interop-tokyo-2021")
    stamp = event.updated_at.astimezone(UTC).replace(microsecond=0)
    first, second = vevents(body)
    assert first["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert first["DTSTAMP"].dt == stamp and first["LAST-MODIFIED"].dt == stamp
    assert first["SEQUENCE"] == 0
    assert first["STATUS"] == "CONFIRMED"
    assert first["SUMMARY"] == "Interop Tokyo 2021 — 展示会 1日目"
    assert first["LOCATION"] == "幕張メッセ, 千葉県千葉市美浜区中瀬2-1"
    assert "LOCATION" not in second, "online sessions have no place"
    assert first["URL"] == "http://testserver/events/interop-tokyo-2021?lang=ja"
    assert first.categories == ["interop-tokyo シリーズ", "ハイブリッド"]
    description = str(first["DESCRIPTION"])
    assert "幕張メッセとオンライン" in description
    assert "主催: Interop Tokyo 実行委員会\n協力: インターネット協会" in description
    for e in (first, second):
        assert "ORGANIZER" not in e and "ATTENDEE" not in e and "CONFERENCE" not in e
    assert b"stream.example.net" not in body

    english = vevents((await ics(client, "/events/interop-tokyo-2021.ics", lang="en")).content)
    assert english[0]["SUMMARY"] == "Interop Tokyo 2021 — Exhibition, day 1"
    assert "Organizer: Interop Tokyo Executive Committee" in str(english[0]["DESCRIPTION"])
    assert english[1].categories == ["interop-tokyo series", "Online"]


async def test_text_survives_escaping_and_folding(client, admin):
    title = "Commas, semi;colons \\ back\\slashes\nand a new line — 迷惑メール対策😀" * 3
    await make_event(slug="awkward", title={"ja": title, "en": title},
                     venue={"name": "会場; 2F, 東", "address": "東京都\\千代田区"},
                     start=datetime(2030, 5, 1, 1, tzinfo=UTC))
    body = (await ics(client, "/events/awkward.ics")).content
    all_parsers_agree(body)
    (event,) = vevents(body)
    assert event["SUMMARY"] == title
    assert event["LOCATION"] == "会場; 2F, 東, 東京都\\千代田区"
    (parsed,) = ical_js(body)["events"]
    assert parsed["summary"] == title
    assert parsed["location"] == "会場; 2F, 東, 東京都\\千代田区"
    assert vobject.readOne(body.decode()).vevent.summary.value == title


async def test_change_then_cancel_keeps_uid_and_raises_sequence(client, admin):
    created = await interop(client, admin)
    path = "/events/interop-tokyo-2021.ics"
    first = await ics(client, path)
    again = await ics(client, path)
    assert again.content == first.content, "unchanged data, same bytes"
    assert again.headers["etag"] == first.headers["etag"]

    hybrid = created["sessions"][0]
    moved = {**session_payload(INTEROP_DAY_1 + timedelta(days=1), hours=8, fmt="hybrid"),
             "id": hybrid["id"]}
    change = await client.patch("/api/v1/events/interop-tokyo-2021", headers=admin,
                                json={"sessions": [moved]})
    assert change.status_code == 200, change.text
    second = await ics(client, path)
    cancel = await client.patch("/api/v1/events/interop-tokyo-2021", headers=admin,
                                json={"status": "cancelled"})
    assert cancel.status_code == 200, cancel.text
    third = await ics(client, path)

    uid = f"session-{hybrid['id']}@testserver"
    states = []
    for response in (first, second, third):
        event = next(e for e in vevents(response.content) if e["UID"] == uid)
        states.append((event["SEQUENCE"], str(event["STATUS"]), event.start))
    assert states[0][0] < states[1][0] < states[2][0]
    assert [s[1] for s in states] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert states[1][2].astimezone(UTC) == INTEROP_DAY_1 + timedelta(days=1)
    assert len({r.headers["etag"] for r in (first, second, third)}) == 3
    assert len(vevents(second.content)) == 1, "the removed online session is gone"

    (ja,) = vevents(third.content)
    assert ja["SUMMARY"].startswith("中止: ")
    (en,) = vevents((await ics(client, path, lang="en")).content)
    assert en["SUMMARY"].startswith("Cancelled: ")
    all_parsers_agree(third.content)
    assert ical_js(third.content)["events"][0]["status"] == "CANCELLED"


# ---- which events ----------------------------------------------------------------------------

async def test_public_feed_membership(client):
    now = datetime.now(UTC)
    await make_event(slug="coming", start=now + timedelta(days=3))
    await make_event(slug="long-past", start=datetime(2018, 2, 15, 1, tzinfo=UTC))
    await make_event(slug="draft", status="draft")
    await make_event(slug="undated", date_tbd=True, status="tentative", sessions=[])
    await make_event(slug="maybe", status="tentative", start=now + timedelta(days=9))
    await make_event(slug="cancelled-recently", status="cancelled",
                     start=now - timedelta(days=20))
    await make_event(slug="cancelled-long-ago", status="cancelled",
                     start=now - timedelta(days=45))
    body = (await ics(client, "/feeds/events.ics")).content
    all_parsers_agree(body)
    urls = [str(e["URL"]).split("/events/")[1].split("?")[0] for e in vevents(body)]
    assert urls == ["long-past", "cancelled-recently", "coming", "maybe"]
    statuses = {str(e["URL"]).split("/events/")[1].split("?")[0]: str(e["STATUS"])
                for e in vevents(body)}
    assert statuses["maybe"] == "TENTATIVE"
    assert statuses["cancelled-recently"] == "CANCELLED"
    assert "NAME:kaigi イベント" in unfolded(body)

    # The event's own calendar keeps it; an undated event has no entries yet.
    assert len(vevents((await ics(client, "/events/cancelled-long-ago.ics")).content)) == 1
    assert vevents((await ics(client, "/events/undated.ics")).content) == []


async def test_organization_and_series_feeds(client):
    await make_org("jpnic")
    await make_org("iajapan")
    await make_org("mic")
    await make_series("ipv6-events")
    start = datetime(2031, 1, 10, 6, tzinfo=UTC)
    await make_event(slug="ipv6-seminar", series="ipv6-events", format="online", start=start,
                     partners=[{"org": "iajapan", "role": "organizer"},
                               {"org": "jpnic", "role": "co_host"}])
    await make_event(slug="design-hub", start=start + timedelta(days=1), format="hybrid",
                     partners=[{"org": "mic", "role": "supporter"},
                               {"org": "jpnic", "role": "cooperator"}])
    await make_event(slug="lecture", start=start + timedelta(days=2),
                     partners=[{"org": "iajapan", "role": "organizer"}])

    async def slugs(path: str, **params: str) -> list[str]:
        body = (await ics(client, path, **params)).content
        all_parsers_agree(body)
        return [str(e["URL"]).split("/events/")[1].split("?")[0] for e in vevents(body)]

    assert await slugs("/feeds/orgs/jpnic.ics") == ["ipv6-seminar", "design-hub"]
    assert await slugs("/feeds/orgs/jpnic.ics", role="co_host,supporter") == ["ipv6-seminar"]
    assert await slugs("/feeds/orgs/mic.ics", role="supporter,co_host") == ["design-hub"]
    assert await slugs("/feeds/orgs/iajapan.ics", role="co_host") == []
    assert await slugs("/feeds/orgs/iajapan.ics", format="in_person") == ["lecture"]
    assert await slugs("/feeds/series/ipv6-events.ics") == ["ipv6-seminar"]
    assert await slugs("/feeds/events.ics", format="online,hybrid") == [
        "ipv6-seminar", "design-hub"]

    jpnic = (await ics(client, "/feeds/orgs/jpnic.ics", role="co_host", lang="en")).content
    assert "NAME:jpnic association (Co-host) — kaigi events" in unfolded(jpnic)
    (entry,) = vevents(jpnic)
    assert "Co-host: jpnic association" in str(entry["DESCRIPTION"]), "roles in each entry"


async def test_bad_filters_and_unknown_slugs_are_short_plain_text(client):
    await make_org("jpnic")
    await make_event(slug="secret", status="draft")
    for path in ("/feeds/orgs/nobody.ics", "/feeds/series/nothing.ics", "/events/nope.ics",
                 "/events/secret.ics"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/plain")
        assert 0 < len(response.content) < 200
    for path, params in (("/feeds/events.ics", {"lang": "fr"}),
                         ("/feeds/events.ics", {"format": "carrier-pigeon"}),
                         ("/feeds/orgs/jpnic.ics", {"role": "sponsor,friend"})):
        response = await client.get(path, params=params)
        assert response.status_code == 422, (path, params)
        assert response.headers["content-type"].startswith("text/plain")
        assert list(params)[0] in response.text


async def test_ics_route_wins_over_the_event_page(client):
    await make_event(slug="ev")
    page = await client.get("/events/ev")
    assert page.headers["content-type"].startswith("text/html")
    assert (await client.get("/events/ev.ics")).headers["content-type"].startswith(
        "text/calendar")


def test_feeds_are_in_the_openapi_document():
    from api import feeds as feed_routes
    from api.openapi import document

    paths = document(feed_routes.routes)["paths"]
    for route in feed_routes.routes:
        assert "text/calendar" in paths[route.path]["get"]["responses"]["200"]["content"]


# ---- HTTP ------------------------------------------------------------------------------------

async def test_conditional_requests_and_head(client):
    event = await make_event(slug="ev")
    for path in ("/feeds/events.ics", "/events/ev.ics"):
        first = await ics(client, path)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert first.headers["cache-control"] == "public, max-age=300"
        assert re.fullmatch(r'"[0-9a-f]{40}"', etag)

        for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"x", W/{etag}'},
                        {"If-None-Match": "*"}, {"If-Modified-Since": modified}):
            response = await client.get(path, headers=headers)
            assert response.status_code == 304, headers
            assert response.content == b""
            assert response.headers["etag"] == etag
        later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
        assert (await client.get(path, headers={"If-Modified-Since": later})).status_code == 304

        earlier = format_datetime((event.updated_at - timedelta(seconds=5)).astimezone(UTC),
                                  usegmt=True)
        for headers in ({"If-None-Match": '"other"'}, {"If-Modified-Since": earlier},
                        {"If-Modified-Since": "yesterday-ish"},
                        # If-None-Match decides when both are sent.
                        {"If-None-Match": '"other"', "If-Modified-Since": modified}):
            response = await client.get(path, headers=headers)
            assert response.status_code == 200, headers
            assert response.content == first.content

        head = await client.head(path)
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["etag"] == etag
        assert head.headers["content-type"] == "text/calendar; charset=utf-8"
        assert int(head.headers["content-length"]) == len(first.content)


async def test_last_modified_is_the_last_change(client):
    await make_event(slug="ev")
    event = await Event.get(slug="ev")
    response = await ics(client, "/events/ev.ics")
    assert response.headers["last-modified"] == http_date(event.updated_at)

    # An event leaving a feed changes nothing that stays, yet the feed is newer.
    await make_event(slug="other")
    before = await ics(client, "/feeds/events.ics")
    later = datetime.now(UTC) + timedelta(seconds=10)  # HTTP dates count whole seconds
    await catalogue.update_event("other", {"status": "draft"}, actor=ADMIN, now=later)
    after = await ics(client, "/feeds/events.ics")
    assert after.content != before.content
    assert after.headers["last-modified"] == http_date(later)
    assert (await client.get("/feeds/events.ics", headers={
        "If-Modified-Since": before.headers["last-modified"]})).status_code == 200


async def test_cached_feed_is_reused_and_never_stale(client, admin):
    await make_event(slug="a", start=datetime(2031, 1, 1, 1, tzinfo=UTC))
    await make_event(slug="b", start=datetime(2031, 1, 2, 1, tzinfo=UTC))
    first = await ics(client, "/feeds/events.ics")
    cache: FeedCache = client._transport.app.state.feed_cache
    builds = cache.builds
    assert (await ics(client, "/feeds/events.ics")).content == first.content
    assert cache.builds == builds and cache.hits >= 1

    # A change through the domain (as the CLI or another worker would make it).
    await catalogue.update_event("a", {"title": "Renamed"}, actor=ADMIN,
                                 now=datetime.now(UTC))
    misses = cache.entries.misses
    changed = await ics(client, "/feeds/events.ics")
    assert cache.builds == builds + 1
    assert cache.entries.misses == misses + 1, "only the changed event is serialized again"
    assert [str(e["SUMMARY"]) for e in vevents(changed.content)] == ["Renamed", "テストイベント"]


async def test_a_crowd_asking_for_a_cold_feed_builds_it_once(client):
    for i in range(3):
        await make_event(slug=f"e{i}", start=datetime(2031, 1, 1 + i, 1, tzinfo=UTC))
    responses = await asyncio.gather(*(client.get("/feeds/events.ics") for _ in range(8)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    cache: FeedCache = client._transport.app.state.feed_cache
    assert cache.builds == 1 and cache.entries.misses == 3


async def test_marker_reads_are_shared_but_never_older_than_the_request(database):
    await make_event(slug="ev")
    reader = MarkerReader()
    markers = await asyncio.gather(*(reader.read() for _ in range(20)))
    assert len(set(markers)) == 1
    assert reader.reads <= 2, "one read for the first request, one for all who came during it"

    in_flight = asyncio.ensure_future(reader.read())
    await asyncio.sleep(0)  # its read has started
    await catalogue.update_event("ev", {"title": "changed"}, actor=ADMIN,
                                 now=datetime.now(UTC) + timedelta(seconds=1))
    after_change = await reader.read()
    assert after_change != markers[0], "a read that began before the change is not reused"
    assert after_change == await catalogue_marker()
    await in_flight


# ---- privacy, over the demo data -------------------------------------------------------------

async def test_public_feeds_hold_no_stream_link_or_email(client):
    today = date.today()
    await demo.load(today, datetime.now(UTC))
    streams = [e.stream_url for e in await Event.all() if e.stream_url]
    assert streams
    paths = ["/feeds/events.ics"]
    paths += [f"/feeds/orgs/{o.slug}.ics" for o in await Organization.all()]
    paths += [f"/feeds/series/{s.slug}.ics" for s in await Series.all()]
    paths += [f"/events/{e.slug}.ics" for e in await Event.exclude(status="draft")]
    seen_uids: set[str] = set()
    for path in paths:
        for lang in ("ja", "en"):
            body = (await ics(client, path, lang=lang)).content
            all_parsers_agree(body)
            text = "\n".join(unfolded(body))
            for stream in streams:
                assert stream not in text, (path, stream)
            assert "CONFERENCE" not in text and "ATTENDEE" not in text
            assert "ORGANIZER" not in text and "mailto:" not in text.lower()
            for line in unfolded(body):
                if line.startswith("UID:"):
                    seen_uids.add(line)
                    continue
                assert not EMAIL.search(line), (path, line)
    assert len(seen_uids) > 5

    interop_feed = (await ics(client, "/feeds/series/interop-tokyo.ics")).content
    times = sorted(with_ical_js(interop_feed).values())
    assert times[0] == (INTEROP_DAY_1, INTEROP_DAY_1 + timedelta(hours=8))


async def test_calendar_links_on_pages(client):
    await make_event(slug="ev")
    page = (await client.get("/events/ev", params={"lang": "en"})).text
    assert 'href="webcal://testserver/events/ev.ics?lang=en"' in page
    assert ("https://calendar.google.com/calendar/r?cid="
            "webcal%3A//testserver/events/ev.ics%3Flang%3Den") in page
    assert 'href="http://testserver/events/ev.ics?lang=en"' in page
    home = (await client.get("/", params={"lang": "ja"})).text
    assert 'href="webcal://testserver/feeds/events.ics?lang=ja"' in home
    assert "カレンダーで購読" in home


# ---- the attendee's own calendar (pure function) ---------------------------------------------

async def test_personal_calendar_by_attendance_mode(client, admin):
    start = datetime(2031, 6, 1, 1, tzinfo=UTC)
    await make_event(slug="three-ways", stream_url="https://stream.example.net/secret",
                     sessions=[session_payload(start, fmt="in_person"),
                               session_payload(start + timedelta(days=1), fmt="hybrid"),
                               session_payload(start + timedelta(days=2), fmt="online")])
    event = await catalogue.get_event("three-ways")
    ids = [s.id for s in event.session_list]  # type: ignore[attr-defined]

    def personal(mode: str) -> bytes:
        return calendar.build_personal_calendar(
            event, mode, event.stream_url, base_url="http://testserver", lang="ja",
            uid=f"ticket-x-{mode}@testserver")

    venue, online = personal("venue"), personal("online")
    for body in (venue, online):
        all_parsers_agree(body)
    assert [str(e["UID"]) for e in vevents(venue)] == [
        f"session-{i}@testserver" for i in ids[:2]]
    assert [str(e["UID"]) for e in vevents(online)] == [
        f"session-{i}@testserver" for i in ids[1:]]
    assert b"CONFERENCE" not in venue and b"stream.example.net" not in venue
    for entry in ical_js(online)["events"]:
        assert entry["conference"] == "https://stream.example.net/secret"
    conference = vevents(online)[0]["CONFERENCE"]
    assert conference.params["VALUE"] == "URI"
    with pytest.raises(ValueError):
        personal("telepathy")


def test_build_calendar_is_deterministic_and_caches_entries():
    events = [stub_event(i, [datetime(2030, 3, 30, 23, tzinfo=UTC) + timedelta(days=i)])
              for i in range(3)]
    cache = calendar.EntryCache()
    options = {"uid": "feed@example.org", "name": "x", "base_url": "https://example.org",
               "lang": "en"}
    first = calendar.build_calendar(events, cache=cache, **options)
    assert cache.misses == 3 and len(cache) == 3
    assert calendar.build_calendar(events, cache=cache, **options) == first
    assert cache.hits == 3
    assert calendar.build_calendar(events, **options) == first, "the cache changes nothing"
    all_parsers_agree(first)


@pytest.mark.parametrize("tzid", ["Europe/Berlin", "America/New_York", "Australia/Sydney",
                                  "Europe/London", "Pacific/Chatham", "UTC"])
def test_times_resolve_across_daylight_saving_changes(tzid):
    """icalendar's own VTIMEZONE is misread by ical.js and vobject; kaigi's is not."""
    rng = random.Random(tzid)
    quarter_hours = 60 * 365 * 24 * 4
    starts = [datetime(1975, 1, 1, tzinfo=UTC) + timedelta(minutes=15 * rng.randrange(
        quarter_hours)) for _ in range(60)]
    # Right at the moments clocks change, and in the hour that happens twice.
    starts += [datetime(2030, 3, 31, 0, 59, tzinfo=UTC), datetime(2030, 3, 31, 1, tzinfo=UTC),
               datetime(2030, 10, 27, 0, 30, tzinfo=UTC), datetime(2030, 10, 27, 1, 30,
                                                                   tzinfo=UTC)]
    event = stub_event(0, starts, timezone=tzid)
    body = calendar.build_calendar([event], uid="u@example.org", name="x", lang="en",
                                   base_url="https://example.org", timezone=tzid)
    expected = {f"session-{s.id}@example.org": (s.starts_at, s.ends_at)
                for s in event.session_list}  # type: ignore[attr-defined]
    assert all_parsers_agree(body) == expected


def stub_event(i: int, starts: list[datetime], timezone: str = "Europe/Berlin") -> Event:
    """An event as load_details leaves it, without a database."""
    updated = datetime(2030, 1, 1, tzinfo=UTC)
    event = Event(id=i + 1, slug=f"e{i}", title_ja=f"催し {i}", title_en=f"Event {i}",
                  status="scheduled", timezone=timezone, updated_at=updated,
                  sort_at=updated, revision=i)
    event.series = None
    event.session_list = [  # type: ignore[attr-defined]
        Session(id=1000 * (i + 1) + n, event_id=i + 1, starts_at=start, format="in_person",
                ends_at=start + timedelta(hours=(2, 5, 30)[n % 3]))
        for n, start in enumerate(starts)]
    event.partner_list = []  # type: ignore[attr-defined]
    return event


@pytest.mark.parametrize("tzid", ["Europe/Berlin", "America/New_York", "Australia/Sydney",
                                  "Pacific/Chatham", "America/Santiago"])
def test_daylight_saving_continues_past_2037(tzid):
    """An event in 2040 (and later) keeps its local times: the zone's rule goes on as an
    RRULE, or as RDATEs for a rule of another shape (Santiago)."""
    rng = random.Random(tzid)
    hours = 22 * 365 * 24
    starts = [datetime(2038, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(hours))
              for _ in range(60)]
    event = stub_event(0, starts, timezone=tzid)
    body = calendar.build_calendar([event], uid="u@example.org", name="x", lang="en",
                                   base_url="https://example.org", timezone=tzid)
    expected = {f"session-{s.id}@example.org": (s.starts_at, s.ends_at)
                for s in event.session_list}  # type: ignore[attr-defined]
    assert all_parsers_agree(body) == expected
    if tzid in ("Europe/Berlin", "America/New_York"):
        assert b"RRULE:FREQ=YEARLY;BYDAY=" in body


# Line separators other than CR/LF, and the control characters that are not tab or LF.
CONTROLS = "\x0b\x0c\x85\u2028\u2029\x1b\x7f\x9b\x00"


def test_control_characters_never_reach_calendar_text():
    event = stub_event(0, [datetime(2030, 5, 1, 1, tzinfo=UTC)])
    event.title_en = f"Kick{CONTROLS}off"
    event.summary_en = "one\x0btwo\u2028three\x85four\x0cfive\x1bsix"
    event.venue_name = f"Hall{CONTROLS}A"
    feed = calendar.build_calendar([event], uid="u@example.org", name=f"Feed{CONTROLS}",
                                   lang="en", base_url="https://example.org")
    invite = calendar.build_invitation(
        event, "venue", "", method="REQUEST", organizer="o@example.org",
        attendee="a@example.org", attendee_name="A", base_url="https://example.org",
        lang="en", changed_at=datetime(2030, 1, 1, tzinfo=UTC))
    for body in (feed, invite):
        text = body.decode()
        assert not any(c in text for c in CONTROLS), [c for c in CONTROLS if c in text]
        check_raw(body)
    [vevent] = icalendar.Calendar.from_ical(feed).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Kick\n\n\n\n\noff"
    assert str(vevent["DESCRIPTION"]).startswith("one\ntwo\nthree\nfour\nfivesix")
    all_parsers_agree(feed)


def test_personal_calendar_keeps_level_with_the_mailed_invitations():
    event = stub_event(0, [datetime(2030, 5, 1, 1, tzinfo=UTC)])
    event.revision = 2

    def sequences(sequence: int | None) -> list[int]:
        body = calendar.build_personal_calendar(
            event, "venue", "", base_url="https://example.org", lang="en",
            uid="ticket-x@example.org", sequence=sequence)
        return [int(e["SEQUENCE"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]

    assert sequences(None) == [2]
    assert sequences(5) == [5], "the attendee's own, as in their invitations"
    assert sequences(1) == [2], "never below the event's revision"
