"""What the catalogue, the event page and the form tell an attendee: the state of
registration in the same words everywhere, where and when, search, calendar links,
sharing tags and descriptions; and a look at all of it in Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from api.pages import linkify, paragraphs
from events import availability
from events.errors import Refused
from events.models import Event
from events.registration import check_open
from tests import browser as b
from tests.conftest import BASE_URL
from tests.factories import make_event, make_org, make_series, session_payload

NOW = datetime(2098, 3, 1, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
START = datetime(2098, 3, 20, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, a Thursday


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """NOW for the app in this process; the browser test's server keeps the real clock."""
    if request.node.get_closest_marker("slow"):
        yield
        return
    with time_machine.travel(NOW, tick=False):
        yield


async def set_counters(slug: str, **counters: int) -> None:
    """Seats taken and people waiting, as registrations would leave them."""
    await Event.filter(slug=slug).update(**counters)


def text(html: str) -> str:
    """The words a person reads: tags dropped, entities decoded, spaces folded."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def card_of(html: str, slug: str) -> str:
    match = re.search(
        rf'<li class="card[^"]*">\s*<a href="/events/{slug}\?[^"]*">(.*?</p>)\s*</li>', html, re.S)
    assert match, f"no card for {slug}"
    return text(match.group(1))


async def page(client: Any, path: str, status: int = 200) -> str:
    response = await client.get(path)
    assert response.status_code == status, response.text
    return response.text


# ---- the rule: one function, the same answer as registration itself -------------------------

async def states() -> dict[str, str]:
    """One event in each state at NOW (slug -> the state it must be in)."""
    hybrid = [session_payload(START, fmt="hybrid")]
    await make_event(slug="open", sessions=hybrid, capacity={"venue": 100, "online": None})
    await make_event(slug="few", sessions=hybrid, capacity={"venue": 100, "online": 50})
    await set_counters("few", venue_confirmed=95, online_confirmed=48)
    await make_event(slug="full", capacity={"venue": 10})
    await set_counters("full", venue_confirmed=10, venue_waitlisted=2)
    await make_event(slug="later", registration_opens_at="2098-03-10T10:00:00+09:00")
    await make_event(slug="closed", registration_closes_at="2098-02-28T18:00:00+09:00")
    await make_event(slug="ended", start=datetime(2098, 2, 1, 1, tzinfo=UTC))
    await make_event(slug="called-off", status="cancelled")
    await make_event(slug="later-on", status="postponed")
    await make_event(slug="undated", date_tbd=True, status="tentative", sessions=[])
    return {"open": "open", "few": "few_left", "full": "full", "later": "not_open",
            "closed": "closed", "ended": "ended", "called-off": "cancelled",
            "later-on": "postponed", "undated": "not_open"}


async def test_each_state_agrees_with_what_registration_does(database):
    for slug, state in (await states()).items():
        event = await Event.get(slug=slug)
        found = availability.of(event, NOW)
        assert found.state == state, slug
        try:
            check_open(event, NOW)
            refused = None
        except Refused as exc:
            refused = exc.code
        assert found.taking == (refused is None), (slug, refused)


async def test_seats_per_mode_count_the_people_waiting(database):
    await make_event(slug="ev", sessions=[session_payload(START, fmt="hybrid")],
                     capacity={"venue": 10, "online": 30})
    # Seats freed while people still wait go to them first (seats.take_seat).
    await set_counters("ev", venue_confirmed=8, venue_waitlisted=1, online_confirmed=27)
    found = availability.of(await Event.get(slug="ev"), NOW)
    venue, online = found.modes
    assert (venue.mode, venue.left, venue.full) == ("venue", 0, True)
    assert (online.mode, online.left, online.few) == ("online", 3, True)
    assert found.state == "few_left"
    assert found.preselect == "online"
    assert availability.few_threshold(10) == 3 and availability.few_threshold(500) == 50


# ---- the catalogue and the event page say the state in the form's words ---------------------

WORDS = {
    "ja": {"open": "受付中", "few": "残りわずか", "full": "満席（キャンセル待ち）",
           "later": "受付前（2098年3月10日(月) 10:00 開始）", "closed": "受付終了",
           "ended": "終了", "called-off": "中止", "later-on": "延期", "undated": "受付前"},
    "en": {"open": "Open for registration", "few": "Few seats left",
           "full": "Full (waiting list)", "later": "Not open yet (opens Mon 10 Mar 2098 10:00)",
           "closed": "Registration closed", "ended": "Ended", "called-off": "Cancelled",
           "later-on": "Postponed", "undated": "Not open yet"},
}


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_cards_and_event_pages_name_the_state(client, lang):
    await states()
    home = await page(client, f"/?lang={lang}")
    for slug, words in WORDS[lang].items():
        state = re.search(rf'<li class="card[^"]*avail-[a-z_]+">\s*<a href="/events/{slug}\?'
                          r'.*?<span class="state [^"]*">(.*?)</span>', home, re.S)
        assert state and unescape(state.group(1)) == words, (slug, state and state.group(1))
        event = await page(client, f"/events/{slug}?lang={lang}")
        assert re.search(r'<span class="state [^"]*">' + re.escape(words) + "</span>",
                         unescape(event)), slug


async def test_cards_say_when_where_who_seats_and_deadline(client):
    await make_org("iajapan", name_ja="インターネット協会", name_en="Internet Association Japan")
    await make_event(slug="hall", title={"ja": "会場の勉強会", "en": "Study group"},
                     start=START, capacity={"venue": 40},
                     registration_closes_at="2098-03-18T17:00:00+09:00",
                     venue={"name": "大手町ホール", "name_en": "Otemachi Hall",
                            "address": "東京都千代田区大手町1-1"},
                     partners=[{"org": "iajapan", "role": "organizer"}])
    await make_event(slug="stream", start=START, format="online")
    await make_event(slug="both", start=START, sessions=[session_payload(START, fmt="hybrid")],
                     capacity={"venue": 40, "online": 200}, venue={"name": "大手町ホール"})
    await set_counters("both", venue_confirmed=40, online_confirmed=10)

    home = await page(client, "/")
    assert card_of(home, "hall") == (
        "会場の勉強会 2098年3月20日(木) 会場 開始 2098年3月20日(木) 10:00 会場 大手町ホール "
        "主催 インターネット協会 受付中 会場参加：残り 40 席 受付締切: 2098年3月18日(火) 17:00 "
        "概要")
    assert "会場 オンライン" in card_of(home, "stream")
    # No limit on either side: "open" says it all; the deadline is the event's end.
    assert "受付中 受付締切: 2098年3月20日(木) 13:00" in card_of(home, "stream")
    assert ("受付中 会場参加：満席（キャンセル待ち） オンライン参加：残り 190 席"
            in card_of(home, "both"))
    assert "会場 大手町ホール・オンライン" in card_of(home, "both")

    english = await page(client, "/?lang=en")
    assert card_of(english, "hall") == (
        "Study group Thu 20 Mar 2098 Venue Starts Thu 20 Mar 2098 10:00 Venue Otemachi Hall "
        "Organizer Internet Association Japan Open for registration At the venue: 40 seats "
        "left Registration closes: Tue 18 Mar 2098 17:00 Summary")
    assert ("At the venue: full (waiting list) Online: 190 seats left"
            in card_of(english, "both"))


async def test_the_form_uses_the_same_words_and_preselects_a_mode_with_seats(client):
    await make_event(slug="both", sessions=[session_payload(START, fmt="hybrid")],
                     capacity={"venue": 10, "online": 100})
    await set_counters("both", venue_confirmed=10)
    form = await page(client, "/events/both/register")
    checked = re.findall(r'<input type="radio" name="attendance" value="([a-z]+)"( checked)?',
                         form)
    assert checked == [("venue", ""), ("online", " checked")]
    assert "満席（キャンセル待ち）" in text(form)
    assert "残り 100 席" in text(form)
    assert "キャンセル待ちとして登録されます" in text(form)
    assert '<span class="state state-open">受付中</span>' in form

    # Seats on both sides: the first way of attending, as before.
    await set_counters("both", venue_confirmed=2)
    form = await page(client, "/events/both/register?lang=en")
    assert re.findall(r'value="(venue|online)" checked', form) == ["venue"]
    assert "waiting list" not in text(form)


async def test_a_waitlisted_registration_shows_on_the_pages(client):
    await make_event(slug="tiny", capacity={"venue": 1})
    for n in (1, 2):
        sent = await client.post("/api/v1/events/tiny/registrations", json={
            "name": f"参加者 {n}", "email": f"p{n}@example.jp", "attendance": "venue"})
        assert sent.status_code == 201, sent.text
    event = await page(client, "/events/tiny")
    assert "満席（キャンセル待ち） 受付締切" in text(event)
    assert "会場参加：満席" not in text(event), "one way of attending: said once"
    assert ('<a class="button register-cta" href="/events/tiny/register?lang=ja">'
            "キャンセル待ちに登録</a>") in event, "a full event still takes people onto its list"


# ---- search and filters -------------------------------------------------------------------

async def catalogue_world() -> None:
    await make_org("iajapan", name_ja="インターネット協会", name_en="IAJapan")
    await make_org("jpaawg", name_ja="JPAAWG", name_en="JPAAWG")
    series = await make_series("seminar")
    await make_event(slug="spam", title={"ja": "迷惑メール対策会議", "en": "Anti-spam meeting"},
                     start=START, partners=[{"org": "jpaawg", "role": "organizer"}])
    await make_event(slug="ipv6", title={"ja": "IPv6 セミナー", "en": "IPv6 seminar"},
                     start=datetime(2098, 4, 2, 1, tzinfo=UTC), format="online",
                     series=series.slug, partners=[{"org": "iajapan", "role": "organizer"}])
    # 23:30 UTC on 30 April is 1 May in Tokyo: a May event, whatever UTC says.
    await make_event(slug="may", title="May meetup", start=datetime(2098, 4, 30, 23, 30,
                                                                  tzinfo=UTC))


def result_slugs(html: str) -> list[str]:
    body = re.search(r'<section class="results"[^>]*>(.*?)</section>', html, re.S)
    assert body, "a results section"
    return re.findall(r'<a href="/events/([a-z0-9-]+)\?', body.group(1))


@pytest.mark.parametrize("query, slugs", [
    ("q=%E8%BF%B7%E6%83%91", ["spam"]),  # 迷惑
    ("q=ipv6", ["ipv6"]),
    ("format=online", ["ipv6"]),
    ("format=in_person", ["spam", "may"]),
    ("org=iajapan", ["ipv6"]),
    ("series=seminar", ["ipv6"]),
    ("month=2098-03", ["spam"]),
    ("month=2098-04", ["ipv6"]),
    ("month=2098-05", ["may"]),
    ("month=2098-04&format=online&org=iajapan", ["ipv6"]),
])
async def test_the_catalogue_filters_like_the_api(client, query, slugs):
    await catalogue_world()
    html = await page(client, f"/?{query}")
    assert result_slugs(html) == slugs
    assert '<section class="month">' not in html, "results replace the month list"


async def test_the_search_form_works_without_javascript_and_keeps_its_values(client):
    await catalogue_world()
    html = await page(client, "/?lang=en&q=seminar&format=online&month=2098-04")
    form = re.search(r'<form class="search" method="get" action="/".*?</form>', html, re.S)
    assert form, "a plain GET form"
    form_html = form.group(0)
    assert '<input type="hidden" name="lang" value="en">' in form_html
    assert 'name="q" type="search" value="seminar"' in form_html
    assert '<option value="online" selected>Online</option>' in form_html
    assert '<option value="2098-04" selected>April 2098</option>' in form_html
    assert '<option value="iajapan">IAJapan</option>' in form_html
    assert '<option value="seminar">seminar series</option>' in form_html
    assert "<script" not in form_html
    assert "1 found" in text(html)
    assert 'href="/?lang=en">Clear filters</a>' in html


async def test_no_match_says_so_and_a_bad_month_is_named(client):
    await catalogue_world()
    html = await page(client, "/?q=nothing-like-this")
    assert result_slugs(html) == []
    assert "条件に合うイベントはありません。" in html
    assert "0 件" in text(html)
    english = await page(client, "/?lang=en&org=nobody")
    assert "No events match these filters." in english

    bad = await page(client, "/?month=2098-13", status=422)
    assert 'aria-invalid="true" aria-describedby="e-month"' in bad
    assert re.search(r'<span class="field-error" id="e-month">[^<]+</span>', bad)
    assert '<p class="notice refusal" role="alert">入力内容を確認してください。</p>' in bad
    assert "条件に合うイベントはありません。" not in bad, "a refused search matched nothing"
    assert (await client.get("/?format=bogus")).status_code == 422


@pytest.mark.parametrize("query, status", [
    ("month=2999-12", 422), ("month=1900-01", 200), ("month=98-1", 422), ("cursor=zzz", 200),
    ("q=ipv6&cursor=zzz", 422), ("q=%00", 422), ("q=" + "x" * 201, 422),
    ("format=online,hybrid", 200), ("org=%E3%81%82", 200), ("series=..%2F", 200),
])
async def test_odd_filters_are_answered_never_a_500(client, query, status):
    await catalogue_world()
    response = await client.get(f"/?{query}")
    assert response.status_code == status, response.text[-500:]
    assert "<h1>" in response.text


# ---- the venue, the contact -------------------------------------------------------------

async def test_venue_in_both_languages_with_a_map_and_a_contact(client):
    await make_event(slug="hall", start=START, contact_email="info@example.jp",
                     venue={"name": "幕張メッセ", "name_en": "Makuhari Messe",
                            "address": "千葉県千葉市美浜区中瀬2-1",
                            "address_en": "2-1 Nakase, Mihama-ku, Chiba"})
    await make_event(slug="mapped", start=START, venue={
        "name": "会場", "address": "東京都", "map_url": "https://maps.example.jp/?id=1&z=2"})
    await make_event(slug="online", start=START, format="online", venue=None)

    ja = await page(client, "/events/hall")
    venue = text(re.search(r'<section class="venue">(.*?)</section>', ja, re.S).group(1))
    assert venue == "会場 幕張メッセ 千葉県千葉市美浜区中瀬2-1 地図を開く"
    assert ('href="https://www.google.com/maps/search/?api=1&amp;query='
            '%E5%8D%83%E8%91%89%E7%9C%8C%E5%8D%83%E8%91%89%E5%B8%82%E7%BE%8E%E6%B5%9C%E5%8C%BA'
            '%E4%B8%AD%E7%80%AC2-1"') in ja
    assert "問い合わせ先 info@example.jp" in text(ja)
    assert 'href="mailto:info@example.jp"' in ja

    en = await page(client, "/events/hall?lang=en")
    venue = text(re.search(r'<section class="venue">(.*?)</section>', en, re.S).group(1))
    assert venue == ("Venue Makuhari Messe 2-1 Nakase, Mihama-ku, Chiba "
                     "Address in Japanese: 千葉県千葉市美浜区中瀬2-1 Open a map")
    assert "Contact info@example.jp" in text(en)

    assert 'href="https://maps.example.jp/?id=1&amp;z=2"' in await page(client, "/events/mapped")
    online = await page(client, "/events/online")
    assert '<section class="venue">' not in online
    assert "会場 オンライン" in text(online)


# ---- add to calendar ----------------------------------------------------------------------

def google_links(html: str) -> list[dict[str, list[str]]]:
    links = re.findall(r'<a class="google-event" href="([^"]+)"', html)
    for link in links:
        parts = urlsplit(unescape(link))
        assert (parts.scheme, parts.netloc, parts.path) == (
            "https", "calendar.google.com", "/calendar/render")
    return [parse_qs(urlsplit(unescape(link)).query) for link in links]


async def test_one_event_goes_into_google_calendar_and_as_a_file(client):
    await make_event(slug="hall", start=START, title={"ja": "勉強会 & 懇親会", "en": "Study"},
                     summary={"ja": "概要です", "en": "About"},
                     venue={"name": "大手町ホール", "address": "東京都千代田区 1-1"})
    html = await page(client, "/events/hall")
    [link] = google_links(html)
    assert link == {
        "action": ["TEMPLATE"], "text": ["勉強会 & 懇親会"],
        "dates": ["20980320T010000Z/20980320T040000Z"],
        "details": [f"概要です\n\n{BASE_URL}/events/hall?lang=ja"],
        "location": ["大手町ホール, 東京都千代田区 1-1"],
    }
    raw = re.search(r'<a class="google-event" href="([^"]+)"', html).group(1)
    assert "%26" in raw and " " not in raw and "dates=20980320T010000Z/20980320T040000Z" in raw
    assert ('<a class="ics-download" href="/events/hall.ics?lang=ja" type="text/calendar" '
            'download="hall.ics">') in html
    assert (await client.get("/events/hall.ics?lang=ja")).headers["content-type"].startswith(
        "text/calendar")
    # Subscribing is its own, explained choice.
    feeds = re.search(r'<section class="calendar-links">(.*?)</section>', html, re.S).group(1)
    assert "日時や会場が変わったときもカレンダーが自動で更新されます" in feeds
    assert "webcal://testserver/events/hall.ics?lang=ja" in feeds
    assert "Google カレンダーで購読" in feeds


async def test_each_session_has_its_own_calendar_entry(client):
    day = datetime(2098, 4, 14, 1, tzinfo=UTC)
    await make_event(slug="expo", title="Expo", sessions=[
        session_payload(day, hours=8, fmt="in_person", title={"ja": "1日目", "en": "Day 1"}),
        session_payload(day + timedelta(days=7), hours=2, fmt="online")])
    html = await page(client, "/events/expo?lang=en")
    first, second = google_links(html)
    assert first["text"] == ["Expo — Day 1"] and second["text"] == ["Expo"]
    assert first["dates"] == ["20980414T010000Z/20980414T090000Z"]
    assert second["location"] == ["Online"]
    assert "Add to Google Calendar: Mon 21 Apr 2098 10:00–12:00" in text(html)


@pytest.mark.parametrize("kw", [
    {"status": "cancelled"}, {"status": "postponed"},
    {"start": datetime(2098, 2, 1, 1, tzinfo=UTC)},
    {"date_tbd": True, "status": "tentative", "sessions": []},
])
async def test_nothing_to_add_when_there_is_no_date_to_keep(client, kw):
    await make_event(slug="ev", **kw)
    html = await page(client, "/events/ev")
    assert google_links(html) == []
    assert "ics-download" not in html
    # Subscribing stays, and says what it is for.
    assert "日時や会場が変わったときもカレンダーが自動で更新されます" in html


# ---- sharing ------------------------------------------------------------------------------

def meta(html: str) -> dict[str, str]:
    head = html.split("</head>", 1)[0]
    found = {}
    for _attr, name, content in re.findall(
            r'<meta (property|name)="([^"]+)" content="([^"]*)">', head):
        found[name] = unescape(content)
    return found


async def test_shared_links_show_title_date_place_and_summary(client):
    await make_event(slug="hall", start=START, title={"ja": '"引用" <b>会議</b>', "en": "Meet"},
                     summary={"ja": "迷惑メール対策の最新動向", "en": "What is new"},
                     venue={"name": "大手町ホール", "name_en": "Otemachi Hall"})
    html = await page(client, "/events/hall")
    tags = meta(html)
    assert tags["og:title"] == '"引用" <b>会議</b>'
    assert "&#34;引用&#34; &lt;b&gt;" in html and "<b>会議" not in html
    assert tags["og:description"] == (
        "2098年3月20日(木) 10:00 · 大手町ホール · 受付中 — 迷惑メール対策の最新動向")
    assert tags["og:url"] == f"{BASE_URL}/events/hall?lang=ja"
    assert tags["og:type"] == "website"
    assert tags["og:locale"] == "ja_JP" and tags["og:locale:alternate"] == "en_US"
    assert tags["twitter:card"] == "summary"
    assert tags["twitter:title"] == tags["og:title"]
    assert tags["description"] == tags["og:description"]

    english = meta(await page(client, "/events/hall?lang=en"))
    assert english["og:title"] == "Meet" and english["og:locale"] == "en_US"
    assert english["og:description"].startswith("Thu 20 Mar 2098 10:00 · Otemachi Hall")

    home = meta(await page(client, "/?lang=en"))
    assert home["og:url"] == f"{BASE_URL}/?lang=en"
    assert home["og:title"] == "kaigi events" and home["twitter:card"] == "summary"


async def test_a_long_summary_is_cut_for_sharing(client):
    await make_event(slug="long", summary={"ja": "あ" * 500, "en": "a"})
    description = meta(await page(client, "/events/long"))["og:description"]
    assert len(description) == 200 and description.endswith("…")


# ---- descriptions -------------------------------------------------------------------------

def test_line_breaks_and_links_in_a_description():
    assert str(paragraphs("一行目\n二行目\r\n\r\n詳細は https://example.jp/a?b=1&c=2 "
                          "をご覧ください。\n（https://example.jp/x）")) == (
        '<p>一行目<br>\n二行目</p>\n<p>詳細は <a href="https://example.jp/a?b=1&amp;c=2" '
        'rel="noopener nofollow ugc">https://example.jp/a?b=1&amp;c=2</a> をご覧ください。<br>\n'
        '（<a href="https://example.jp/x" rel="noopener nofollow ugc">https://example.jp/x</a>）'
        "</p>")
    # Japanese right after the address ends it; sentence punctuation stays outside.
    assert str(linkify("https://example.jp/pageをご覧ください")) == (
        '<a href="https://example.jp/page" rel="noopener nofollow ugc">https://example.jp/page'
        "</a>をご覧ください")
    assert str(linkify("See https://example.jp/a. Or (https://en.wikipedia.org/wiki/A_(b))."
                       )).endswith('wiki/A_(b)</a>).')


@pytest.mark.parametrize("hostile", [
    '<a href="javascript:alert(1)">x</a>',
    'https://example.jp/"><script>alert(1)</script>',
    "https://example.jp/' onmouseover='alert(1)",
    "javascript:alert(1)",
    "<img src=x onerror=alert(1)> http://",
    "data:text/html,<script>alert(1)</script>",
])
def test_no_markup_from_an_organizer_reaches_the_page(hostile):
    html = str(paragraphs(hostile))
    assert "<script" not in html and "<img" not in html and "javascript:alert(1)\"" not in html
    assert not re.search(r"<a [^>]*href=\"(?!https?://)", html)
    for attribute in re.findall(r'<a ([^>]*)>', html):
        assert re.fullmatch(r'href="https?://[^"<>\' ]+" rel="noopener nofollow ugc"', attribute)


async def test_the_event_page_shows_a_description_with_links(client):
    await make_event(slug="ev", description={
        "ja": "申込みは\nhttps://example.jp/form から。\n\n<b>太字</b>ではありません。", "en": ""})
    html = await page(client, "/events/ev")
    body = re.search(r'<section class="description">(.*?)</section>', html, re.S).group(1)
    assert body == (
        '<p>申込みは<br>\n<a href="https://example.jp/form" rel="noopener nofollow ugc">'
        "https://example.jp/form</a> から。</p>\n<p>&lt;b&gt;太字&lt;/b&gt;ではありません。</p>")


# ---- JSON-LD ------------------------------------------------------------------------------

async def test_no_event_json_ld_without_a_date(client):
    await make_event(slug="tbd", date_tbd=True, status="tentative", sessions=[])
    await make_event(slug="off", status="cancelled", sessions=[])
    for slug in ("tbd", "off"):
        assert "application/ld+json" not in await page(client, f"/events/{slug}")
    await make_event(slug="dated", start=START)
    assert '"startDate": "2098-03-20T10:00:00+09:00"' in await page(client, "/events/dated")


# ---- in Chromium: every state, both languages, phone and laptop -----------------------------

PHONE = {"width": 390, "height": 844}


def sideways(tab: Any) -> list[str]:
    """The elements that stick out past the right edge (the page would scroll sideways)."""
    found: list[str] = tab.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
        .map(e => `${e.tagName}.${e.className}: ${(e.textContent || '').trim().slice(0, 40)}`)""")
    return found


