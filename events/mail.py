"""Compose the messages kaigi sends, from templates/email, in the attendee's language.

Every message has a text and an HTML alternative, a Date, a stable Message-ID and an
RFC 2047 subject. Text that ends up in a header (names, titles, an organizer's subject)
passes `header_text` first: a control character becomes a space, so no value can start
a header of its own, whatever validation let through, and "=?" becomes "= ?", so no value
reads as an RFC 2047 encoded word (Python before 3.11.10 and 3.12.5 decoded one into a raw
CR/LF and wrote it out: CVE-2024-6923). kaigi writes such headers itself (`encoded_text`,
`encoded_address`): printable ASCII as it is, anything else as kaigi's own encoded words
of at most 75 characters, never refolded by the email package. Before a message leaves,
`wire` serializes it as it is sent and `verify` parses that back: the headers, the parts
and the values must be exactly those composed (`Intended`), or it is refused (`Unsafe`).
Confirmations carry the ticket QR as an inline image and a calendar invitation (iTIP,
RFC 6047):

    multipart/mixed
      multipart/alternative
        text/plain
        multipart/related: text/html, image/png (the QR, cid:)
        text/calendar; charset=utf-8; method=REQUEST   (base64 of the exact CRLF bytes)
      application/ics attachment invite.ics              (the same bytes)

The content is rendered when the worker sends, from the current state of the event and
the registration: a message queued before a later change says what is true now.

Mail to a console user (an invitation, a password reset) has no event: it is composed
from the user (their `locale`), their organization and the row's `payload` (the link, and
who invited them), as a text and an HTML alternative only.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from events import calendar, resources, tickets
from events.config import Settings
from events.inputs import deliverable
from events.models import Broadcast, Event, Notification, Registration, Session, User
from events.vocabulary import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    day,
    formats_for_mode,
    modes_for_formats,
    pick,
    serves_venue,
    span,
    translate,
)

TEMPLATES = resources.directory("templates") / "email"

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
SUBJECT_MAX = 200
QR_PURPOSES = ("confirmed", "promoted", "attendance_changed", "reminder")
# Mail to a console user: the purpose, and which single-use link (events.accounts) it carries.
ACCOUNT_LINKS = {"account_invite": "invite", "account_reset": "reset"}


# A folded header line at most this long: " " and an encoded word of at most 75 (RFC 2047).
HEADER_WIDTH = 76
# Printable ASCII, and RFC 5322 atext with spaces: what may stand unencoded in a header.
PRINTABLE = re.compile(r"[\x20-\x7e]*")
ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*")
# The email package's SMTP policies, except that a value kaigi wrote itself (already folded,
# encoded words of its own) is written as it is, never parsed and refolded.
WIRE = email.policy.SMTP.clone(refold_source="none")
WIRE_UTF8 = email.policy.SMTPUTF8.clone(refold_source="none")
# Headers the email package adds itself (MIME structure); every other one is kaigi's.
MIME_HEADERS = frozenset({"mime-version", "content-type", "content-transfer-encoding"})


def header_text(value: str, limit: int = SUBJECT_MAX) -> str:
    """One line, no control characters: CR, LF or NUL can never start a header; and no
    "=?", so no part of it can be read as an RFC 2047 encoded word and decoded."""
    return " ".join(CONTROL.sub(" ", value).replace("=?", "= ?").split())[:limit].rstrip()


def display_name(value: str) -> str:
    """A name for To: or CN=: one line, and no quotes (they would end a quoted CN)."""
    return header_text(value.replace('"', "'"), 200)


def sender(settings: Settings) -> Address:
    name, address = parseaddr(settings.mail_from)
    local, _, domain = address.rpartition("@")
    return Address(display_name=header_text(name), username=local, domain=domain)


def _fits(folded: str) -> bool:
    return all(0 < len(line) <= HEADER_WIDTH for line in folded.split("\n"))


def _encoded_words(text: str, name: str) -> str:
    """kaigi's own RFC 2047 encoded words (UTF-8), folded: each line at most 76 characters
    (the first counting "Name: "), so each encoded word at most 75."""
    return Header(text, "utf-8", header_name=name, maxlinelen=HEADER_WIDTH).encode(
        linesep="\n")


def encoded_text(value: str, name: str) -> str:
    """An unstructured header's value (Subject), ready to be written as it is.

    Printable ASCII without "=?" stays as it is, folded at its spaces when it fits;
    anything else (Japanese, or a word too long to fold) becomes encoded words.
    """
    text = header_text(value, sys.maxsize)
    if PRINTABLE.fullmatch(text):
        plain = Header(text, "us-ascii", header_name=name, maxlinelen=HEADER_WIDTH).encode(
            splitchars=" ", linesep="\n")
        if _fits(f"{name}: {plain}"):
            return plain
    return _encoded_words(text, name)


def encoded_address(name: str, address: str, header: str) -> str:
    """An address header's value (From, To): the display name as atoms when it is plain
    ASCII words, else as encoded words (nothing left to quote), then <address>."""
    text = header_text(name.replace('"', "'"), sys.maxsize)
    if not text:
        return address
    phrase = ""
    if ATOMS.fullmatch(text):
        phrase = Header(text, "us-ascii", header_name=header, maxlinelen=HEADER_WIDTH
                        ).encode(splitchars=" ", linesep="\n")
    if not phrase or not _fits(f"{header}: {phrase}"):
        phrase = _encoded_words(text, header)
    last = phrase.rsplit("\n", 1)[-1]
    width = len(last) + (len(header) + 2 if "\n" not in phrase else 0)
    gap = " " if width + len(address) + 3 <= HEADER_WIDTH else "\n "
    return f"{phrase}{gap}<{address}>"


# ---- what leaves: serialized as sent, read back, compared with what was meant ---------------

class Unsafe(ValueError):
    """A message that would not arrive as composed: refused, never sent, never retried."""


@dataclass(frozen=True)
class Intended:
    """The headers kaigi wrote at the top of a message, in order, and what each says."""

    names: tuple[str, ...]  # lower case
    texts: dict[str, str]  # a header's value as meant (Subject decoded), whitespace aside
    addresses: dict[str, tuple[str, str]]  # From, To: (display name, address)


class Composed(EmailMessage):
    """An EmailMessage that knows what its top-level headers were meant to say, and keeps
    the bytes `wire` checked (the worker checks before the transport sends: once)."""

    intended: Intended | None = None
    checked: dict[tuple[bool, bool], bytes] | None = None


class Headers:
    """The top-level headers of one message, written and remembered in order."""

    def __init__(self, msg: Composed) -> None:
        self.msg = msg
        self.names: list[str] = []
        self.texts: dict[str, str] = {}
        self.addresses: dict[str, tuple[str, str]] = {}

    def text(self, name: str, value: str) -> None:
        """Text that may hold anyone's words (a subject): written as kaigi encoded it."""
        value = header_text(value, sys.maxsize)
        self.msg.set_raw(name, encoded_text(value, name))
        self._remember(name, value)

    def address(self, name: str, display: str, address: str) -> None:
        display = header_text(display.replace('"', "'"), sys.maxsize)
        self.msg.set_raw(name, encoded_address(display, address, name))
        self.names.append(name.lower())
        self.addresses[name.lower()] = (display, address)

    def plain(self, name: str, value: str) -> None:
        """kaigi's own ASCII (a date, an id, a URL): through the email package."""
        self.msg[name] = value
        self._remember(name, value)

    def _remember(self, name: str, value: str) -> None:
        self.names.append(name.lower())
        self.texts[name.lower()] = value

    def done(self) -> Composed:
        self.msg.intended = Intended(tuple(self.names), dict(self.texts),
                                     dict(self.addresses))
        return self.msg


