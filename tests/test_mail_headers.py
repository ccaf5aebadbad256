"""Mail that strangers can write: names, titles and subjects never become headers.

An attendee name (or an organizer's title or broadcast subject, or a console user's name)
holding an RFC 2047 encoded word with an encoded CR/LF, such as
`=?utf-8?q?=0d=0aReply-To:_attacker@evil.example=0d=0a=0d=0aBody_text?=`, was decoded by
Python's email package and written back raw (CVE-2024-6923, fixed in CPython 3.11.10 and
3.12.5 only): a Reply-To and a body of the attacker's, from the association's address. The
messages here are read back from the real SMTP server (aiosmtpd), as any mail client would.
Then: every message is serialized and parsed back before it leaves, and refused when the
headers or parts are not exactly those kaigi meant; encoded words keep to 75 characters.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parseaddr

import icalendar
import pytest

from events import accounts, calendar, catalogue, mail, outbox
from events.config import Settings
from events.models import Event, Notification, Registration
from events.worker import Worker
from tests.conftest import BASE_URL
from tests.factories import make_event, make_org
from tests.mailserver import MailServer, Received

ATTACK = "=?utf-8?q?=0d=0aReply-To:_attacker@evil.example=0d=0a=0d=0aBody_text?="
# The same, base64: no "=0d=0a" for a filter to look for.
ATTACK_B64 = "=?utf-8?b?DQpSZXBseS1UbzogYXR0YWNrZXJAZXZpbC5leGFtcGxlDQoNCkJvZHkgdGV4dA==?="
# What a confirmation's top level holds, in order: kaigi's headers, then the MIME ones.
CONFIRMATION_HEADERS = ["subject", "from", "to", "date", "message-id", "auto-submitted",
                        "mime-version", "content-type", "content-language"]
ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


async def register(client, slug: str, name: str, email: str = "victim@example.jp",
                   **kw) -> dict:
    response = await client.post(f"/api/v1/events/{slug}/registrations", json={
        "name": name, "email": email, "attendance": "venue", **kw})
    assert response.status_code == 201, response.text
    return response.json()


async def deliver(settings: Settings, server: MailServer, **kw) -> Worker:
    worker = Worker(replace(settings, smtp_url=server.url), poll=0.01, **kw)
    await worker.run(once=True)
    return worker


def head_of(received: Received) -> bytes:
    return received.data.split(b"\r\n\r\n", 1)[0]


def raw_header(received: Received, name: str) -> str:
    """A header's value as sent, unfolded."""
    lines = head_of(received).decode("ascii").split("\r\n")
    [start] = [i for i, line in enumerate(lines) if line.lower().startswith(f"{name.lower()}:")]
    value = lines[start].split(":", 1)[1]
    for line in lines[start + 1:]:
        if not line.startswith((" ", "\t")):
            break
        value += line
    return value.strip()


def rfc2047(value: str) -> str:
    """Decoded as RFC 2047 says: whitespace between adjacent encoded words dropped."""
    return str(make_header(decode_header(value)))


def header_names(message: EmailMessage) -> list[str]:
    return [k.lower() for k in message.keys()]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content()  # type: ignore[attr-defined, no-any-return]


def assert_nothing_injected(received: Received, recipient: str = "victim@example.jp") -> None:
    """No header, recipient or body of the attacker's, whatever the parser."""
    assert received.recipients == [recipient]
    message = received.message
    names = header_names(message)
    assert "reply-to" not in names and "bcc" not in names
    assert all(names.count(n) == 1 for n in names), names
    head = head_of(received)
    assert b"\r\nReply-To" not in head and b"\nReply-To" not in head
    assert b"\nBody text" not in received.data, "a body of the attacker's"
    assert not message.defects, message.defects
    for name in ("Subject", "To", "From"):
        value = str(message[name])
        assert "\r" not in value and "\n" not in value, (name, value)
    assert parseaddr(str(message["To"]))[1] == recipient
    assert parseaddr(str(message["From"]))[1] == "noreply@testserver"


# ---- the issue, reproduced through the API -------------------------------------------------

