"""The console's mail page: write an announcement, preview it, send it; the outbox."""

from __future__ import annotations

import re

from events.models import AuditEntry, Broadcast, Notification, Registration
from tests.factories import csrf_of, log_in, make_event, make_org, make_user

ANNOUNCEMENT = {"subject_ja": "会場のご案内", "subject_en": "Getting to the venue",
                "body_ja": "受付は13時からです。\n会場は3階です。",
                "body_en": "Doors open at 1 pm.", "audience": "venue"}


async def register(browser, slug: str, n: int, attendance: str = "venue",
                   locale: str = "ja") -> dict:
    answer = await browser.post(f"/api/v1/events/{slug}/registrations", json={
        "name": f"参加者 {n}", "email": f"p{n}@example.jp", "attendance": attendance,
        "locale": locale})
    assert answer.status_code == 201, answer.text
    return answer.json()


async def symposium(browser) -> dict[str, dict]:
    """An event owned by iaj, co-hosted by jpnic: two at the venue, one online."""
    await make_org("iaj")
    await make_org("jpnic")
    await make_event(slug="sym", format="hybrid", partners=[
        {"org": "iaj", "role": "organizer"}, {"org": "jpnic", "role": "co_host"}])
    return {"venue_ja": await register(browser, "sym", 1),
            "venue_en": await register(browser, "sym", 2, locale="en"),
            "online": await register(browser, "sym", 3, "online")}


async def organizer(browser, org: str = "iaj", email: str = "staff@iaj.example") -> object:
    user = await make_user(email, org=org)
    assert (await log_in(browser, email)).status_code == 303
    return user


async def post(browser, path: str, data: dict[str, str]):
    page = await browser.get("/console/account")
    return await browser.post(path, data={"csrf_token": csrf_of(page.text), **data})


async def test_preview_counts_the_audience_and_shows_both_languages(browser):
    await symposium(browser)
    await organizer(browser)
    page = await browser.get("/console/events/sym/mail")
    assert page.status_code == 200
    assert "お知らせを作成" in page.text and "会場参加の確定者" in page.text

    preview = await post(browser, "/console/events/sym/mail", ANNOUNCEMENT)
    assert preview.status_code == 200, preview.text
    assert "会場参加の確定者: 2 人に送信します。" in preview.text
    assert "【テストイベント】会場のご案内" in preview.text
    assert "[Test event] Getting to the venue" in preview.text
    assert "受付は13時からです。" in preview.text and "Doors open at 1 pm." in preview.text
    assert "2 人に送信する" in preview.text
    # The send form carries what was previewed.
    assert 'name="subject_en" value="Getting to the venue"' in preview.text
    assert await Broadcast.all().count() == 0
    assert await Notification.filter(purpose="broadcast").count() == 0


async def test_send_queues_one_message_per_recipient_and_is_audited(browser):
    people = await symposium(browser)
    user = await organizer(browser)
    sent = await post(browser, "/console/events/sym/mail/send", ANNOUNCEMENT)
    assert sent.status_code == 303, sent.text
    broadcast = await Broadcast.get()
    assert sent.headers["location"] == (
        f"/console/events/sym/mail?sent={broadcast.id}&notice=broadcast_sent")
    assert broadcast.user_id == user.id and broadcast.recipients == 2  # type: ignore[attr-defined]
    rows = await Notification.filter(purpose="broadcast")
    assert sorted(r.registration_id for r in rows) == sorted(  # type: ignore[attr-defined]
        [people["venue_ja"]["id"], people["venue_en"]["id"]])
    entry = await AuditEntry.get(action="broadcast_sent")
    assert entry.user_id == user.id and entry.actor == "staff@iaj.example"  # type: ignore[attr-defined]
    assert entry.details["count"] == 2 and entry.details["audience"] == "venue"

    after = await browser.get(sent.headers["location"])
    assert "会場参加の確定者宛てに 2 件のメールを送信待ちにしました。" in after.text

    # The same form sent again (a double click, a reload) is the same broadcast.
    again = await post(browser, "/console/events/sym/mail/send", ANNOUNCEMENT)
    assert again.status_code == 303
    assert await Broadcast.all().count() == 1
    assert await Notification.filter(purpose="broadcast").count() == 2


async def test_an_empty_audience_is_not_sent(browser):
    await symposium(browser)
    await organizer(browser)
    data = {**ANNOUNCEMENT, "audience": "waitlisted"}
    preview = await post(browser, "/console/events/sym/mail", data)
    assert "この送信先に該当する人はいません。" in preview.text
    assert "/mail/send" not in preview.text
    sent = await post(browser, "/console/events/sym/mail/send", data)
    assert sent.status_code == 422
    assert await Broadcast.all().count() == 0


