"""Mail to console users (invitations, password resets), read back from a real SMTP server.

The outbox row is addressed to a user, not a registration; its payload holds the link
until the row is settled. Language from the user's locale, no calendar, no QR, no
List-Unsubscribe; disabled accounts, expired and replaced links are skipped; a dead server
means a retry later, with the link still there; without SMTP the message is an .eml file.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime

import pytest

from events import accounts, outbox
from events.config import Settings
from events.models import Notification, Organization, User
from events.worker import Worker
from tests.conftest import BASE_URL
from tests.factories import make_event, make_org
from tests.mailserver import MailServer


class Clock:
    """Real time plus an offset the test moves forward: retries come without sleeping."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def deliver(settings: Settings, server: MailServer, **kw) -> Worker:
    """Run a worker until nothing is due, against the test SMTP server."""
    worker = Worker(replace(settings, smtp_url=server.url), poll=0.01, **kw)
    await worker.run(once=True)
    return worker


def structure(part: EmailMessage) -> object:
    if part.is_multipart():
        return (part.get_content_type(), [structure(p) for p in part.iter_parts()])
    return part.get_content_type()


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    html = [p for p in message.walk() if p.get_content_type() == "text/html"]
    assert len(text) == 1 and len(html) == 1
    return text[0].get_content(), html[0].get_content()


async def org() -> Organization:
    return await make_org("iaj", name_ja="インターネット協会", name_en="Internet Association")


async def organizer(email: str, locale: str, name: str, organization: Organization | None
                    ) -> User:
    return await accounts.create_user(
        email, "organizer" if organization else "admin", now=datetime.now(UTC),
        org_slug=organization.slug if organization else None, name=name, locale=locale)


async def invite(user: User, now: datetime, inviter: User | None = None) -> tuple[str, str]:
    """Issue the link and queue the invitation, as the console does; (raw token, link)."""
    raw = await accounts.issue_link(user, "invite", now)
    link = f"{BASE_URL}/console/invite/{raw}"
    await outbox.queue_account_mail(user, "account_invite", link, now, inviter=inviter)
    return raw, link


async def reset(user: User, now: datetime) -> tuple[str, str]:
    found = await accounts.reset_requested(user.email, now)
    assert found is not None
    _, raw = found
    link = f"{BASE_URL}/console/reset/{raw}"
    await outbox.queue_account_mail(user, "account_reset", link, now)
    return raw, link


# ---- what arrives ---------------------------------------------------------------------------

async def test_invitation_in_japanese_and_reset_in_english(database, smtp_server):
    organization = await org()
    admin = await organizer("admin@example.jp", "ja", "管理 太郎", None)
    hanako = await organizer("hanako@example.jp", "ja", "山田 花子", organization)
    jane = await organizer("jane@example.com", "en", "Jane Doe", organization)
    now = datetime.now(UTC)
    invite_raw, invite_link = await invite(hanako, now, inviter=admin)
    reset_raw, reset_link = await reset(jane, now)
    rows = {r.user_id: r for r in await Notification.all()}
    assert rows[hanako.id].registration_id is None and rows[hanako.id].payload == {
        "link": invite_link, "inviter": {"name": "管理 太郎", "email": "admin@example.jp"}}
    assert rows[jane.id].payload == {"link": reset_link}

    worker = await deliver(database, smtp_server)
    assert worker.stats == {"sent": 2, "retry": 0, "failed": 0, "skipped": 0}
    received = {r.recipients[0]: r for r in smtp_server.received}
    assert set(received) == {"hanako@example.jp", "jane@example.com"}

    # The invitation, in Japanese: an RFC 2047 subject, text and HTML only.
    ja = received["hanako@example.jp"]
    message = ja.message
    assert ja.sender == "noreply@testserver"
    raw_headers = ja.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "Subject: =?utf-8?" in raw_headers, "non-ASCII subjects are RFC 2047 encoded"
    assert str(message["Subject"]) == "【招待】kaigi イベント 管理画面（インターネット協会）"
    assert parseaddr(str(message["To"])) == ("山田 花子", "hanako@example.jp")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "ja"
    assert abs(parsedate_to_datetime(str(message["Date"])) - now) < timedelta(minutes=1)
    assert structure(message) == ("multipart/alternative", ["text/plain", "text/html"])
    assert "List-Unsubscribe" not in message and "List-Unsubscribe-Post" not in message
    assert not any(p.get_content_type() in ("text/calendar", "application/ics", "image/png")
                   for p in message.walk())
    text, html = bodies(message)
    for content in (text, html):
        assert "山田 花子 様" in content
        assert "管理 太郎 (admin@example.jp) さんから" in content
        assert "インターネット協会" in content
        assert "有効期間は 72 時間です" in content
        assert "イベントページ" not in content and "testserver/events" not in content
    assert f"\n{invite_link}\n" in text
    assert f'href="{invite_link}"' in html

    # The reset, in English.
    en = received["jane@example.com"].message
    assert str(en["Subject"]) == "Password reset: kaigi events console"
    assert en["Content-Language"] == "en"
    assert structure(en) == ("multipart/alternative", ["text/plain", "text/html"])
    text, html = bodies(en)
    for content in (text, html):
        assert "Dear Jane Doe," in content
        assert "Internet Association" in content
        assert "valid for 2 hours" in content
        assert "パスワード" not in content
    assert reset_link in text and f'href="{reset_link}"' in html

    # Sent: the link (a credential) is gone from the outbox; the links work.
    for row in await Notification.all():
        assert (row.status, row.payload, row.last_error) == ("sent", {}, "")
        assert row.sent_at is not None and row.attempts == 1
        assert row.message_id == str(received[
            "hanako@example.jp" if row.user_id == hanako.id else "jane@example.com"
        ].message["Message-ID"])
        assert row.message_id.startswith(f"<{row.id:08d}.{row.purpose}.")
    assert (await accounts.link_user(invite_raw, now)).id == hanako.id
    assert (await accounts.link_user(reset_raw, now)).id == jane.id