@pytest.fixture(scope="module")
def chromium() -> Iterator[b.Chromium]:
    yield from b.launch()


@pytest.fixture(scope="module")
def site(chromium: b.Chromium, migrated_url: str,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[b.Site]:
    yield from b.serve(migrated_url, tmp_path_factory.mktemp("event-pages"))


@pytest.mark.slow
def test_every_state_reads_true_in_chromium(site: b.Site, chromium: b.Chromium,
                                            tmp_path: Path) -> None:
    # The server runs in its own process on the real clock: dates are relative to it, and
    # registration windows wide enough that the test's few seconds never cross one.
    today = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)
    soon = today + timedelta(days=30)

    async def seed() -> None:
        await make_org("iajapan", name_ja="インターネット協会", name_en="Internet Association")
        hybrid = [session_payload(soon, fmt="hybrid", title={"ja": "本編", "en": "Main"})]
        venue = {"name": "大手町ホール", "name_en": "Otemachi Hall",
                 "address": "東京都千代田区大手町1-1", "address_en": "1-1 Otemachi, Tokyo"}
        org = [{"org": "iajapan", "role": "organizer"}]
        common: dict[str, Any] = {"venue": venue, "partners": org,
                                  "contact_email": "info@example.jp"}
        await make_event(slug="s-open", title={"ja": "受付中の会議", "en": "Open meeting"},
                         sessions=hybrid, capacity={"venue": 100, "online": None},
                         description={"ja": "詳細:\nhttps://example.jp/detail\n\n二段落目",
                                      "en": "Details:\nhttps://example.jp/detail"}, **common)
        await make_event(slug="s-few", title={"ja": "残りわずかの会議", "en": "Few left"},
                         sessions=hybrid, capacity={"venue": 100, "online": 50}, **common)
        await set_counters("s-few", venue_confirmed=98, online_confirmed=47)
        await make_event(slug="s-full", title={"ja": "満席の会議", "en": "Full meeting"},
                         start=soon, capacity={"venue": 5}, **common)
        await set_counters("s-full", venue_confirmed=5, venue_waitlisted=3)
        await make_event(slug="s-hall-full", title={"ja": "会場満席の会議", "en": "Hall full"},
                         sessions=hybrid, capacity={"venue": 20, "online": 100}, **common)
        await set_counters("s-hall-full", venue_confirmed=20)
        await make_event(slug="s-later", title={"ja": "受付前の会議", "en": "Not yet open"},
                         start=soon, registration_opens_at=(soon - timedelta(days=10)
                                                             ).isoformat(), **common)
        await make_event(slug="s-closed", title={"ja": "受付終了の会議", "en": "Closed"},
                         start=soon, registration_closes_at=(today - timedelta(days=1)
                                                              ).isoformat(), **common)
        await make_event(slug="s-ended", title={"ja": "終了した会議", "en": "Ended"},
                         start=today - timedelta(days=40), **common)
        await make_event(slug="s-cancelled", title={"ja": "中止の会議", "en": "Called off"},
                         start=soon, status="cancelled", **common)
        await make_event(slug="s-postponed", title={"ja": "延期の会議", "en": "Postponed one"},
                         start=soon, status="postponed", **common)

    site.run(seed)
    expected = {"ja": {"s-open": "受付中", "s-few": "残りわずか",
                       "s-full": "満席（キャンセル待ち）", "s-later": "受付前",
                       "s-closed": "受付終了", "s-ended": "終了",
                       "s-cancelled": "中止", "s-postponed": "延期"},
                "en": {"s-open": "Open for registration", "s-few": "Few seats left",
                       "s-full": "Full (waiting list)", "s-later": "Not open yet",
                       "s-closed": "Registration closed", "s-ended": "Ended",
                       "s-cancelled": "Cancelled", "s-postponed": "Postponed"}}
    found: dict[str, list[str]] = {}
    serious: dict[str, list[str]] = {}
    shots = 0
    for lang in ("ja", "en"):
        for width, viewport in (("phone", PHONE), ("laptop", b.LAPTOP)):
            tab = chromium.page(lang, viewport)
            tab.goto(f"{site.url}/?lang={lang}")
            for slug, words in expected[lang].items():
                card = tab.locator(f"li.card:has(a[href^='/events/{slug}?'])")
                assert card.locator(".state").inner_text().startswith(words), (lang, slug)
            assert sideways(tab) == []
            b.screenshot(tab, tmp_path, f"catalogue-{lang}-{width}")
            shots += 1
            for slug in ("s-open", "s-full", "s-cancelled"):
                tab.goto(f"{site.url}/events/{slug}?lang={lang}")
                assert tab.locator(".overview .state").inner_text().startswith(
                    expected[lang][slug])
                assert sideways(tab) == []
                b.screenshot(tab, tmp_path, f"event-{slug}-{lang}-{width}")
                shots += 1
                if width == "phone" and (bad := b.check_page(tab, f"{slug} [{lang}]", found)):
                    serious[f"{slug} [{lang}]"] = bad
            # The form ticks the way of attending that still has seats.
            tab.goto(f"{site.url}/events/s-hall-full/register?lang={lang}")
            assert tab.locator("input[name=attendance][value=online]").is_checked()
            assert not tab.locator("input[name=attendance][value=venue]").is_checked()
            assert sideways(tab) == []
            b.screenshot(tab, tmp_path, f"register-hall-full-{lang}-{width}")
            tab.goto(f"{site.url}/?lang={lang}&format=hybrid")
            assert tab.locator("section.results li.card").count() == 3  # the hybrid ones
            if width == "phone" and (bad := b.check_page(tab, f"search [{lang}]", found)):
                serious[f"search [{lang}]"] = bad
            b.screenshot(tab, tmp_path, f"search-{lang}-{width}")
            tab.context.close()
    assert shots == 16
    assert not serious, serious
    assert found and not any(found.values()), found  # not even a minor axe violation