@pytest.mark.parametrize("name", [ATTACK, ATTACK_B64, f"山田 {ATTACK} 太郎"])
async def test_an_attendee_name_with_an_encoded_word_adds_no_header(client, database,
                                                                    smtp_server, name):
    await make_event(slug="sym")
    await register(client, "sym", name)
    worker = await deliver(database, smtp_server)
    assert worker.stats["sent"] == 1, worker.stats
    [received] = smtp_server.received
    assert_nothing_injected(received)
    message = received.message
    assert header_names(message) == CONFIRMATION_HEADERS, "exactly the headers kaigi meant"
    assert str(message["Subject"]) == "【参加登録完了】テストイベント"
    # The name is shown as the text it is (never decoded a second time).
    display = parseaddr(str(message["To"]))[0]
    assert "=?" not in display
    # Python's parser puts a space between adjacent encoded words of a display name;
    # decoded as RFC 2047 says (decode_header), the name is exactly the text.
    assert "".join(display.split()) == "".join(mail.display_name(name).split())
    assert rfc2047(raw_header(received, "To")) == f"{mail.display_name(name)} <victim@example.jp>"
    # The body is kaigi's: its parts, its greeting, its event.
    assert message.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "multipart/related",
        "text/html", "image/png", "text/calendar", "application/ics"]
    text = text_of(message)
    assert not text.startswith("Body text")
    assert "テストイベント" in text and "様" in text and "http://testserver/tickets/" in text
    # The invitation's CN= is the same harmless text, on one line.
    ics = [p for p in message.walk() if p.get_content_type() == "text/calendar"][0]
    raw = ics.get_payload(decode=True)
    assert not any(line.startswith((b"Reply-To", b"Body")) for line in raw.split(b"\r\n"))
    [vevent] = icalendar.Calendar.from_ical(raw).events
    cn = str(vevent["ATTENDEE"].params["CN"])
    assert "\r" not in cn and "\n" not in cn and "=?" not in cn
    assert str(vevent["ATTENDEE"]) == "mailto:victim@example.jp"
    assert str(vevent["ORGANIZER"]) == "mailto:noreply@testserver"


async def test_an_event_title_with_an_encoded_word_adds_no_header(client, admin, database,
                                                                  smtp_server):
    await make_event(slug="sym")
    response = await client.patch("/api/v1/events/sym", headers=admin, json={
        "title": {"ja": f"会議 {ATTACK}", "en": ATTACK}})
    assert response.status_code == 200, response.text
    await register(client, "sym", "山田 太郎")
    await register(client, "sym", "Jane Doe", email="jane@example.jp", locale="en")
    await deliver(database, smtp_server)
    received = {r.recipients[0]: r for r in smtp_server.received}
    assert set(received) == {"victim@example.jp", "jane@example.jp"}
    for address, r in received.items():
        assert_nothing_injected(r, address)
        assert header_names(r.message) == CONFIRMATION_HEADERS
        assert "Reply-To" in str(r.message["Subject"])
    assert str(received["victim@example.jp"].message["Subject"]).startswith("【参加登録完了】会議 ")


async def test_a_broadcast_subject_with_an_encoded_word_adds_no_header(client, admin,
                                                                       database, smtp_server):
    await make_event(slug="sym")
    await register(client, "sym", "山田 太郎")
    await deliver(database, smtp_server)
    response = await client.post("/api/v1/events/sym/broadcasts", headers=admin, json={
        "subject": {"ja": ATTACK, "en": ATTACK_B64}, "body": {"ja": "本文", "en": "Body"}})
    assert response.status_code == 201, response.text
    await deliver(database, smtp_server)
    [_, received] = smtp_server.received
    assert_nothing_injected(received)
    message = received.message
    assert header_names(message) == [
        "subject", "from", "to", "date", "message-id", "auto-submitted", "list-unsubscribe",
        "list-unsubscribe-post", "mime-version", "content-type", "content-language"]
    assert str(message["Subject"]).startswith("【テストイベント】")
    assert "Reply-To" in str(message["Subject"])
    assert "本文" in text_of(message)


async def test_a_console_user_name_with_an_encoded_word_adds_no_header(database, smtp_server):
    organization = await make_org("iaj", name_ja=f"協会 {ATTACK}")
    user = await accounts.create_user("victim@example.jp", "organizer", now=datetime.now(UTC),
                                      org_slug=organization.slug, name=ATTACK, locale="ja")
    now = datetime.now(UTC)
    raw = await accounts.issue_link(user, "invite", now)
    await outbox.queue_account_mail(user, "account_invite",
                                    f"{BASE_URL}/console/invite/{raw}", now)
    await deliver(database, smtp_server)
    [received] = smtp_server.received
    assert_nothing_injected(received)
    assert header_names(received.message) == [
        "subject", "from", "to", "date", "message-id", "auto-submitted", "mime-version",
        "content-type", "content-language"]


