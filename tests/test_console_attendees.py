"""The console's attendee list: search (kana-folded), filters, pages, and acting for one
attendee: cancel with a reason, move, confirm past capacity, resend, export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import time_machine

from api.v1.registrations import CSV_COLUMNS
from events import kana
from events import registration as reg
from events.models import AuditEntry, Event, Notification, Registration
from events.worker import Worker
from tests.factories import ADMIN, csrf_of, log_in, make_event, make_org, make_user

NOW = datetime(2030, 6, 12, 5, 0, tzinfo=UTC)  # 14:00 in Tokyo


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


async def setup(*, venue: int | None = 2, online: int | None = None, share: bool = False,
                co_host: bool = False, fmt: str = "hybrid") -> Event:
    """An event of `iaj` (and co-hosted by `jpnic`), its organizer and a co-host's."""
    await make_org("iaj")
    await make_org("jpnic")
    await make_org("other")
    await make_user("owner@iaj.example", org="iaj")
    await make_user("cohost@jpnic.example", org="jpnic")
    await make_user("stranger@other.example", org="other")
    partners = [{"org": "iaj", "role": "organizer"}]
    if co_host:
        partners.append({"org": "jpnic", "role": "co_host"})
    event = await make_event(ADMIN, now=NOW, slug="symposium", start=NOW + timedelta(days=30),
                             format=fmt, partners=partners,
                             capacity={"venue": venue, "online": online})
    if share:
        await Event.filter(id=event.id).update(share_registrants=True)
    return event


async def sign_up(n: int, *, name: str = "", kana_: str = "やまだ たろう",
                  attendance: str = "venue", affiliation: str = "インターネット協会",
                  locale: str = "ja") -> Registration:
    answer = await reg.register("symposium", {
        "name": name or f"山田 太郎{n}", "name_kana": kana_, "email": f"person{n}@example.jp",
        "affiliation": affiliation, "attendance": attendance, "locale": locale,
    }, now=NOW - timedelta(days=1))
    return answer.registration


async def as_owner(browser) -> None:
    assert (await log_in(browser, "owner@iaj.example")).status_code == 303


async def counters(event: Event) -> tuple[int, int, int, int]:
    e = await Event.get(id=event.id)
    return e.venue_confirmed, e.venue_waitlisted, e.online_confirmed, e.online_waitlisted


async def outbox_of(r: Registration) -> list[tuple[str, int]]:
    return [(m.purpose, m.revision) for m in await Notification.filter(
        registration_id=r.id).order_by("id")]


async def audit_of(action: str) -> list[AuditEntry]:
    return await AuditEntry.filter(action=action).order_by("id")


def table_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td><a href="/console/events/symposium/'
                                       r'registrations/(\d+)[?"]', html)]


async def post(browser, url: str, **data: str):
    page = await browser.get(url.rsplit("/", 1)[0])
    return await browser.post(url, data={"csrf_token": csrf_of(page.text), **data})


# ---- who sees what ----------------------------------------------------------------------------

async def test_strangers_are_sent_to_the_login_form(browser):
    await setup()
    answer = await browser.get("/console/events/symposium/registrations?status=confirmed")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(
        "/console/login?next=/console/events/symposium/registrations")


async def test_the_list_shows_who_registered_in_the_events_time_zone(browser):
    event = await setup(venue=1)
    first = await sign_up(1, affiliation="日本ネットワーク協会")
    second = await sign_up(2)
    await Registration.filter(id=first.id).update(checked_in_at=NOW)
    await as_owner(browser)
    page = await browser.get("/console/events/symposium/registrations")
    assert page.status_code == 200
    html = page.text
    for text in ("山田 太郎1", "やまだ たろう", "日本ネットワーク協会", "person1<wbr>@example.jp",
                 "会場参加", "参加確定", "キャンセル待ち 1 番目", "受付済み",
                 "2030-06-11 14:00", "Asia/Tokyo", "2 件中 1〜2 件目"):
        assert text in html, text
    assert table_ids(html) == [first.id, second.id]
    assert 'href="/console/events/symposium/registrations.csv"' in html
    english = await browser.get("/console/events/symposium/registrations?lang=en")
    for text in ("Attendees", "Waiting list #1", "Checked in",
                 "At the venue", "1–2 of 2"):
        assert text in english.text, text
    # Links and the search form keep the language asked for.
    assert f'/registrations/{second.id}?lang=en&amp;back=lang%3Den"' in english.text
    assert '<input type="hidden" name="lang" value="en">' in english.text
    assert event.id


