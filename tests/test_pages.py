"""The public pages: language, grouping, sessions, partners, JSON-LD, escaping, headers."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest

from events import demo
from tests.conftest import BASE_URL
from tests.factories import make_event, make_org, session_payload

TOKYO = ZoneInfo("Asia/Tokyo")


async def load_demo() -> date:
    now = datetime.now(UTC)
    today = now.astimezone(TOKYO).date()
    await demo.load(today, now)
    return today


def section(html: str, css_class: str) -> str:
    """The inner HTML of the first <section class="…"> element with that class."""
    match = re.search(rf'<section class="{css_class}">(.*?)</section>', html, re.S)
    assert match, f'no <section class="{css_class}"> in the page'
    return match.group(1)


def card_titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<span class="title">(.*?)</span>', html)]


def months(html: str) -> list[tuple[str, list[str]]]:
    """Each month heading on the front page with the titles listed under it."""
    return [(heading, card_titles(body)) for heading, body in re.findall(
        r'<section class="month">\s*<h2>(.*?)</h2>(.*?)</section>', html, re.S)]


def json_ld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1, blocks
    return json.loads(blocks[0])


def partners(html: str) -> list[tuple[str, list[str]]]:
    """The partner list as (role label, [organization names])."""
    groups: list[tuple[str, list[str]]] = []
    for tag, text in re.findall(r"<(dt|dd)>(.*?)</\1>", section(html, "partners"), re.S):
        text = unescape(re.sub(r"<[^>]+>", "", text))
        if tag == "dt":
            groups.append((text, []))
        else:
            groups[-1][1].append(text)
    return groups


def session_lines(html: str) -> list[str]:
    items = re.findall(r'<li class="session[^"]*">(.*?)</li>', html, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", i)).split()) for i in items]


async def get_page(client, path: str, **kw):
    response = await client.get(path, **kw)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response


# ---- language -----------------------------------------------------------------------------

async def test_front_page_is_japanese_by_default(client):
    await load_demo()
    response = await get_page(client, "/")
    assert response.headers["content-language"] == "ja"
    assert '<html lang="ja">' in response.text
    assert "<h1>これからのイベント</h1>" in response.text
    assert "<h2>開催日未定</h2>" in response.text
    assert "<h2>過去のイベント</h2>" in response.text
    assert "迷惑メール対策カンファレンス" in response.text


@pytest.mark.parametrize("how", [
    {"params": {"lang": "en"}},
    {"headers": {"Accept-Language": "en"}},
    {"headers": {"Accept-Language": "en-GB,en;q=0.9,ja;q=0.3"}},
    {"headers": {"Accept-Language": "ja;q=0.2, en-US;q=0.8"}},
])
async def test_front_page_in_english(client, how):
    await load_demo()
    response = await get_page(client, "/", **how)
    assert response.headers["content-language"] == "en"
    assert '<html lang="en">' in response.text
    assert "<h1>Upcoming events</h1>" in response.text
    assert "<h2>Date to be announced</h2>" in response.text
    assert "<h2>Past events</h2>" in response.text
    assert "Anti-spam Conference" in response.text
    assert "迷惑メール対策カンファレンス" not in response.text


async def test_lang_parameter_wins_over_accept_language(client):
    response = await get_page(client, "/", params={"lang": "ja"},
                              headers={"Accept-Language": "en"})
    assert response.headers["content-language"] == "ja"


@pytest.mark.parametrize("header", ["fr-FR,de;q=0.5", "en;q=0", "en;q=nonsense", "en;q=nan",
                                    "*", ""])
async def test_other_or_refused_languages_fall_back_to_japanese(client, header):
    response = await get_page(client, "/", headers={"Accept-Language": header})
    assert response.headers["content-language"] == "ja"


# ---- the front page -----------------------------------------------------------------------

async def test_upcoming_events_are_grouped_by_month_in_order(client):
    await make_event(slug="march-late", title="March, later",
                     start=datetime(2098, 3, 20, 1, tzinfo=UTC))
    await make_event(slug="may", title="May", start=datetime(2098, 5, 1, 1, tzinfo=UTC))
    await make_event(slug="march-early", title="March, earlier",
                     start=datetime(2098, 3, 5, 1, tzinfo=UTC))
    # 23:30 UTC on 31 March is already April in Tokyo: months are the event's own.
    await make_event(slug="april", title="April in Tokyo",
                     start=datetime(2098, 3, 31, 23, 30, tzinfo=UTC))

    html = (await get_page(client, "/")).text
    assert months(html) == [
        ("2098年3月", ["March, earlier", "March, later"]),
        ("2098年4月", ["April in Tokyo"]),
        ("2098年5月", ["May"]),
    ]
    english = (await get_page(client, "/?lang=en")).text
    assert [m for m, _ in months(english)] == ["March 2098", "April 2098", "May 2098"]


async def test_undated_and_past_events_have_their_own_sections(client):
    await make_event(slug="iw", title="Internet Week 2021", date_tbd=True, status="tentative",
                     sessions=[])
    await make_event(slug="old", title="Seminar 2018", start=datetime(2018, 2, 15, 1, tzinfo=UTC))
    await make_event(slug="older", title="Seminar 2017", start=datetime(2017, 2, 15, 1, tzinfo=UTC))
    await make_event(slug="soon", title="Coming soon")
    await make_event(slug="hidden", title="A draft", status="draft")

    html = (await get_page(client, "/")).text
    assert [t for _, titles in months(html) for t in titles] == ["Coming soon"]
    assert card_titles(section(html, "tbd")) == ["Internet Week 2021"]
    assert "仮予定" in section(html, "tbd")
    assert card_titles(section(html, "past")) == ["Seminar 2018", "Seminar 2017"]
    assert "A draft" not in html


async def test_an_empty_site_says_so(client):
    html = (await get_page(client, "/")).text
    assert "予定されているイベントはありません。" in html
    assert "<h2>過去のイベント</h2>" not in html


async def test_cards_show_format_badges(client):
    start = datetime.now(UTC) + timedelta(days=20)
    await make_event(slug="hall", title="In the hall", start=start, format="in_person")
    await make_event(slug="stream", title="On the stream", start=start, format="online")
    await make_event(slug="both", title="Hall and stream", start=start, sessions=[
        session_payload(start, fmt="hybrid"), session_payload(start + timedelta(days=1),
                                                              fmt="online")])

    def badges(html: str, title: str) -> list[str]:
        card = re.search(rf'<li class="card[^"]*">((?:(?!</li>).)*?{title}.*?)</li>', html, re.S)
        assert card, title
        return re.findall(r'<span class="badge format-[a-z_]+">(.*?)</span>', card.group(1))

    html = (await get_page(client, "/")).text
    assert badges(html, "In the hall") == ["会場"]
    assert badges(html, "On the stream") == ["オンライン"]
    assert badges(html, "Hall and stream") == ["ハイブリッド", "オンライン"]
    english = (await get_page(client, "/?lang=en")).text
    assert badges(english, "Hall and stream") == ["Hybrid", "Online"]


async def test_the_demo_front_page(client):
    today = await load_demo()
    html = (await get_page(client, "/")).text
    soon = today + timedelta(days=12)
    assert f"{soon.year}年{soon.month}月" in [m for m, _ in months(html)]
    assert set(card_titles(section(html, "tbd"))) == {"Internet Week 2021",
                                                      "OICシンポジウム 2021（第1回）"}
    past = card_titles(section(html, "past"))
    assert past[0] == "Interop Tokyo 2021"
    assert "CLOUDIL主催 茨城セミナー" in past


# ---- one event ----------------------------------------------------------------------------

async def test_event_page_shows_sessions_in_the_event_time_zone(client):
    await load_demo()
    html = (await get_page(client, "/events/interop-tokyo-2021")).text
    lines = session_lines(html)
    assert lines[0] == ("2021年4月14日(水) 10:00–18:00 ハイブリッド 展示会 1日目 "
                        "幕張メッセ (Makuhari Messe), 千葉県千葉市美浜区中瀬2-1")
    assert lines[3] == "2021年4月19日(月) 10:00 – 2021年4月23日(金) 18:00 オンライン オンライン開催"
    assert "2021年4月14日(水) – 2021年6月23日(水)" in html
    assert "時刻は Asia/Tokyo の現地時間です。" in html

    english = (await get_page(client, "/events/interop-tokyo-2021?lang=en")).text
    assert session_lines(english)[0].startswith("Wed 14 Apr 2021 10:00–18:00 Hybrid Exhibition")
    assert "Times are local to Asia/Tokyo." in english


async def test_sessions_use_the_events_own_time_zone(client):
    await make_event(slug="london", timezone="Europe/London", title="In London", sessions=[
        {"starts_at": "2030-07-01T09:00:00Z", "ends_at": "2030-07-01T10:30:00Z",
         "format": "in_person"}])
    html = (await get_page(client, "/events/london?lang=en")).text
    assert session_lines(html)[0].startswith("Mon 1 Jul 2030 10:00–11:30 Venue")
    assert "Times are local to Europe/London." in html
    assert json_ld(html)["startDate"] == "2030-07-01T10:00:00+01:00"


async def test_partners_are_grouped_by_role_in_the_page_language(client):
    await make_org("iajapan", name_ja="インターネット協会", name_en="Internet Association Japan")
    await make_org("jpaawg", name_ja="JPAAWG", name_en="JPAAWG")
    await make_org("jpnic", name_ja="日本ネットワークインフォメーションセンター", name_en="JPNIC")
    await make_org("mic", name_ja="総務省", name_en="MIC")
    await make_event(slug="spam", partners=[
        {"org": "mic", "role": "supporter"},
        {"org": "jpaawg", "role": "co_host"},
        {"org": "iajapan", "role": "organizer"},
        {"org": "jpnic", "role": "co_host"},
    ])
    html = (await get_page(client, "/events/spam")).text
    assert partners(html) == [
        ("主催", ["インターネット協会"]),
        ("共催", ["JPAAWG", "日本ネットワークインフォメーションセンター"]),
        ("後援", ["総務省"]),
    ]
    english = (await get_page(client, "/events/spam?lang=en")).text
    assert partners(english) == [
        ("Organizer", ["Internet Association Japan"]),
        ("Co-host", ["JPAAWG", "JPNIC"]),
        ("Supporter", ["MIC"]),
    ]


async def test_an_undated_event_page(client):
    await load_demo()
    html = (await get_page(client, "/events/internet-week-2021")).text
    assert '<span class="when tbd">開催日未定</span>' in html
    assert "仮予定" in html
    # An Event without startDate is an invalid rich result: no JSON-LD until there are dates.
    assert "application/ld+json" not in html


# ---- JSON-LD ------------------------------------------------------------------------------

async def test_json_ld_of_a_hybrid_event(client):
    await load_demo()
    data = json_ld((await get_page(client, "/events/interop-tokyo-2021")).text)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "Interop Tokyo 2021"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["startDate"] == "2021-04-14T10:00:00+09:00"
    assert data["endDate"] == "2021-06-23T18:00:00+09:00"
    place, virtual = data["location"]
    assert place == {"@type": "Place", "name": "幕張メッセ (Makuhari Messe)",
                     "address": "千葉県千葉市美浜区中瀬2-1"}
    assert virtual == {"@type": "VirtualLocation",
                       "url": f"{BASE_URL}/events/interop-tokyo-2021"}
    assert data["organizer"] == [{"@type": "Organization", "name": "Interop Tokyo 実行委員会",
                                  "url": "https://www.interop.jp/"}]
    assert data["url"] == f"{BASE_URL}/events/interop-tokyo-2021"


async def test_json_ld_follows_the_page_language(client):
    await load_demo()
    data = json_ld((await get_page(client, "/events/interop-tokyo-2021?lang=en")).text)
    assert data["inLanguage"] == "en"
    assert data["organizer"][0]["name"] == "Interop Tokyo Executive Committee"


async def test_json_ld_of_venue_only_and_online_only_events(client):
    today = await load_demo()
    lecture = f"safe-internet-lecture-{today + timedelta(days=26):%Y%m%d}"
    data = json_ld((await get_page(client, f"/events/{lecture}")).text)
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"] == {"@type": "Place", "name": "横浜市立の中学校",
                                "address": "神奈川県横浜市"}

    seminar = f"ipv6-deployment-seminar-{today.year + 1}"
    data = json_ld((await get_page(client, f"/events/{seminar}")).text)
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": f"{BASE_URL}/events/{seminar}"}
    assert data["startDate"].endswith("T15:00:00+09:00")
    assert data["organizer"][0]["name"] == "一般財団法人インターネット協会"


@pytest.mark.parametrize("status, schema_org", [
    ("cancelled", "EventCancelled"),
    ("postponed", "EventPostponed"),
    ("scheduled", "EventScheduled"),
])
async def test_json_ld_event_status(client, status, schema_org):
    await make_event(slug="ev", status=status)
    html = (await get_page(client, "/events/ev")).text
    assert json_ld(html)["eventStatus"] == f"https://schema.org/{schema_org}"


async def test_cancelled_events_say_so(client):
    await make_event(slug="called-off", status="cancelled")
    html = (await get_page(client, "/events/called-off")).text
    assert '<span class="badge status">中止</span>' in html
    english = (await get_page(client, "/events/called-off?lang=en")).text
    assert '<span class="badge status">Cancelled</span>' in english


# ---- the private stream URL ---------------------------------------------------------------

def internal_links(html: str, base: str) -> set[str]:
    links = set()
    for href in re.findall(r'href="([^"]+)"', html):
        url = urljoin(base, unescape(href))
        parts = urlsplit(url)
        if parts.netloc == urlsplit(BASE_URL).netloc and not parts.path.startswith("/static/"):
            links.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


async def test_the_stream_url_never_appears_in_public_pages_or_answers(client, admin):
    await load_demo()
    secret = "stream.example.net"
    everything = (await client.get("/api/v1/events", params={"limit": 100})).json()["items"]
    slugs = [e["slug"] for e in everything]
    assert len(slugs) == 11
    # The managers do see it, so a miss below is not an accident of the data.
    assert secret in (await client.get("/api/v1/events/interop-tokyo-2021", headers=admin)).text

    seen: set[str] = set()
    queue = ["/", "/?lang=en", "/api/openapi.json", "/api/v1/organizations", "/api/v1/series",
             "/api/v1/events?limit=100", "/api/v1/events?limit=3", "/api/v1/events?q=interop",
             *(f"/api/v1/events/{s}" for s in slugs),
             *(f"/events/{s}?lang={lang}" for s in slugs for lang in ("ja", "en"))]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = await client.get(path)
        assert response.status_code == 200, path
        assert secret not in response.text, path
        if response.headers["content-type"].startswith("text/html"):
            queue += internal_links(response.text, BASE_URL + path)
    assert len(seen) > 40


# ---- escaping -----------------------------------------------------------------------------

async def test_markup_in_event_text_renders_as_text(client, admin):
    script = "<script>alert(1)</script>"
    title = f"{script} & </script><script>alert(2)</script>"
    await make_org("evil", name_ja="<b>悪い</b>組織", name_en="<b>Bad</b> org",
                   url="https://example.org/?a=1&b=<2>")
    payload = {"slug": "xss", "title": title, "summary": f"{script} summary",
               "description": f"para 1 {script}\n\npara 2 <img src=x onerror=alert(3)>",
               "venue": {"name": "<i>hall</i>", "address": "\"quoted\" & 'single'"},
               "sessions": [session_payload(datetime(2098, 1, 1, 1, tzinfo=UTC), title=script)],
               "partners": [{"org": "evil", "role": "organizer"}]}
    assert (await client.post("/api/v1/events", json=payload, headers=admin)).status_code == 201

    for path in ("/events/xss", "/events/xss?lang=en", "/", "/?lang=en"):
        html = (await get_page(client, path)).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html and "<b>" not in html and "<i>hall" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path

    html = (await get_page(client, "/events/xss")).text
    data = json_ld(html)
    assert data["name"] == title
    assert data["description"] == f"{script} summary"
    assert data["location"]["name"] == "<i>hall</i>"
    assert data["organizer"][0]["name"] == "<b>悪い</b>組織"
    assert "https://example.org/?a=1&amp;b=&lt;2&gt;" in html


# ---- errors and headers -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/events/no-such-event", "/events/UPPER", "/no/such/page",
                                  "/events/secret-draft"])
async def test_missing_pages_are_html_404s(client, path):
    await make_event(slug="secret-draft", status="draft")
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>エラー 404</h1>" in response.text
    assert "Traceback" not in response.text
    english = await client.get(path, headers={"Accept-Language": "en"})
    assert "<h1>Error 404</h1>" in english.text


@pytest.mark.parametrize("path", ["/", "/events/ev", "/events/nothing"])
async def test_html_carries_the_security_headers(client, path):
    await make_event(slug="ev")
    response = await client.get(path)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "accept-language" in response.headers["vary"].lower()