async def test_a_sender_name_with_an_encoded_word_adds_no_header(client, database,
                                                                 smtp_server):
    await make_event(slug="sym")
    await register(client, "sym", "山田 太郎")
    await deliver(replace(database, mail_from=f'"{ATTACK}" <noreply@testserver>'), smtp_server)
    [received] = smtp_server.received
    assert_nothing_injected(received)
    assert header_names(received.message) == CONFIRMATION_HEADERS


# ---- encoded words: kaigi's own, at most 75 characters -------------------------------------

LONG_TITLE = ("第" + "国際インターネット会議と次世代ネットワーク技術シンポジウム" * 10)[:200]


def encoded_words(received: Received) -> list[bytes]:
    return ENCODED_WORD.findall(head_of(received))


async def test_a_200_character_japanese_title_folds_into_short_encoded_words(
        client, admin, database, smtp_server):
    assert len(LONG_TITLE) == 200
    await make_event(slug="sym")
    response = await client.patch("/api/v1/events/sym", headers=admin, json={
        "title": {"ja": LONG_TITLE, "en": "Long"}})
    assert response.status_code == 200, response.text
    name = ("長" * 100) + " " + ("名前" * 60)
    await register(client, "sym", name[:200])
    settings = replace(database, mail_from=f'"{"日本インターネット協会 " * 10}" '
                                           '<events@iajapan.example>')
    await deliver(settings, smtp_server)
    [received] = smtp_server.received
    words = encoded_words(received)
    assert len(words) > 10
    assert max(len(w) for w in words) <= 75, sorted({len(w) for w in words})
    for line in head_of(received).split(b"\r\n"):
        assert len(line) <= 78, line
    message = received.message
    assert str(message["Subject"]) == f"【参加登録完了】{LONG_TITLE}"[:200]
    assert rfc2047(raw_header(received, "Subject")) == f"【参加登録完了】{LONG_TITLE}"[:200]
    assert rfc2047(raw_header(received, "To")) == f"{name[:200]} <victim@example.jp>"
    assert rfc2047(raw_header(received, "From")) == (
        f"{' '.join(['日本インターネット協会'] * 10)} <events@iajapan.example>")
    assert message["From"].addresses[0].addr_spec == "events@iajapan.example"
    assert received.sender == "events@iajapan.example"


def test_headers_kaigi_writes_itself():
    assert mail.encoded_text("Registration confirmed: Test event", "Subject") == (
        "Registration confirmed: Test event"), "plain ASCII stays readable"
    assert mail.encoded_text("a=?b", "Subject") == "a= ?b"
    folded = mail.encoded_text("word " * 40, "Subject")
    assert folded.count("\n") >= 2 and all(len(x) <= 76 for x in folded.split("\n"))
    assert mail.encoded_text("x" * 150, "Subject").startswith("=?utf-8?"), \
        "a word too long to fold is encoded"
    assert mail.encoded_address("Jane Doe", "jane@example.jp", "To") == (
        "Jane Doe <jane@example.jp>")
    assert mail.encoded_address("", "jane@example.jp", "To") == "jane@example.jp"
    special = mail.encoded_address('Doe, Jane (Tokyo) "JD"', "jane@example.jp", "To")
    assert special.startswith("=?utf-8?") and special.endswith(" <jane@example.jp>")
    assert rfc2047(special) == "Doe, Jane (Tokyo) 'JD' <jane@example.jp>"
    for value in (ATTACK, ATTACK_B64, "=?", "==??", "a=?=?=?b", "=\r\n?", "=\x00?"):
        for written in (mail.encoded_text(value, "Subject"),
                        mail.encoded_address(value, "a@example.jp", "To")):
            decoded = rfc2047(written.replace("\n", ""))  # unfolded
            assert "=?" not in decoded and "\r" not in decoded and "\n" not in decoded, (
                value, written, decoded)


NAME_CHARACTERS = ("山田太郎花子ｱｲｳ 　abcXYZ09 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
                   "éü€😀\u200b\r\n\t\x00\x7f\x85\u2028")