async def test_form_errors_show_next_to_their_fields_in_the_page_language(browser):
    await symposium(browser)
    await organizer(browser)
    blank = {"subject_ja": "", "subject_en": "", "body_ja": "本文", "body_en": "",
             "audience": "everyone"}
    ja = await post(browser, "/console/events/sym/mail", blank)
    assert ja.status_code == 422
    assert ('<span class="field-error" id="e-subject_ja">'
            "日本語か英語のどちらかを入力してください。") in ja.text
    assert ('id="f-subject_ja" name="subject_ja" value="" maxlength="150" '
            'aria-invalid="true"') in ja.text
    assert 'href="#f-audience">送信先:' in ja.text
    assert "本文</textarea>" in ja.text  # what was typed stays

    en = await post(browser, "/console/events/sym/mail?lang=en", {**blank, "audience": "all",
                                                                  "subject_en": "x" * 151})
    assert en.status_code == 422
    assert '<span class="field-error" id="e-subject_en">must be at most 150 characters' in en.text
    assert "Please check these fields" in en.text


async def test_the_outbox_shows_failures_first_and_retries_them(browser):
    people = await symposium(browser)
    user = await organizer(browser)
    failed = await Notification.get(registration_id=people["venue_en"]["id"],
                                    purpose="confirmed")
    await Notification.filter(id=failed.id).update(
        status="failed", attempts=3, last_error="550 5.1.1 mailbox unavailable")
    await Notification.filter(registration_id=people["online"]["id"]).update(status="sent")

    page = await browser.get("/console/events/sym/mail?lang=en")
    assert "1 message(s) failed" in page.text
    assert 'href="?status=failed" aria-current="page">Failed (1)' in page.text
    assert "550 5.1.1 mailbox unavailable" in page.text and "p2@example.jp" in page.text
    assert "p1@example.jp" not in page.text  # only the failed ones, by default
    assert page.text.count("/retry") == 1
    everything = await browser.get("/console/events/sym/mail?status=all&lang=en")
    assert all(f"p{n}@example.jp" in everything.text for n in (1, 2, 3))

    retried = await post(browser, f"/console/events/sym/mail/messages/{failed.id}/retry",
                         {"status": "failed"})
    assert retried.status_code == 303
    assert retried.headers["location"] == (
        "/console/events/sym/mail?status=failed&notice=message_retried")
    again = await Notification.get(id=failed.id)
    assert (again.status, again.attempts) == ("pending", 0)
    entry = await AuditEntry.get(action="message_retried")
    assert entry.user_id == user.id and entry.target == f"message #{failed.id}"  # type: ignore[attr-defined]

    sent = await Notification.get(registration_id=people["online"]["id"], purpose="confirmed")
    refused = await post(browser, f"/console/events/sym/mail/messages/{sent.id}/retry", {})
    assert refused.headers["location"].endswith("notice=message_not_retryable")
    assert (await Notification.get(id=sent.id)).status == "sent"
    gone = await post(browser, "/console/events/sym/mail/messages/999999/retry", {})
    assert gone.status_code == 404


async def test_the_outbox_pages_newest_first(browser):
    people = await symposium(browser)
    await organizer(browser)
    registration = await Registration.get(id=people["online"]["id"])
    rows = [Notification(registration=registration, purpose="reminder", revision=n,
                         created_at=registration.created_at, status="sent")
            for n in range(1, 56)]
    await Notification.bulk_create(rows)
    first = await browser.get("/console/events/sym/mail?lang=en")
    assert first.text.count("<tr>") == 1 + 50
    assert "Older messages" in first.text
    cursor = re.search(r'cursor=(\d+)" rel="next"', first.text)
    assert cursor
    second = await browser.get(f"/console/events/sym/mail?status=all&cursor={cursor[1]}"
                               "&lang=en")
    assert second.text.count("<tr>") == 1 + 58 - 50
    assert "Older messages" not in second.text and "Back to the newest" in second.text


async def test_only_the_events_managers_see_its_mail(browser):
    await symposium(browser)
    assert (await browser.get("/console/events/sym/mail")).status_code == 303
    await make_org("other")
    for email, org in (("cohost@jpnic.example", "jpnic"), ("stranger@other.example", "other")):
        await organizer(browser, org, email)
        assert (await browser.get("/console/events/sym/mail")).status_code == 404
        assert (await post(browser, "/console/events/sym/mail/send",
                           ANNOUNCEMENT)).status_code == 404
        assert (await post(browser, "/console/events/sym/mail", ANNOUNCEMENT)).status_code == 404
    assert await Broadcast.all().count() == 0
    await make_user("kanri@example.jp", "admin")
    await log_in(browser, "kanri@example.jp")
    page = await browser.get("/console/events/sym/mail?lang=en")
    assert page.status_code == 200 and "Write an announcement" in page.text
    assert "Everyone (confirmed and waiting list)" in page.text