async def test_without_an_organization_or_inviter(database, smtp_server):
    admin = await organizer("root@example.jp", "en", "", None)
    _, link = await invite(admin, datetime.now(UTC))
    await deliver(database, smtp_server)
    message = smtp_server.received[0].message
    assert str(message["Subject"]) == "Invitation: kaigi events console"
    assert parseaddr(str(message["To"])) == ("", "root@example.jp")
    text, _ = bodies(message)
    assert "Dear root@example.jp," in text, "no name: the address"
    assert "You are invited to the kaigi events console." in text
    assert link in text


async def test_repeated_resets_each_queue_one_and_only_the_latest_goes_out(
        database, smtp_server):
    jane = await organizer("jane@example.com", "en", "Jane Doe", await org())
    now = datetime.now(UTC)
    first_raw, _ = await reset(jane, now)
    second_raw, second_link = await reset(jane, now)
    first, second = await Notification.filter(user_id=jane.id).order_by("id")
    assert (first.revision, second.revision) == (0, 1)
    assert await accounts.link_user(first_raw, now) is None, "the second link replaced it"

    await deliver(database, smtp_server)
    [received] = smtp_server.received
    assert second_link in bodies(received.message)[0]
    first, second = await Notification.filter(user_id=jane.id).order_by("id")
    assert (first.status, first.last_error, first.payload) == (
        "skipped", "superseded by a later link", {})
    assert (second.status, second.payload) == ("sent", {})
    assert (await accounts.link_user(second_raw, now)).id == jane.id


async def test_a_disabled_account_is_skipped(database, smtp_server):
    hanako = await organizer("hanako@example.jp", "ja", "山田 花子", await org())
    now = datetime.now(UTC)
    await invite(hanako, now)
    await accounts.disable_user(hanako.email, now)
    worker = await deliver(database, smtp_server)
    assert worker.stats["skipped"] == 1 and smtp_server.received == []
    row = await Notification.get(user_id=hanako.id)
    assert (row.status, row.last_error, row.payload) == (
        "skipped", "the account is disabled", {})


async def test_an_expired_link_is_skipped(database, smtp_server):
    jane = await organizer("jane@example.com", "en", "Jane Doe", None)
    await reset(jane, datetime.now(UTC) - accounts.LINK_VALID["reset"] - timedelta(minutes=1))
    await deliver(database, smtp_server)
    assert smtp_server.received == []
    row = await Notification.get(user_id=jane.id)
    assert (row.status, row.last_error, row.payload) == (
        "skipped", "the link expired before delivery", {})


# ---- faults ---------------------------------------------------------------------------------

async def test_a_dead_server_keeps_the_message_and_its_link_for_a_retry(database, smtp_server):
    hanako = await organizer("hanako@example.jp", "ja", "山田 花子", await org())
    _, link = await invite(hanako, datetime.now(UTC))
    smtp_server.stop()
    clock = Clock()
    await deliver(database, smtp_server, clock=clock)
    row = await Notification.get(user_id=hanako.id)
    now = datetime.now(UTC)
    assert (row.status, row.attempts, row.payload["link"]) == ("pending", 1, link)
    assert "Connect" in row.last_error or "refused" in row.last_error.lower(), row.last_error
    assert now < row.next_attempt_at <= now + timedelta(minutes=1), "first retry in a minute"
    assert link not in row.last_error

    smtp_server.start()
    clock.offset = timedelta(minutes=2)
    await deliver(database, smtp_server, clock=clock)
    [received] = smtp_server.received
    assert received.message["Message-ID"] == row.message_id, "the same message, again"
    assert link in bodies(received.message)[0]
    row = await Notification.get(user_id=hanako.id)
    assert (row.status, row.attempts, row.payload, row.last_error) == ("sent", 2, {}, "")