def needs_utf8(message: EmailMessage) -> bool:
    """Whether an address is not ASCII (SMTPUTF8 then, headers in UTF-8)."""
    for name in ("From", "To"):
        for address in getattr(message[name], "addresses", ()):
            if not address.addr_spec.isascii():
                return True
    return False


def wire(message: EmailMessage, *, eight_bit: bool = True, utf8: bool | None = None
         ) -> bytes:
    """The bytes to send (CRLF, as SMTP carries them), checked by `verify` first.

    `eight_bit`: the server takes 8-bit bodies (8BITMIME); else they are encoded.
    `utf8`: SMTPUTF8 (an address that is not ASCII); by default, from the addresses.
    """
    utf8 = needs_utf8(message) if utf8 is None else utf8
    checked = message.checked if isinstance(message, Composed) else None
    if checked is not None and (utf8, eight_bit) in checked:
        return checked[utf8, eight_bit]  # the very bytes checked (later changes aside)
    policy = WIRE_UTF8 if utf8 else WIRE
    if not eight_bit:
        policy = policy.clone(cte_type="7bit")
    try:
        data = message.as_bytes(policy=policy)
    except Exception as exc:  # e.g. HeaderWriteError on a Python that checks
        raise Unsafe(f"could not be serialized: {type(exc).__name__}: {exc}") from exc
    verify(data, message)
    if isinstance(message, Composed):
        message.checked = {**(message.checked or {}), (utf8, eight_bit): data}
    return data