async def test_co_hosts_see_the_registrants_only_when_the_event_shares_them(browser):
    event = await setup(co_host=True)
    one = await sign_up(1)
    assert (await log_in(browser, "cohost@jpnic.example")).status_code == 303
    for url in ("/console/events/symposium/registrations",
                f"/console/events/symposium/registrations/{one.id}"):
        assert (await browser.get(url)).status_code == 404, url

    await Event.filter(id=event.id).update(share_registrants=True)
    listing = await browser.get("/console/events/symposium/registrations")
    assert listing.status_code == 200 and "山田 太郎1" in listing.text
    assert "閲覧のみ" in listing.text and "registrations.csv" not in listing.text
    detail = await browser.get(f"/console/events/symposium/registrations/{one.id}")
    assert detail.status_code == 200 and "person1@example.jp" in detail.text
    assert 'method="post" action="/console/events' not in detail.text, "no action forms"
    token = csrf_of(detail.text)
    for action in ("cancel", "attendance", "confirm", "resend"):
        answer = await browser.post(
            f"/console/events/symposium/registrations/{one.id}/{action}",
            data={"csrf_token": token, "cancel_confirm": "yes", "attendance": "online"})
        assert answer.status_code == 404, action
    assert (await browser.get("/console/events/symposium/registrations.csv")).status_code == 404
    assert (await Registration.get(id=one.id)).status == "confirmed"


async def test_another_organizations_organizer_finds_nothing(browser):
    await setup()
    one = await sign_up(1)
    assert (await log_in(browser, "stranger@other.example")).status_code == 303
    for url in ("/console/events/symposium/registrations",
                "/console/events/symposium/registrations.csv",
                f"/console/events/symposium/registrations/{one.id}"):
        assert (await browser.get(url)).status_code == 404, url
    page = await browser.get("/console/account")
    answer = await browser.post(f"/console/events/symposium/registrations/{one.id}/cancel",
                                data={"csrf_token": csrf_of(page.text), "cancel_confirm": "yes"})
    assert answer.status_code == 404
    assert (await Registration.get(id=one.id)).status == "confirmed"


async def test_a_registration_of_another_event_is_not_found_here(browser):
    await setup()
    await make_event(ADMIN, now=NOW, slug="elsewhere", start=NOW + timedelta(days=9),
                     partners=[{"org": "iaj", "role": "organizer"}])
    theirs = await reg.register("elsewhere", {
        "name": "別 人", "email": "x@example.jp", "attendance": "venue"}, now=NOW)
    await as_owner(browser)
    url = f"/console/events/symposium/registrations/{theirs.registration.id}"
    assert (await browser.get(url)).status_code == 404


# ---- search, filters, pages -------------------------------------------------------------------

def test_kana_folds_hiragana_katakana_and_half_width_alike():
    assert kana.fold("スズキ") == kana.fold("すずき") == kana.fold("ｽｽﾞｷ") == "すずき"
    assert kana.fold("ＡＢＣ") == "abc"
    assert set(kana.spellings("スズキ")) == {"スズキ", "すずき", "ｽｽﾞｷ"}
    assert "ﾊﾟｰﾃｨｰ･ｳﾞｧ" in kana.spellings("ぱーてぃー・ゔぁ")


async def test_search_finds_a_reading_in_any_kana_script(browser):
    await setup(venue=None)
    hiragana = await sign_up(1, name="鈴木 一郎", kana_="すずき いちろう")
    half = await sign_up(2, name="鈴木 二郎", kana_="ｽｽﾞｷ ｼﾞﾛｳ")
    katakana = await sign_up(3, name="スズキ・マリア", kana_="")
    other = await sign_up(4, name="佐藤 花子", kana_="さとう はなこ", affiliation="JPNIC")
    await as_owner(browser)

    async def found(q: str) -> list[int]:
        page = await browser.get("/console/events/symposium/registrations", params={"q": q})
        assert page.status_code == 200
        return table_ids(page.text)

    suzukis = [hiragana.id, half.id, katakana.id]
    assert await found("スズキ") == suzukis
    assert await found("すずき") == suzukis
    assert await found("ｽｽﾞｷ") == suzukis
    assert await found("ジロウ") == [half.id]
    assert await found("すずき　いちろう") == [hiragana.id], "every word (a full-width space)"
    assert await found("jpnic") == [other.id], "affiliation"
    assert await found("PERSON4@") == [other.id], "email"
    assert await found(f"#{half.id}") == [half.id], "ticket number"
    assert await found(str(katakana.id)) == [katakana.id]
    assert await found("100%_") == []