async def test_a_refused_recipient_fails_and_forgets_the_link(database, smtp_server):
    jane = await organizer("jane@example.com", "en", "Jane Doe", None)
    await reset(jane, datetime.now(UTC))
    smtp_server.handler.refuse["jane@example.com"] = "550 5.1.1 No such user"
    await deliver(database, smtp_server)
    row = await Notification.get(user_id=jane.id)
    assert (row.status, row.payload) == ("failed", {})
    assert row.last_error.startswith("550 ")


async def test_without_smtp_the_message_becomes_an_eml_file(database):
    hanako = await organizer("hanako@example.jp", "ja", "山田 花子", await org())
    _, link = await invite(hanako, datetime.now(UTC))
    assert database.smtp_url is None or database.smtp_url == ""
    await Worker(database, poll=0.01).run(once=True)
    [path] = (database.var_dir / "outbox").glob("*.eml")
    row = await Notification.get(user_id=hanako.id)
    assert path.name == row.message_id.strip("<>").split("@")[0] + ".eml"
    assert (row.status, row.payload) == ("sent", {})
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert str(message["Subject"]) == "【招待】kaigi イベント 管理画面（インターネット協会）"
    assert link in bodies(message)[0]  # type: ignore[arg-type]


# ---- headers ----------------------------------------------------------------------------------

INJECTION = "山田\r\nBcc: victim@example.com\r\nX-Injected: yes\n\rSubject: spam\x0b\x85"


async def test_control_characters_in_names_create_no_header(database, smtp_server):
    organization = await org()
    admin = await organizer("admin@example.jp", "ja", "管理", None)
    hanako = await organizer("hanako@example.jp", "ja", "花子", organization)
    # Data that bypassed validation: the user's, the organization's and the inviter's names.
    await User.filter(id__in=[hanako.id, admin.id]).update(name=INJECTION)
    await Organization.filter(id=organization.id).update(name_ja="協会\r\nX-Injected: org")
    await invite(hanako, datetime.now(UTC), inviter=await User.get(id=admin.id))
    await deliver(database, smtp_server)
    [received] = smtp_server.received
    assert received.recipients == ["hanako@example.jp"], "no extra envelope recipient"
    message = received.message
    names = [k.lower() for k in message.keys()]
    assert "bcc" not in names and "x-injected" not in names
    assert names.count("subject") == 1 and names.count("to") == 1
    head = received.data.split(b"\r\n\r\n", 1)[0]
    assert b"\nX-Injected" not in head and b"\nBcc" not in head
    assert str(message["Subject"]) == "【招待】kaigi イベント 管理画面（協会 X-Injected: org）"
    assert parseaddr(str(message["To"]))[1] == "hanako@example.jp"
    text, _ = bodies(message)
    assert "山田 Bcc: victim@example.com X-Injected: yes Subject: spam 様" in text


# ---- queueing, and the event's list -----------------------------------------------------------

async def test_queueing_checks_the_purpose_and_the_link(database):
    hanako = await organizer("hanako@example.jp", "ja", "山田 花子", await org())
    now = datetime.now(UTC)
    raw = await accounts.issue_link(hanako, "invite", now)
    with pytest.raises(ValueError, match="full http"):
        await outbox.queue_account_mail(hanako, "account_invite", raw, now)
    with pytest.raises(ValueError, match="purpose"):
        await outbox.queue_account_mail(hanako, "confirmed", f"{BASE_URL}/x", now)  # type: ignore[arg-type]
    assert await Notification.all().count() == 0
    row = await outbox.queue_account_mail(hanako, "account_invite", f"{BASE_URL}/i/{raw}", now)
    assert (row.user_id, row.registration_id, row.revision, row.status) == (
        hanako.id, None, 0, "pending")
    assert row.next_attempt_at == now


async def test_user_mail_is_no_events_message(client, admin, database):
    await make_event(slug="sym")
    response = await client.post("/api/v1/events/sym/registrations", json={
        "name": "参加者", "email": "p@example.jp", "attendance": "venue"})
    assert response.status_code == 201, response.text
    hanako = await organizer("hanako@example.jp", "ja", "山田 花子", await org())
    await invite(hanako, datetime.now(UTC))
    response = await client.get("/api/v1/events/sym/messages", headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [m["purpose"] for m in body["items"]] == ["confirmed"]
    assert body["counts"]["pending"] == 1
    user_row = await Notification.get(user_id=hanako.id)
    response = await client.post(f"/api/v1/events/sym/messages/{user_row.id}/retry",
                                 headers=admin)
    assert response.status_code == 404