def message_for(subject: str, name: str, address: str = "person@example.jp",
                sender_name: str = "kaigi") -> mail.Composed:
    """A message as the Composer starts one (its headers), with a text and an HTML part."""
    headers = mail.Headers(mail.Composed())
    headers.text("Subject", subject)
    headers.address("From", sender_name, "noreply@example.jp")
    headers.address("To", name, address)
    headers.plain("Date", "Wed, 12 Jun 2030 05:00:00 +0000")
    headers.plain("Message-ID", "<00000001.confirmed.abcdef@example.jp>")
    headers.plain("Auto-Submitted", "auto-generated")
    headers.msg.set_content(f"{name} 様\n{subject}\n", charset="utf-8")
    headers.msg.add_alternative(f"<p>{name} 様</p>", subtype="html", charset="utf-8")
    headers.plain("Content-Language", "ja")
    return headers.done()


def test_any_text_is_sent_as_meant_and_never_refused():
    """Names and subjects of every kind: verified, and read back as the text they are."""
    rng = random.Random(2047)
    for n in range(400):
        size = rng.choice([1, 5, 20, 80, 200, 300])
        raw = "".join(rng.choice(NAME_CHARACTERS) for _ in range(size))
        if n % 7 == 0:
            raw = ATTACK + raw
        subject, name = mail.header_text(raw), mail.display_name(raw)
        message = message_for(subject, name, sender_name=name)
        for eight_bit in (True, False):
            data = mail.wire(message, eight_bit=eight_bit)  # raises Unsafe if refused
            assert max((len(w) for w in ENCODED_WORD.findall(data)), default=0) <= 75
            head = data.split(b"\r\n\r\n", 1)[0]
            assert all(len(line) <= 78 for line in head.split(b"\r\n")), head
        received = Received("noreply@example.jp", ["person@example.jp"], data)
        assert rfc2047(raw_header(received, "Subject")) == subject
        to = rfc2047(raw_header(received, "To"))
        assert to == (f"{name} <person@example.jp>" if name else "person@example.jp")


def test_an_address_that_is_not_ascii_goes_as_smtputf8():
    message = message_for("件名", "山田 太郎", address="太郎@example.jp")
    assert mail.needs_utf8(message)
    data = mail.wire(message)
    assert "<太郎@example.jp>".encode() in data
    assert b"=?utf-8?b?" in data.split(b"\r\n\r\n", 1)[0], "names still kaigi's encoded words"


def test_an_address_with_an_encoded_word_is_not_deliverable():
    person = Registration(email="=?utf-8?q?a?=@example.jp")
    with pytest.raises(mail.InvalidRecipient, match="encoded word"):
        mail.recipient(person)


# ---- the verifier refuses what would not arrive as composed -------------------------------

def broken(how: str) -> EmailMessage:
    message = message_for("【参加登録完了】テストイベント", "山田 太郎")
    if how == "cve":  # the CVE itself: the email package decodes and writes a raw CR/LF
        message.replace_header("Subject", ATTACK)
    elif how == "raw-crlf":
        del message["Subject"]
        message.set_raw("Subject", "hello\nReply-To: attacker@evil.example")
    elif how == "extra":
        message["Reply-To"] = "attacker@evil.example"
    elif how == "duplicate":
        message.set_raw("To", "attacker@evil.example")
    elif how == "missing":
        del message["Auto-Submitted"]
    elif how == "to":
        message.replace_header("To", "山田 太郎 <attacker@evil.example>")
    elif how == "from-name":
        message.replace_header("From", "Someone Else <noreply@example.jp>")
    elif how == "subject":
        message.replace_header("Subject", "別の件名")
    elif how == "body-boundary":  # a text that ends the message early (boundary fixed)
        message.as_bytes()
        part = message.get_body(("plain",))
        assert part is not None
        part.set_content("text\n--" + str(message.get_boundary()) + "--\n", charset="utf-8")
    return message


@pytest.mark.parametrize(("how", "reason"), [
    ("cve", "reply-to"), ("raw-crlf", "reply-to"), ("extra", "reply-to"),
    ("duplicate", "'to', 'date'.*'to'"), ("missing", "'message-id', 'mime-version'"),
    ("to", "attacker@evil.example"), ("from-name", "Someone Else"), ("subject", "別の件名"),
    ("body-boundary", r"holds \['text/plain'\] instead of \['text/plain', 'text/html'\]")])