async def test_filters_by_status_mode_and_check_in(browser):
    await setup(venue=1)
    venue = await sign_up(1)
    waiting = await sign_up(2)
    online = await sign_up(3, attendance="online")
    gone = await sign_up(4, attendance="online")
    await reg.cancel(gone, now=NOW)
    await Registration.filter(id=venue.id).update(checked_in_at=NOW)
    await as_owner(browser)

    async def found(**params: str) -> list[int]:
        page = await browser.get("/console/events/symposium/registrations", params=params)
        assert page.status_code == 200
        return table_ids(page.text)

    assert await found(status="confirmed") == [venue.id, online.id]
    assert await found(status="waitlisted") == [waiting.id]
    assert await found(status="cancelled") == [gone.id]
    assert await found(attendance="online") == [online.id, gone.id]
    assert await found(checked_in="yes") == [venue.id]
    assert await found(checked_in="no", attendance="venue") == [waiting.id]
    page = await browser.get("/console/events/symposium/registrations?attendance=online")
    assert "参加確定</span> 1" in page.text and "キャンセル済み</span> 1" in page.text


async def test_a_wrong_filter_is_explained_in_the_pages_language(browser):
    await setup()
    await as_owner(browser)
    page = await browser.get("/console/events/symposium/registrations?status=maybe")
    assert page.status_code == 422
    assert "次のいずれかを指定してください" in page.text and 'id="e-status"' in page.text
    page = await browser.get("/console/events/symposium/registrations?checked_in=x&lang=en")
    assert page.status_code == 422 and "must be one of yes, no" in page.text


async def test_pages_of_fifty_over_a_hundred_and_twenty_registrations(browser):
    event = await setup(venue=None)
    await Registration.bulk_create([Registration(
        event_id=event.id, token=f"token-{n:04d}-padding-padding", name=f"参加者 {n}",
        name_kana="さんかしゃ", email=f"p{n}@example.jp", email_normalized=f"p{n}@example.jp",
        attendance="venue", status="cancelled" if n % 10 == 0 else "confirmed",
        created_at=NOW, updated_at=NOW) for n in range(1, 121)])
    ids = [r.id for r in await Registration.filter(event_id=event.id).order_by("id")]
    await as_owner(browser)

    first = await browser.get("/console/events/symposium/registrations")
    assert table_ids(first.text) == ids[:50]
    assert "120 件中 1〜50 件目" in first.text and 'rel="prev"' not in first.text
    assert "参加確定</span> 108" in first.text and "キャンセル済み</span> 12" in first.text
    second = await browser.get(f"/console/events/symposium/registrations?after={ids[49]}")
    assert table_ids(second.text) == ids[50:100] and "120 件中 51〜100 件目" in second.text
    third = await browser.get(f"/console/events/symposium/registrations?after={ids[99]}")
    assert table_ids(third.text) == ids[100:]
    assert 'rel="next"' not in third.text
    back = re.search(r'href="([^"]+)" rel="prev"', third.text)
    assert back
    again = await browser.get(back.group(1).replace("&amp;", "&"))
    assert table_ids(again.text) == ids[50:100]

    confirmed = await browser.get("/console/events/symposium/registrations?status=confirmed")
    assert len(table_ids(confirmed.text)) == 50 and "108 件中 1〜50 件目" in confirmed.text
    onward = re.search(r'href="([^"]+)" rel="next"', confirmed.text)
    assert onward and "status=confirmed" in onward.group(1)


# ---- acting for an attendee -------------------------------------------------------------------

