"""Compose the messages kaigi sends, from templates/email, in the attendee's language.

Every message has a text and an HTML alternative, a Date, a stable Message-ID and an
RFC 2047 subject. Text that ends up in a header (names, titles, an organizer's subject)
passes `header_text` first: a control character becomes a space, so no value can start
a header of its own, whatever validation let through. Confirmations carry the ticket QR
as an inline image and a calendar invitation (iTIP, RFC 6047):

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
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
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


def header_text(value: str, limit: int = SUBJECT_MAX) -> str:
    """One line, no control characters: CR, LF or NUL can never start a header."""
    return " ".join(CONTROL.sub(" ", value).split())[:limit]


def display_name(value: str) -> str:
    """A name for To: or CN=: one line, and no quotes (they would end a quoted CN)."""
    return header_text(value.replace('"', "'"), 200)


def sender(settings: Settings) -> Address:
    name, address = parseaddr(settings.mail_from)
    local, _, domain = address.rpartition("@")
    return Address(display_name=header_text(name), username=local, domain=domain)


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


def invitation_method(purpose: str, registration: Registration, had_request: bool
                      ) -> str | None:
    """Which iTIP method a message carries, from what is true when it is sent."""
    confirmed = registration.status == "confirmed"
    if purpose in ("confirmed", "promoted", "event_changed"):
        return "REQUEST" if confirmed else None
    if purpose == "attendance_changed":
        return "REQUEST" if confirmed else ("CANCEL" if had_request else None)
    if purpose == "event_cancelled":
        return "CANCEL" if confirmed else None
    if purpose == "cancelled":
        return "CANCEL" if had_request else None
    return None


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

    def compose(self, facts: Facts | AccountFacts) -> EmailMessage:
        if isinstance(facts, AccountFacts):
            return self.compose_account(facts)
        r, event = facts.registration, facts.event
        lang = r.locale if r.locale in LANGUAGES else DEFAULT_LANGUAGE
        context = self.context(facts, lang)
        module = self.env.get_template(f"{lang}/{facts.message.purpose}.txt").make_module(
            context)
        subject = header_text(str(module.subject))  # type: ignore[attr-defined]
        context["intro"] = str(module).strip("\n")
        context["subject"] = subject
        text = self.env.get_template("layout.txt").render(context)
        html = self.env.get_template("layout.html").render(context)

        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = self.sender
        msg["To"] = Address(display_name=display_name(r.name), addr_spec=recipient(r))
        msg["Date"] = format_datetime(facts.now)
        msg["Message-ID"] = facts.message_id
        msg["Auto-Submitted"] = "auto-generated"
        if facts.message.purpose == "broadcast":
            url = unsubscribe_url(self.settings, r.id)
            msg["List-Unsubscribe"] = f"<{url}>"
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
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
        msg["Content-Language"] = lang
        return msg

    def compose_account(self, facts: AccountFacts) -> EmailMessage:
        """An invitation or a reset: the link and how long it works; nothing else attached."""
        user = facts.user
        lang = user.locale if user.locale in LANGUAGES else DEFAULT_LANGUAGE
        context = self.account_context(facts, lang)
        module = self.env.get_template(f"{lang}/{facts.message.purpose}.txt").make_module(
            context)
        subject = header_text(str(module.subject))  # type: ignore[attr-defined]
        context["intro"] = str(module).strip("\n")
        context["subject"] = subject
        text = self.env.get_template("layout.txt").render(context)
        html = self.env.get_template("layout.html").render(context)

        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = self.sender
        msg["To"] = Address(display_name=display_name(user.name), addr_spec=recipient(user))
        msg["Date"] = format_datetime(facts.now)
        msg["Message-ID"] = facts.message_id
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(text, charset="utf-8")
        msg.add_alternative(html, subtype="html", charset="utf-8")
        msg["Content-Language"] = lang
        return msg

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
        mode_sessions = [s for s in event.session_list
                         if s.format in formats_for_mode(r.attendance)]
        if not facts.invitation or not mode_sessions:
            return None
        return calendar.build_invitation(
            event, r.attendance, event.stream_url, method=facts.invitation,
            organizer=self.sender.addr_spec, attendee=recipient(r),
            attendee_name=display_name(r.name), base_url=self.settings.base_url, lang=lang,
            changed_at=max(facts.message.created_at, r.updated_at))

    def context(self, facts: Facts, lang: str) -> dict[str, Any]:
        r, event, purpose = facts.registration, facts.event, facts.message.purpose
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
        confirmed = r.status == "confirmed" and event.status != "cancelled"
        online = r.attendance == "online" and confirmed
        context: dict[str, Any] = {
            "lang": lang, "t": lambda key, **v: translate(key, lang, **v), "purpose": purpose,
            "name": display_name(r.name), "affiliation": r.affiliation,
            "title": title, "event_status": event.status,
            "event_url": f"{base}/events/{event.slug}?lang={lang}",
            "ticket_url": f"{base}/tickets/{r.token}?lang={lang}" if active else "",
            "ticket_number": r.id,
            "status": translate(f"registration_status_{r.status}", lang),
            "registration_status": r.status,
            "attendance": translate(f"attendance_{r.attendance}", lang),
            "attendance_mode": r.attendance,
            "position": facts.position, "sessions": sessions,
            "timezone": event.timezone,
            "show_details": purpose not in ("cancelled", "event_cancelled", "broadcast"),
            "stream_url": event.stream_url if online and event.stream_url else "",
            "qr_cid": "", "has_invitation": bool(facts.invitation),
            "session_title": "", "session_when": "",
            "broadcast_body": "", "unsubscribe_url": "", "subject_text": "",
            "link_url": "",
            # Who cancelled (the cancelled message words an organizer's cancellation apart).
            "cancelled_by": r.cancelled_by, "cancel_reason": r.cancel_reason,
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


def recipient(addressee: Registration | User) -> str:
    """The address, checked again here: registration (or the console) validated it, but
    mail must not depend on that alone."""
    address = addressee.email.strip()
    if not deliverable(address):
        raise InvalidRecipient(f"not a deliverable address: {address!r}")
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