def verify(data: bytes, message: EmailMessage) -> None:
    """Parse `data` back as a mail client would and raise `Unsafe` unless it is exactly
    `message`: at every level the same headers (names, count, order, values) and the same
    parts (types and contents); and, at the top, the headers kaigi meant and no other
    (Subject decoding to what was meant, From and To with the same addresses)."""
    try:
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        problems = _differences(message, parsed, "the message")
        intended = getattr(message, "intended", None)
        if isinstance(intended, Intended):
            problems += _not_meant(parsed, intended)
    except Unsafe:
        raise
    except Exception as exc:  # a header the parser cannot even read back
        raise Unsafe(f"refused before sending: it does not read back "
                     f"({type(exc).__name__}: {exc})") from exc
    if problems:
        raise Unsafe("refused before sending: it would not arrive as composed: "
                     + "; ".join(problems[:3]))


def _text(value: object) -> str:
    """A value as read back: UTF-8 in a header (SMTPUTF8) comes back as escaped bytes."""
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _flat(value: object) -> str:
    return " ".join(_text(value).split())


def _differences(mine: MIMEPart, read: MIMEPart, where: str) -> list[str]:
    names = [k.lower() for k in mine.keys()]
    got = [k.lower() for k in read.keys()]
    if names != got:
        return [f"{where} has headers {got} instead of {names}"]
    problems = [f"{where}: {name} reads {_flat(b)!r} instead of {_flat(a)!r}"
                for name, a, b in zip(names, mine.values(), read.values(), strict=True)
                # 8-bit bodies are encoded for a server without 8BITMIME: contents count.
                if name != "content-transfer-encoding" and _flat(a) != _flat(b)]
    if read.defects:
        problems.append(f"{where}: {', '.join(type(d).__name__ for d in read.defects)}")
    if mine.is_multipart() != read.is_multipart():
        return [*problems, f"{where} is {read.get_content_type()} "
                           f"instead of {mine.get_content_type()}"]
    if mine.is_multipart():
        parts, read_parts = list(mine.iter_parts()), list(read.iter_parts())
        if [p.get_content_type() for p in parts] != [p.get_content_type() for p in read_parts]:
            return [*problems, f"{where} holds "
                               f"{[p.get_content_type() for p in read_parts]} instead of "
                               f"{[p.get_content_type() for p in parts]}"]
        for n, (a, b) in enumerate(zip(parts, read_parts, strict=True)):
            problems += _differences(a, b, f"{where}, part {n + 1} ({a.get_content_type()})")
        return problems
    if _content(mine) != _content(read):
        problems.append(f"{where}: the content differs")
    return problems