def test_a_broken_message_is_refused(how, reason):
    message = broken(how)
    with pytest.raises(mail.Unsafe, match="^refused before sending: ") as refused:
        mail.wire(message)
    assert re.search(reason, str(refused.value)), str(refused.value)


def test_the_verifier_compares_contents_and_parts():
    message = message_for("件名", "山田 太郎")
    data = mail.wire(message)
    mail.verify(data, message)  # as sent: fine
    with pytest.raises(mail.Unsafe, match="content differs"):
        mail.verify(data.replace("山田".encode(), "悪い".encode()), message)
    without_html = data.split(b"\r\n--", 2)
    with pytest.raises(mail.Unsafe):
        mail.verify(without_html[0] + b"\r\n--" + without_html[1], message)


def test_what_is_sent_is_what_was_checked():
    message = message_for("件名", "山田 太郎")
    data = mail.wire(message)
    message["Reply-To"] = "attacker@evil.example"  # too late: the checked bytes go
    assert mail.wire(message) == data and b"Reply-To" not in data
    with pytest.raises(mail.Unsafe, match="reply-to"):
        mail.wire(message, eight_bit=False)  # bytes not checked yet: checked now


async def test_the_worker_refuses_and_never_retries_a_broken_message(
        client, database, smtp_server, monkeypatch):
    await make_event(slug="sym")
    body = await register(client, "sym", "山田 太郎")
    compose = mail.Composer.compose

    def tampered(self, facts):
        message = compose(self, facts)
        message["Reply-To"] = "attacker@evil.example"  # not what was composed
        return message

    monkeypatch.setattr(mail.Composer, "compose", tampered)
    worker = await deliver(database, smtp_server)
    assert worker.stats == {"sent": 0, "retry": 0, "failed": 1, "skipped": 0}
    assert smtp_server.received == []
    row = await Notification.get(registration_id=body["id"])
    assert row.status == "failed" and row.attempts == 1
    assert row.last_error.startswith("refused before sending")
    assert "reply-to" in row.last_error
    # Not due again: a later worker sends nothing and leaves it failed.
    worker = await deliver(database, smtp_server,
                           clock=lambda: datetime.now(UTC) + timedelta(days=4))
    assert worker.stats["sent"] == 0 and smtp_server.received == []
    assert (await Notification.get(id=row.id)).status == "failed"


async def test_a_transport_refuses_what_it_would_send(client, database, smtp_server):
    """The SMTP transport checks the very bytes it sends (here: no 8BITMIME)."""
    from events.worker import SmtpConfig, SmtpTransport

    transport = SmtpTransport(SmtpConfig.from_url(smtp_server.url))
    try:
        with pytest.raises(Exception, match="refused before sending") as refused:
            await transport.send(broken("extra"), "noreply@example.jp", "person@example.jp")
        assert getattr(refused.value, "permanent", False)
        await transport.send(message_for("件名", "山田 太郎"), "noreply@example.jp",
                             "person@example.jp")
    finally:
        await transport.close()
    [received] = smtp_server.received
    assert received.recipients == ["person@example.jp"]
    assert str(received.message["Subject"]) == "件名"


async def test_a_name_cannot_escape_its_cn_parameter(database):
    """Whatever reaches build_invitation: one CN, quoted by icalendar, one line, no "=?"."""
    await make_event(slug="sym")
    event = await Event.get(slug="sym").prefetch_related("series", "owner")
    await catalogue.load_details([event])
    name = f'{ATTACK}"\r\nATTENDEE:mailto:attacker@evil.example\r\n;X="'
    ics = calendar.build_invitation(
        event, "venue", "", method="REQUEST", organizer="noreply@testserver",
        attendee="victim@example.jp", attendee_name=name, base_url=BASE_URL, lang="ja",
        changed_at=datetime.now(UTC))
    unfolded = ics.replace(b"\r\n ", b"")
    assert [line for line in unfolded.split(b"\r\n") if line.startswith(b"ATTENDEE")] == [
        line for line in unfolded.split(b"\r\n") if line.startswith(b"ATTENDEE;")], "one"
    assert b"attacker@evil.example\r\n" not in ics and b"=?" not in ics
    [vevent] = icalendar.Calendar.from_ical(ics).events
    attendee = vevent["ATTENDEE"]
    assert str(attendee) == "mailto:victim@example.jp"
    cn = str(attendee.params["CN"])
    assert cn == calendar.parameter_text(name) and "\n" not in cn and '"' not in cn