class Collect:
    """A mail transport that keeps what it is given."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        self.sent.append(message)

    async def close(self) -> None:
        return None


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content()  # type: ignore[attr-defined, no-any-return]


async def test_cancelling_for_an_attendee_tells_them_why_and_moves_the_queue_up(
        browser, database):
    event = await setup(venue=1)
    seated = await sign_up(1)
    waiting = await sign_up(2)
    await as_owner(browser)
    url = f"/console/events/symposium/registrations/{seated.id}"

    unconfirmed = await post(browser, f"{url}/cancel", cancel_reason="会場の都合")
    assert unconfirmed.status_code == 422
    assert "確認のチェックを入れてください。" in unconfirmed.text
    assert 'id="e-cancel_confirm"' in unconfirmed.text and "会場の都合" in unconfirmed.text
    english = await post(browser, f"{url}/cancel?lang=en", cancel_reason="x")
    assert "tick the box to confirm the cancellation" in english.text
    assert (await Registration.get(id=seated.id)).status == "confirmed"

    done = await post(browser, f"{url}/cancel", cancel_confirm="yes",
                      cancel_reason="会場の定員を減らしたため、\nご参加いただけなくなりました。")
    assert done.status_code == 303
    assert done.headers["location"] == f"{url}?notice=registration_cancelled"
    r = await Registration.get(id=seated.id)
    assert (r.status, r.cancelled_by) == ("cancelled", "organizer")
    assert r.cancel_reason.startswith("会場の定員を減らしたため")
    assert (await Registration.get(id=waiting.id)).status == "confirmed"
    assert await counters(event) == (1, 0, 0, 0)
    assert await outbox_of(seated) == [("confirmed", 0), ("cancelled", 0)]
    assert await outbox_of(waiting) == [("waitlisted", 0), ("promoted", 0)]
    [entry] = await audit_of("registration_cancelled")
    assert entry.target == str(seated.id) and entry.event_id == event.id
    assert entry.details["status"] == ["confirmed", "cancelled"]
    assert entry.details["reason"].startswith("会場の定員")
    page = await browser.get(done.headers["location"])
    assert "登録をキャンセルし" in page.text and "主催者がキャンセル" in page.text

    again = await post(browser, f"{url}/cancel", cancel_confirm="yes")
    assert again.status_code == 409 and "すでにキャンセルされています" in again.text
    assert len(await audit_of("registration_cancelled")) == 1

    transport = Collect()
    await Worker(database, transport=transport, poll=0.01).run(once=True)
    [mail] = [m for m in transport.sent if m["To"].addresses[0].username == "person1"
              and "キャンセル" in str(m["Subject"])]
    body = text_of(mail)
    assert "主催者によりキャンセルされました" in body
    assert "会場の定員を減らしたため、\nご参加いただけなくなりました。" in body


async def test_an_attendee_who_cancels_gets_the_usual_words(database):
    await setup()
    one = await sign_up(1, locale="en")
    await reg.cancel(one, now=NOW)
    assert (await Registration.get(id=one.id)).cancelled_by == "attendee"
    transport = Collect()
    await Worker(database, transport=transport, poll=0.01).run(once=True)
    [mail] = [m for m in transport.sent if str(m["Subject"]).startswith("Registration cancel")]
    assert "organizers" not in text_of(mail)


async def test_a_long_cancel_reason_is_refused_next_to_its_field(browser):
    await setup()
    one = await sign_up(1)
    await as_owner(browser)
    answer = await post(browser, f"/console/events/symposium/registrations/{one.id}/cancel",
                        cancel_confirm="yes", cancel_reason="長" * 1001)
    assert answer.status_code == 422 and 'id="e-cancel_reason"' in answer.text
    assert "1000 文字以内" in answer.text
    assert (await Registration.get(id=one.id)).status == "confirmed"


async def test_moving_an_attendee_frees_their_seat_for_the_queue(browser):
    event = await setup(venue=1, online=1)
    seated = await sign_up(1)
    waiting = await sign_up(2)
    await as_owner(browser)
    url = f"/console/events/symposium/registrations/{seated.id}"
    done = await post(browser, f"{url}/attendance", attendance="online")
    assert done.status_code == 303
    r = await Registration.get(id=seated.id)
    assert (r.attendance, r.status) == ("online", "confirmed")
    assert (await Registration.get(id=waiting.id)).status == "confirmed"
    assert await counters(event) == (1, 0, 1, 0)
    assert await outbox_of(seated) == [("confirmed", 0), ("attendance_changed", 0)]
    assert await outbox_of(waiting) == [("waitlisted", 0), ("promoted", 0)]
    [entry] = await audit_of("registration_moved")
    assert entry.target == str(seated.id)
    assert entry.details == {"attendance": ["venue", "online"]}

    # Online is full now: moving someone confirmed there is asked for in so many words.
    other = await sign_up(3, attendance="venue")
    await reg.cancel(waiting, now=NOW)  # a venue seat for `other`
    assert (await Registration.get(id=other.id)).status == "confirmed"
    url = f"/console/events/symposium/registrations/{other.id}"
    page = await browser.get(url)
    assert "オンライン参加: 満席（定員 1 名）" in page.text
    refused = await post(browser, f"{url}/attendance", attendance="online")
    assert refused.status_code == 422 and 'id="e-move_confirm"' in refused.text
    assert (await Registration.get(id=other.id)).attendance == "venue"
    moved = await post(browser, f"{url}/attendance", attendance="online", move_confirm="yes")
    assert moved.status_code == 303
    o = await Registration.get(id=other.id)
    assert (o.attendance, o.status) == ("online", "waitlisted")
    assert await counters(event) == (0, 0, 1, 1)


async def test_confirming_past_the_capacity_warns_and_keeps_the_counters_right(browser):
    event = await setup(venue=1)
    seated = await sign_up(1)
    first = await sign_up(2)
    second = await sign_up(3)
    await as_owner(browser)
    url = f"/console/events/symposium/registrations/{second.id}"
    page = await browser.get(url)
    assert "会場参加は定員 1 名に対し、すでに 1 名が参加確定です。" in page.text
    assert "確定すると 2 名になり、定員を超えます。" in page.text

    refused = await post(browser, f"{url}/confirm")
    assert refused.status_code == 422 and 'id="e-over_capacity"' in refused.text
    assert await counters(event) == (1, 2, 0, 0)

    done = await post(browser, f"{url}/confirm", over_capacity="yes")
    assert done.status_code == 303
    assert (await Registration.get(id=second.id)).status == "confirmed"
    assert await counters(event) == (2, 1, 0, 0)
    assert await outbox_of(second) == [("waitlisted", 0), ("promoted", 0)]
    [entry] = await audit_of("registration_confirmed")
    assert entry.target == str(second.id)
    assert entry.details["over_capacity"] is True and entry.details["capacity"] == 1
    assert await reg.waitlist_position(await Registration.get(id=first.id)) == 1

    # Over capacity, a cancellation frees no seat for the queue.
    await reg.cancel(seated, now=NOW)
    assert (await Registration.get(id=first.id)).status == "waitlisted"
    assert await counters(event) == (1, 1, 0, 0)
    # Confirming someone no longer waiting is refused.
    again = await post(browser, f"{url}/confirm", over_capacity="yes")
    assert again.status_code == 409 and "キャンセル待ちではなくなっています" in again.text


async def test_confirmation_goes_out_again_at_most_once_an_hour(browser, clock):
    await setup(venue=1)
    seated = await sign_up(1)
    waiting = await sign_up(2, locale="en")
    await as_owner(browser)
    url = f"/console/events/symposium/registrations/{seated.id}"
    assert (await post(browser, f"{url}/resend")).status_code == 303
    assert await outbox_of(seated) == [("confirmed", 0), ("confirmed", 1)]
    [entry] = await audit_of("confirmation_resent")
    assert entry.target == str(seated.id) and entry.details == {"purpose": "confirmed"}

    clock.shift(timedelta(minutes=10))
    refused = await post(browser, f"{url}/resend")
    assert refused.status_code == 429
    assert "2030-06-12 14:00 に送信手続き済み" in refused.text
    assert "2030-06-12 15:00 以降" in refused.text
    english = await post(browser, f"{url}/resend?lang=en")
    assert "It can be sent again once an hour: try after 2030-06-12 15:00" in english.text
    assert len(await outbox_of(seated)) == 2

    clock.shift(timedelta(minutes=51))
    assert (await post(browser, f"{url}/resend")).status_code == 303
    assert await outbox_of(seated) == [("confirmed", 0), ("confirmed", 1), ("confirmed", 2)]

    other = f"/console/events/symposium/registrations/{waiting.id}"
    done = await post(browser, f"{other}/resend?lang=en", back="q=x&lang=en&evil=1")
    assert done.status_code == 303
    assert done.headers["location"] == (
        f"{other}?lang=en&back=q%3Dx%26lang%3Den&notice=confirmation_resent")
    assert "The confirmation is on its way again." in (
        await browser.get(done.headers["location"])).text
    assert await outbox_of(waiting) == [("waitlisted", 0), ("waitlisted", 1)]
    await reg.cancel(waiting, now=NOW + timedelta(hours=2))
    refused = await post(browser, f"{other}/resend")
    assert refused.status_code == 409 and "すでにキャンセル" in refused.text


async def test_the_csv_is_the_apis_and_its_download_is_recorded(browser):
    event = await setup()
    await sign_up(1)
    await Registration.create(
        event_id=event.id, token="formula-token-0000000000", name="=HYPERLINK(\"x\")",
        email="f@example.jp", email_normalized="f@example.jp", affiliation="+81 3",
        attendance="venue", status="confirmed", created_at=NOW, updated_at=NOW)
    await as_owner(browser)
    answer = await browser.get("/console/events/symposium/registrations.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert rows[0] == CSV_COLUMNS and len(rows) == 3
    assert rows[2][4] == "'=HYPERLINK(\"x\")" and rows[2][7] == "'+81 3"
    [entry] = await audit_of("registrations_exported")
    assert entry.event_id == event.id and entry.details["rows"] == 2