def _content(part: MIMEPart) -> bytes:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        raise Unsafe("refused before sending: a part without content")
    if part.get_content_maintype() == "text":  # line ends: LF composed, CRLF sent
        data = data.replace(b"\r\n", b"\n")
    return data


def _not_meant(read: EmailMessage, intended: Intended) -> list[str]:
    got = [k.lower() for k in read.keys()]
    own = [n for n in got if n not in MIME_HEADERS]
    if own != list(intended.names) or len(set(got)) != len(got):
        return [f"headers {got}, not kaigi's {list(intended.names)} and the MIME ones"]
    problems = [f"{name} reads {_flat(read[name])!r} instead of {_flat(meant)!r}"
                for name, meant in intended.texts.items() if _flat(read[name]) != _flat(meant)]
    for name, (display, address) in intended.addresses.items():
        found = [(_text(a.display_name), _text(a.addr_spec)) for a in read[name].addresses]
        # Python's parser puts a space between adjacent encoded words in a display name
        # (RFC 2047 says to drop it): whitespace aside, the name must be the same.
        if (len(found) != 1 or found[0][1] != address
                or "".join(found[0][0].split()) != "".join(display.split())):
            problems.append(f"{name} reads {found!r} instead of {[(display, address)]!r}")
    return problems


def unsubscribe_token(secret_key: str, registration_id: int) -> str:
    """A capability for one registration's broadcasts: no ticket token in mail headers."""
    digest = hmac.new(secret_key.encode(), f"unsubscribe:{registration_id}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def check_unsubscribe(secret_key: str, registration_id: int, token: str) -> bool:
    expected = unsubscribe_token(secret_key, registration_id).encode()
    return hmac.compare_digest(expected, token.encode("utf-8", "replace"))


def unsubscribe_url(settings: Settings, registration_id: int) -> str:
    token = unsubscribe_token(settings.secret_key, registration_id)
    return f"{settings.base_url}/unsubscribe/{registration_id}/{token}"


# ---- what one message holds ------------------------------------------------------------------

@dataclass
class Facts:
    """Everything a message is composed from, read by the worker at send time."""

    message: Notification
    registration: Registration
    event: Event  # with session_list and partner_list (catalogue.load_details)
    message_id: str
    now: datetime
    position: int | None = None
    invitation: str | None = None  # "REQUEST", "CANCEL" or None
    sequence: int | None = None  # the invitation's SEQUENCE (None: the event's revision)
    cancel_uids: tuple[str, ...] = ()  # what a CANCEL removes (sessions of any mode, or gone)
    template: str = ""  # the message's words, when not those of its purpose
    plan: CalendarPlan | None = None  # what the message does to the attendee's calendar
    broadcast: Broadcast | None = None
    session: Session | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def addressee(self) -> Registration:
        return self.registration


@dataclass
class AccountFacts:
    """A message to a console user: the row (its payload holds the link), read at send time."""

    message: Notification
    user: User  # with its organization fetched
    message_id: str
    now: datetime
    link: str
    valid_for: timedelta  # how long the link works from when it was issued (the row's birth)
    inviter: str = ""  # "name (email)", or one of them (inviter_text); empty: nobody named

    @property
    def addressee(self) -> User:
        return self.user


def inviter_text(inviter: object) -> str:
    """Who invited: "name (email)" from a payload's {"name", "email"}, one line at most."""
    if not isinstance(inviter, dict):
        return ""
    name = display_name(str(inviter.get("name") or ""))
    address = header_text(str(inviter.get("email") or ""), 254)
    return f"{name} ({address})" if name and address else name or address


# Messages about the attendee's place: each one brings their calendar up to date.
CALENDAR_PURPOSES = ("confirmed", "waitlisted", "promoted", "attendance_changed", "cancelled",
                     "event_changed", "event_cancelled")
# Of those, the ones that (re)send the attendee's sessions when they hold a place.
REQUEST_PURPOSES = ("confirmed", "promoted", "attendance_changed", "event_changed")
# The words of the separate message that removes sessions from a calendar (see CalendarPlan).
CALENDAR_REMOVED = "calendar_removed"


@dataclass(frozen=True)
class CalendarPlan:
    """What a message does to the attendee's calendar, decided when it is sent.

    `held` is what the calendar holds from kaigi (Registration.calendar_uids); `request`
    the UIDs sent again (the sessions of the attendee's mode, while they hold a confirmed
    place in an event that takes place); `cancel` what the calendar holds and should not.
    `sequence` is above every SEQUENCE the attendee got (RFC 5546 3.2.5: a CANCEL must
    outrank the REQUESTs before it), and never below the event's revision (the feeds').
    A REQUEST and a CANCEL are two iCalendar objects with a METHOD each, and mail clients
    act on one invitation per message: the CANCEL then goes first, in a message of its own.
    """

    held: tuple[str, ...]
    request: tuple[str, ...]
    cancel: tuple[str, ...]
    sequence: int

    @property
    def separate_cancel(self) -> bool:
        return bool(self.request and self.cancel)


def calendar_plan(purpose: str, registration: Registration, event: Event, host: str, *,
                  legacy_request: bool = False) -> CalendarPlan:
    """`legacy_request`: a REQUEST was sent before kaigi kept calendar_uids (the calendar
    then holds the sessions of the attendee's mode, at a SEQUENCE up to the revision)."""
    r = registration
    mode = [calendar.session_uid(s.id, host) for s in event.session_list
            if s.format in formats_for_mode(r.attendance)]
    held = tuple(r.calendar_uids or ())
    floor = r.calendar_sequence + 1
    if not held and r.calendar_sequence == 0 and legacy_request:
        held, floor = tuple(mode), event.revision + 1
    sequence = max(floor, event.revision)
    if purpose not in CALENDAR_PURPOSES:
        return CalendarPlan(held, (), (), sequence)
    takes_place = event.status != "cancelled"
    wanted = tuple(mode) if r.status == "confirmed" and takes_place else ()
    request = wanted if purpose in REQUEST_PURPOSES else ()
    cancel = tuple(uid for uid in held if uid not in wanted)
    return CalendarPlan(held, request, cancel, sequence)


class Composer:
    """Turns facts into an EmailMessage; one per worker, templates loaded once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sender = sender(settings)
        self.ticket_key = tickets.private_key(settings.secret_key, settings.ticket_key)
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"], default_for_string=False),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["paragraphs"] = paragraphs

    def render(self, purpose: str, lang: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """Subject, text and HTML: the purpose's template gives the subject and opening
        words, the layouts the rest."""
        module = self.env.get_template(f"{lang}/{purpose}.txt").make_module(context)
        subject = header_text(str(module.subject))  # type: ignore[attr-defined]
        context["intro"] = str(module).strip("\n")
        context["subject"] = subject
        return (subject, self.env.get_template("layout.txt").render(context),
                self.env.get_template("layout.html").render(context))

    def compose(self, facts: Facts | AccountFacts) -> Composed:
        if isinstance(facts, AccountFacts):
            return self.compose_account(facts)
        r, event = facts.registration, facts.event
        lang = r.locale if r.locale in LANGUAGES else DEFAULT_LANGUAGE
        context = self.context(facts, lang)
        subject, text, html = self.render(context["purpose"], lang, context)

        headers = self.headers(subject, display_name(r.name), recipient(r), facts)
        msg = headers.msg
        if facts.message.purpose == "broadcast":
            url = unsubscribe_url(self.settings, r.id)
            headers.plain("List-Unsubscribe", f"<{url}>")
            headers.plain("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
        msg.set_content(text, charset="utf-8")
        msg.add_alternative(html, subtype="html", charset="utf-8")
        if context["qr_cid"]:
            code = tickets.sign(self.ticket_key, event.id, r.id)
            html_part = list(msg.iter_parts())[1]  # [text, html]: the alternatives so far
            html_part.add_related(tickets.qr_png(code), "image", "png",
                                  cid=f"<{context['qr_cid']}>", disposition="inline",
                                  filename="ticket-qr.png")
        if ics := self.invitation(facts, lang):
            method = facts.invitation or ""
            # Bytes, not str: set_content(str) would turn the CRLFs into bare LFs.
            msg.add_alternative(ics, "text", "calendar", cte="base64",
                                params={"charset": "utf-8", "method": method})
            msg.add_attachment(ics, "application", "ics", filename="invite.ics")
        # Last: making a part multipart moves every Content-* header into its first child.
        headers.plain("Content-Language", lang)
        return headers.done()

    def headers(self, subject: str, name: str, address: str,
                facts: Facts | AccountFacts) -> Headers:
        """A new message's headers: the subject and the names as kaigi encodes them."""
        headers = Headers(Composed())
        headers.text("Subject", subject)
        headers.address("From", self.sender.display_name, self.sender.addr_spec)
        headers.address("To", name, address)
        headers.plain("Date", format_datetime(facts.now))
        headers.plain("Message-ID", facts.message_id)
        headers.plain("Auto-Submitted", "auto-generated")
        return headers

    def compose_account(self, facts: AccountFacts) -> Composed:
        """An invitation or a reset: the link and how long it works; nothing else attached."""
        user = facts.user
        lang = user.locale if user.locale in LANGUAGES else DEFAULT_LANGUAGE
        context = self.account_context(facts, lang)
        subject, text, html = self.render(facts.message.purpose, lang, context)

        headers = self.headers(subject, display_name(user.name), recipient(user), facts)
        msg = headers.msg
        msg.set_content(text, charset="utf-8")
        msg.add_alternative(html, subtype="html", charset="utf-8")
        headers.plain("Content-Language", lang)
        return headers.done()

    def account_context(self, facts: AccountFacts, lang: str) -> dict[str, Any]:
        user, purpose = facts.user, facts.message.purpose
        organization = user.organization
        tz = ZoneInfo(self.settings.default_timezone)
        until = (facts.message.created_at + facts.valid_for).astimezone(tz)
        site = translate("site_name", lang)
        return {
            "lang": lang, "t": lambda key, **v: translate(key, lang, **v), "purpose": purpose,
            "name": display_name(user.name) or user.email,
            "email": user.email,
            # The line above the greeting in HTML: what the account is for.
            "title": site, "site_name": site,
            "organization": display_name(pick(organization.name_ja, organization.name_en,
                                              lang)) if organization else "",
            "inviter": facts.inviter,
            "link_url": facts.link,
            "link_label": translate(f"mail_link_{ACCOUNT_LINKS[purpose]}", lang),
            "link_hours": int(facts.valid_for.total_seconds() // 3600),
            "link_until": f"{day(until, tz, lang)} {until:%H:%M} {tz.key}",
        }

    def invitation(self, facts: Facts, lang: str) -> bytes | None:
        r, event = facts.registration, facts.event
        if not facts.invitation:
            return None
        common: dict[str, Any] = {
            "organizer": self.sender.addr_spec, "attendee": recipient(r),
            "attendee_name": display_name(r.name), "base_url": self.settings.base_url,
            "lang": lang, "changed_at": max(facts.message.created_at, r.updated_at),
            "sequence": facts.sequence}
        if facts.invitation == "CANCEL":
            # Never a stream link: what is cancelled is over for this attendee.
            return calendar.build_invitation(event, r.attendance, "", method="CANCEL",
                                             uids=facts.cancel_uids or None, **common)
        if not any(s.format in formats_for_mode(r.attendance) for s in event.session_list):
            return None
        # The stream link reaches confirmed online attendees of an event that takes place,
        # and nobody else: not a cancellation, not the waiting list, not a postponed event.
        entitled = (r.status == "confirmed" and r.attendance == "online"
                    and event.status not in ("cancelled", "postponed"))
        return calendar.build_invitation(
            event, r.attendance, event.stream_url if entitled else "", method="REQUEST",
            **common)

    def context(self, facts: Facts, lang: str) -> dict[str, Any]:
        r, event = facts.registration, facts.event
        purpose = facts.template or facts.message.purpose
        base = self.settings.base_url
        tz = ZoneInfo(event.timezone)
        title = pick(event.title_ja, event.title_en, lang)
        active = r.status != "cancelled"
        mode_formats = formats_for_mode(r.attendance)
        sessions = [{
            "title": pick(s.title_ja, s.title_en, lang),
            "when": span(s.starts_at, s.ends_at, tz, lang),
            "format": translate(f"format_{s.format}", lang),
            "venue": _venue(event, s) if r.attendance == "venue" else "",
        } for s in event.session_list
            if s.format in mode_formats]
        confirmed = r.status == "confirmed" and event.status not in ("cancelled", "postponed")
        online = r.attendance == "online" and confirmed
        context: dict[str, Any] = {
            "lang": lang, "t": lambda key, **v: translate(key, lang, **v), "purpose": purpose,
            "name": display_name(r.name), "affiliation": r.affiliation,
            "title": title, "event_status": event.status,
            # Only an event offering both ways to attend lets the attendee switch.
            "can_switch": len(modes_for_formats(
                f for f in event.formats.strip(",").split(",") if f)) > 1,
            "event_url": f"{base}/events/{event.slug}?lang={lang}",
            "ticket_url": f"{base}/tickets/{r.token}?lang={lang}" if active else "",
            "confirm_url": f"{base}/tickets/{r.token}/confirm?lang={lang}",  # confirm_email
            "ticket_number": r.id,
            "status": translate(f"registration_status_{r.status}", lang),
            "registration_status": r.status,
            "attendance": translate(f"attendance_{r.attendance}", lang),
            "attendance_mode": r.attendance,
            "position": facts.position, "sessions": sessions,
            "timezone": event.timezone,
            "show_details": purpose not in ("cancelled", "event_cancelled", "broadcast",
                                            CALENDAR_REMOVED),
            "stream_url": event.stream_url if online and event.stream_url else "",
            "qr_cid": "", "has_invitation": bool(facts.invitation),
            "invitation_method": facts.invitation or "",
            "session_title": "", "session_when": "",
            "broadcast_body": "", "unsubscribe_url": "", "subject_text": "",
            "link_url": "",
            # Who cancelled (the cancelled message words an organizer's cancellation apart).
            "cancelled_by": r.cancelled_by, "cancel_reason": r.cancel_reason,
            "removed": removed_sessions(event, facts.cancel_uids, self.settings.host, lang)
            if purpose == CALENDAR_REMOVED else [],
            "changes": change_lines(facts.message.payload, r.attendance, tz, lang)
            if purpose == "event_changed" else [],
        }
        if purpose in QR_PURPOSES and confirmed and r.attendance == "venue":
            context["qr_cid"] = make_msgid("ticket-qr", domain=self.settings.host)[1:-1]
        if facts.session is not None:
            s = facts.session
            context["session_title"] = pick(s.title_ja, s.title_en, lang) or title
            context["session_when"] = span(s.starts_at, s.ends_at, tz, lang)
        if facts.broadcast is not None:
            b = facts.broadcast
            context["subject_text"] = pick(b.subject_ja, b.subject_en, lang)
            context["broadcast_body"] = pick(b.body_ja, b.body_en, lang)
            context["unsubscribe_url"] = unsubscribe_url(self.settings, r.id)
        return context


def removed_sessions(event: Event, uids: tuple[str, ...], host: str, lang: str) -> list[str]:
    """The sessions a calendar cancellation removes, one line each, as the attendee knew them."""
    tz = ZoneInfo(event.timezone)
    wanted = set(uids)
    lines = []
    for s in event.session_list:
        if calendar.session_uid(s.id, host) in wanted:
            wanted.discard(calendar.session_uid(s.id, host))
            title = pick(s.title_ja, s.title_en, lang)
            lines.append(span(s.starts_at, s.ends_at, tz, lang) + (f"  {title}" if title else ""))
    lines += [translate("mail_removed_gone", lang)] * len(wanted)
    return lines


def change_lines(payload: object, mode: str, tz: ZoneInfo, lang: str) -> list[str]:
    """What an event change altered for this attendee, old → new, from the summary
    outbox.queue_event_change put in the message (the sessions of their mode only; the
    place only for those at the venue)."""
    changes = payload.get("changes") if isinstance(payload, dict) else None
    if not isinstance(changes, dict):
        return []

    def t(key: str, **values: str) -> str:
        return translate(key, lang, **values)

    lines = []
    status = changes.get("status")
    if isinstance(status, list) and len(status) == 2:
        old, new = (t(f"event_status_{v}") for v in status)
        lines.append(t("mail_change_status", old=old, new=new))
    formats = formats_for_mode(mode)
    for pair in changes.get("sessions") or []:
        before, after = (x if isinstance(x, dict) and x.get("format") in formats else None
                         for x in pair)
        if before is None and after is None:
            continue
        named = after or before
        assert named is not None
        title = pick(str(named.get("title_ja", "")), str(named.get("title_en", "")), lang)
        prefix = f"{title}: " if title else ""
        if before is None or after is None:
            key = "mail_change_added" if before is None else "mail_change_removed"
            lines.append(prefix + t(key, when=_span_of(named, tz, lang)))
            continue
        if (before["starts_at"], before["ends_at"]) != (after["starts_at"], after["ends_at"]):
            lines.append(prefix + t("mail_change_time", old=_span_of(before, tz, lang),
                                    new=_span_of(after, tz, lang)))
        if mode == "venue" and before.get("place") != after.get("place"):
            none = t("mail_change_unset")
            lines.append(prefix + t("mail_change_place", old=before.get("place") or none,
                                    new=after.get("place") or none))
    return lines


def change_concerns(payload: object, mode: str) -> bool:
    """Whether an event change is news to someone attending by `mode`: without a summary
    (an older message, a change of time zone), it is."""
    changes = payload.get("changes") if isinstance(payload, dict) else None
    if not changes:
        return True
    return bool(change_lines(payload, mode, ZoneInfo("UTC"), DEFAULT_LANGUAGE))


def _span_of(snapshot: dict[str, Any], tz: ZoneInfo, lang: str) -> str:
    return span(datetime.fromisoformat(snapshot["starts_at"]),
                datetime.fromisoformat(snapshot["ends_at"]), tz, lang)


def recipient(addressee: Registration | User) -> str:
    """The address, checked again here: registration (or the console) validated it, but
    mail must not depend on that alone."""
    address = addressee.email.strip()
    if not deliverable(address):
        raise InvalidRecipient(f"not a deliverable address: {address!r}")
    if "=?" in address:  # RFC 2047 has no encoded words in an address; parsers decode them
        raise InvalidRecipient(f"not a deliverable address (an encoded word): {address!r}")
    return address


class InvalidRecipient(ValueError):
    """A permanent failure found before any SMTP exchange."""


def paragraphs(text: str) -> Markup:
    """Plain text as HTML paragraphs: escaped, blank lines split, line breaks kept."""
    blocks = [b for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line)
                                                          for line in b.strip().split("\n")))
        for b in blocks)


def _venue(event: Event, s: Session) -> str:
    if not serves_venue(s.format):
        return ""
    name = s.venue_name or event.venue_name
    address = s.venue_address or event.venue_address
    return ", ".join(p for p in (name, address) if p)
