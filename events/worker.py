"""The mail worker: claim due messages, compose them, deliver them, settle them.

Delivery is at least once: a worker killed between the SMTP server's "250 OK" and the
UPDATE that records it leaves a message that another worker sends again after the
lease runs out, under the same Message-ID, so the repeat is recognisable. Everything
else is exactly once: a claim gives a message to one worker only, and a settling
UPDATE only succeeds for the worker holding the lease.

Failures: a 4xx reply, a refused connection or a timeout is temporary (retried with
exponential backoff and jitter); a 5xx reply about the message or its recipient is
permanent (the message is failed, its reason kept, and an organizer may retry it).

Before a message leaves it is serialized as it is sent and parsed back (mail.wire,
mail.verify): headers, parts or values other than those composed, and it is refused,
failed with the reason, and never retried. The SMTP transport sends exactly those bytes.

Mail to a console user (an invitation, a password reset) takes the same path; it is
skipped when the account was disabled, or when its link expired or was replaced by a
later one before delivery.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from events import catalogue, db, holds, idempotency, limits, mail, outbox, privacy
from events.accounts import LINK_VALID
from events.config import TRUE_WORDS, Settings
from events.local_state import write_private
from events.models import Event, Notification, Session, User
from events.registration import waitlist_position

log = logging.getLogger("kaigi.worker")

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Deferred:
    """Not now: due again at `until` (the mail cap), the attempt not counted."""

    until: datetime
    reason: str


@dataclass(frozen=True)
class Outgoing:
    """One message of a delivery, and the attendee's calendar once it has left:
    (SEQUENCE, UIDs held), or None when it does not touch the calendar."""

    email: mail.Composed
    calendar: tuple[int, list[str]] | None


# ---- transports --------------------------------------------------------------------------------

@dataclass
class Failure(Exception):
    """Why a delivery did not happen; `permanent` stops retrying."""

    reason: str
    permanent: bool = False

    def __str__(self) -> str:
        return self.reason


class Transport(Protocol):
    async def send(self, message: EmailMessage, sender: str, recipient: str) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    hostname: str
    port: int
    use_tls: bool
    start_tls: bool | None  # None: STARTTLS when the server offers it
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """smtp://user:password@host:port?starttls=1, or smtps:// for TLS from the start."""
        parts = urlsplit(url)
        use_tls = parts.scheme == "smtps"
        start_tls: bool | None = None
        if values := parse_qs(parts.query).get("starttls"):
            start_tls = values[-1].lower() in TRUE_WORDS
        if use_tls:
            start_tls = False
        port = parts.port or (465 if use_tls else 587 if start_tls else 25)
        return cls(hostname=parts.hostname or "localhost", port=port, use_tls=use_tls,
                   start_tls=start_tls,
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None)


class SmtpTransport:
    """One connection, opened on first use and reused for every message after it."""

    IDLE_CHECK = 30.0  # seconds: a connection idle this long is checked with NOOP
    # Connecting and sending each take at most `timeout`: with the default lease of two
    # minutes, renewed when half of it is left, a slow server never outlasts a lease.

    def __init__(self, config: SmtpConfig, *, timeout: float = 20.0) -> None:
        self.config = config
        self.timeout = timeout
        self.client: aiosmtplib.SMTP | None = None
        self.last_used = 0.0
        self.connections = 0

    async def _connected(self) -> aiosmtplib.SMTP:
        client = self.client
        if client is not None and client.is_connected:
            if time.monotonic() - self.last_used < self.IDLE_CHECK:
                return client
            try:
                await client.noop()
                return client
            except (aiosmtplib.SMTPException, OSError):
                await self.close()
        c = self.config
        client = aiosmtplib.SMTP(hostname=c.hostname, port=c.port, use_tls=c.use_tls,
                                 start_tls=c.start_tls, username=c.username,
                                 password=c.password, timeout=self.timeout)
        await client.connect()
        self.client = client
        self.connections += 1
        return client

    async def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        try:
            client = await self._connected()
            if client.is_ehlo_or_helo_needed:
                try:
                    await client.ehlo()
                except aiosmtplib.SMTPHeloError:
                    await client.helo()
            utf8 = mail.needs_utf8(message) or not (sender + recipient).isascii()
            eight_bit = client.supports_extension("8bitmime")
            # Exactly the bytes that were read back and checked (mail.verify).
            data = mail.wire(message, eight_bit=eight_bit, utf8=utf8)
            options = (["SMTPUTF8"] if utf8 else []) + (["BODY=8BITMIME"] if eight_bit else [])
            await client.sendmail(sender, [recipient], data, mail_options=options)
        except Exception as exc:
            failure = classify(exc)
            if not isinstance(exc, aiosmtplib.SMTPRecipientsRefused | aiosmtplib.SMTPDataError
                              | mail.Unsafe) or getattr(exc, "code", 0) == 421:
                await self.close()  # the connection's state is unknown: start afresh
            raise failure from exc
        self.last_used = time.monotonic()

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is None or not client.is_connected:
            return
        try:
            await asyncio.wait_for(client.quit(), 5)
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()


def classify(exc: BaseException) -> Failure:
    """4xx, refused connections and timeouts are temporary; a 5xx about the message is not."""
    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = exc.recipients[0]
        return Failure(f"{refused.code} {refused.message} (recipient {refused.recipient})",
                       permanent=500 <= refused.code < 600)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError | aiosmtplib.SMTPConnectError
                  | aiosmtplib.SMTPHeloError):
        # The server or our settings, not this message: keep it for when they are fixed.
        return Failure(f"{type(exc).__name__}: {exc}", permanent=False)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return Failure(f"{exc.code} {exc.message}", permanent=500 <= exc.code < 600)
    if isinstance(exc, aiosmtplib.SMTPNotSupported | mail.InvalidRecipient):
        return Failure(f"{type(exc).__name__}: {exc}", permanent=True)
    if isinstance(exc, mail.Unsafe):  # the message itself: sending it again changes nothing
        return Failure(str(exc), permanent=True)
    return Failure(f"{type(exc).__name__}: {exc}".rstrip(": "), permanent=False)


class FileTransport:
    """Without an SMTP server: each message becomes an .eml file a mail client opens.

    Named after the Message-ID, so delivering the same message again rewrites one file.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        name = str(message["Message-ID"]).strip("<>").split("@")[0]
        data = mail.wire(message)  # what would be sent, checked (mail.verify)
        await asyncio.to_thread(self._write, f"{name}.eml", data)

    def _write(self, name: str, data: bytes) -> None:
        write_private(self.directory / name, data)  # 0600: a message is personal data

    async def close(self) -> None:
        return None


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(SmtpConfig.from_url(settings.smtp_url))
    return FileTransport(settings.var_dir / "outbox")


# ---- the worker ----------------------------------------------------------------------------------

def worker_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    """Delivers the outbox until asked to stop. Several may run at once, anywhere."""

    def __init__(self, settings: Settings, *, transport: Transport | None = None,
                 name: str | None = None, batch: int = 20,
                 lease: timedelta = timedelta(minutes=2), poll: float = 1.0,
                 backoff: outbox.Backoff | None = None, reminder_every: float = 60.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.settings = settings
        self.transport = transport or transport_for(settings)
        self.name = name or worker_name()
        self.batch = batch
        self.lease = lease
        self.poll = poll
        self.backoff = backoff or outbox.Backoff()
        self.reminder_every = reminder_every
        self.clock = clock
        self.composer = mail.Composer(settings)
        self.sender = self.composer.sender.addr_spec
        # "deferred" (held back by the mail cap) appears once a message was.
        self.stats = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
        self._next_reminders = 0.0

    async def run(self, stop: asyncio.Event | None = None, *, once: bool = False) -> None:
        """Until `stop` is set (SIGTERM), or with `once` until nothing is due."""
        stop = stop or asyncio.Event()
        try:
            while not stop.is_set():
                try:
                    await self.queue_reminders()
                    await holds.expire_holds(self.clock())  # unconfirmed seats run out
                    handled = await self.tick(stop)
                except Exception:  # the database or a bug: log, wait, carry on
                    log.exception("worker %s: batch failed", self.name)
                    handled = 0
                    if once:
                        raise
                if once and not handled:
                    return
                if not handled:
                    try:
                        await asyncio.wait_for(stop.wait(), self.poll)
                    except TimeoutError:
                        pass
        finally:
            await self.transport.close()

    async def queue_reminders(self) -> None:
        if time.monotonic() < self._next_reminders:
            return
        self._next_reminders = time.monotonic() + self.reminder_every
        queued = await outbox.queue_reminders(self.clock(), self.settings.reminder_lead)
        if queued:
            log.info("queued %d reminders", queued)
        await privacy.purge_due(self.clock(), self.settings)  # retention, same cadence
        # Rate counters and idempotent replies past their time (Redis expires its own).
        await limits.forget_expired(self.clock())
        await idempotency.forget_expired(self.clock())

    async def tick(self, stop: asyncio.Event | None = None) -> int:
        """Claim one batch and deliver it; returns how many messages were claimed."""
        now = self.clock()
        ids = await outbox.claim(self.name, now, limit=self.batch, lease=self.lease)
        remaining = list(ids)
        lease_ends = now + self.lease
        try:
            events: dict[int, Event] = {}
            while remaining and not (stop and stop.is_set()):
                now = self.clock()
                if lease_ends - now < self.lease / 2:
                    lease_ends = now + self.lease
                    await outbox.extend(remaining, self.name, lease_ends)
                await self.deliver(remaining[0], events)
                remaining.pop(0)
        finally:
            if remaining:  # asked to stop: hand back what was never tried
                await outbox.release(remaining, self.name, self.clock())
        return len(ids)

    async def deliver(self, message_id: int, events: dict[int, Event]) -> None:
        message = await Notification.get(id=message_id).prefetch_related(
            "registration", "broadcast", "user")
        now = self.clock()
        facts = await self.facts(message, events, now)
        if isinstance(facts, str):
            await outbox.mark_skipped(message.id, self.name, facts)
            self.stats["skipped"] += 1
            log.info("skipped #%d %s: %s", message.id, message.purpose, facts)
            return
        if isinstance(facts, Deferred):
            await outbox.defer(message.id, self.name, facts.until, facts.reason)
            self.stats["deferred"] = self.stats.get("deferred", 0) + 1
            log.info("deferred #%d %s to %s: %s", message.id, message.purpose,
                     facts.until.isoformat(), facts.reason)
            return
        try:
            recipient = mail.recipient(facts.addressee)
            outgoing = self.outgoing(facts)
        except mail.InvalidRecipient as exc:
            await self.settle_failure(message, classify(exc), now)
            return
        except Exception as exc:  # a template or data bug: visible to organizers, retryable
            log.exception("composing #%d failed", message.id)
            await self.settle_failure(message, Failure(
                f"could not compose: {type(exc).__name__}: {exc}", permanent=True), now)
            return
        try:
            # Serialized as it is sent and read back: headers or parts other than those
            # composed (a name that became a header) and it never leaves, nor is retried.
            for out in outgoing:
                mail.wire(out.email)
        except mail.Unsafe as exc:
            log.error("refused #%d %s: %s", message.id, message.purpose, exc)
            await self.settle_failure(message, classify(exc), now)
            return
        for out in outgoing:
            try:
                await self.transport.send(out.email, self.sender, recipient)
            except Exception as exc:
                await self.settle_failure(message, classify(exc), now)
                return
            if out.calendar is not None and isinstance(facts, mail.Facts):
                # What left is what the calendar holds: a retry decides from there.
                await outbox.record_calendar(facts.registration.id, *out.calendar)
        if await outbox.mark_sent(message.id, self.name, self.clock()):
            self.stats["sent"] += 1
            log.info("sent #%d %s %s", message.id, message.purpose, facts.message_id)
        else:
            log.warning("sent #%d, but its lease had passed to another worker", message.id)

    def outgoing(self, facts: mail.Facts | mail.AccountFacts) -> list[Outgoing]:
        """The message, preceded by a calendar cancellation of its own when sessions leave
        the attendee's calendar while others are sent to it (one METHOD per message)."""
        if isinstance(facts, mail.AccountFacts) or facts.plan is None:
            return [Outgoing(self.composer.compose(facts), None)]
        plan, found = facts.plan, []
        kept = [uid for uid in plan.held if uid not in plan.cancel]
        if plan.separate_cancel:
            local, _, domain = facts.message_id.strip("<>").rpartition("@")
            removal = replace(facts, template=mail.CALENDAR_REMOVED, invitation="CANCEL",
                              cancel_uids=plan.cancel, sequence=plan.sequence,
                              message_id=f"<{local}.calendar@{domain}>")
            found.append(Outgoing(self.composer.compose(removal), (plan.sequence, kept)))
        sequence = facts.sequence if facts.sequence is not None else plan.sequence
        held = list(plan.request) if plan.request else kept
        found.append(Outgoing(self.composer.compose(facts), (sequence, held)))
        return found

    async def settle_failure(self, message: Notification, failure: Failure,
                             now: datetime) -> None:
        if failure.permanent or message.attempts >= self.backoff.max_attempts:
            reason = failure.reason if failure.permanent else (
                f"gave up after {message.attempts} attempts: {failure.reason}")
            await outbox.mark_failed(message.id, self.name, reason)
            self.stats["failed"] += 1
            log.warning("failed #%d %s: %s", message.id, message.purpose, reason)
        else:
            at = now + self.backoff.delay(message.attempts)
            await outbox.mark_retry(message.id, self.name, at, failure.reason)
            self.stats["retry"] += 1
            log.info("retry #%d at %s: %s", message.id, at.isoformat(), failure.reason)

    async def facts(self, message: Notification, events: dict[int, Event],
                    now: datetime) -> mail.Facts | mail.AccountFacts | str | Deferred:
        """What the message is made of, or why it should not be sent any more."""
        if message.user is not None:
            return await self.account_facts(message, message.user, now)
        r = message.registration
        if r is None:
            return "addressed to nobody: neither a registration nor a user"
        event = events.get(r.event_id)
        if event is None:
            event = await Event.get(id=r.event_id).prefetch_related(
                "series", "owner")
            await catalogue.load_details([event])
            events[event.id] = event
        r.event = event
        if reason := await stale_reason(message, event, now):
            return reason
        session = None
        if message.purpose == "reminder":
            session = await Session.get_or_none(id=message.revision, event_id=event.id)
            if session is None or session.starts_at <= now:
                return "the session was removed or has started"
        if (capped := await self.mail_cap(message, r.id, now)) is not None:
            return capped
        plan = None
        if message.purpose in mail.CALENDAR_PURPOSES:
            legacy = not r.calendar_uids and r.calendar_sequence == 0 and await (
                Notification.filter(registration_id=r.id, purpose__in=mail.REQUEST_PURPOSES,
                                    status="sent", id__lt=message.id).exists())
            plan = mail.calendar_plan(message.purpose, r, event, self.settings.host,
                                      legacy_request=legacy)
        invitation: str | None = None
        sequence: int | None = None
        cancel_uids: tuple[str, ...] = ()
        if plan is not None and plan.request:
            invitation, sequence = "REQUEST", plan.sequence + int(plan.separate_cancel)
        elif plan is not None and plan.cancel:
            invitation, sequence, cancel_uids = "CANCEL", plan.sequence, plan.cancel
        elif plan is not None:
            sequence = plan.sequence
        return mail.Facts(
            message=message, registration=r, event=event,
            message_id=await self.message_id(message), now=now,
            position=await waitlist_position(r), invitation=invitation, sequence=sequence,
            cancel_uids=cancel_uids, plan=plan, broadcast=message.broadcast, session=session)

    async def mail_cap(self, message: Notification, registration_id: int,
                       now: datetime) -> str | Deferred | None:
        """At most `mail_per_registration_hour` mails about one registration in any hour.

        Over it, a message the attendee causes (their registration's state) is skipped when
        a later one about the registration waits (that one says what is true then), and
        the latest is deferred until the hour has room: never lost, only later.
        """
        if message.purpose not in outbox.REGISTRATION_PURPOSES:
            return None
        cap = self.settings.mail_per_registration_hour
        recent: list[datetime] = await db.column(Notification.filter(
            registration_id=registration_id, status="sent", sent_at__gt=now - HOUR,
        ).order_by("-sent_at").limit(cap), "sent_at")
        if len(recent) < cap:
            return None
        later = await Notification.filter(
            registration_id=registration_id, purpose__in=outbox.REGISTRATION_PURPOSES,
            id__gt=message.id, status__in=("pending", "sending")).order_by("-id").first()
        if later is not None:
            return (f"{cap} mails about this registration in the last hour: a later one "
                    f"(#{later.id} {later.purpose}) says what is true then")
        return Deferred(recent[-1] + HOUR, f"{cap} mails about this registration in the "
                                           "last hour: the latest state goes out when the "
                                           "hour has room")

    async def account_facts(self, message: Notification, user: User,
                            now: datetime) -> mail.AccountFacts | str:
        """An invitation or a reset: its link from the payload, while it still works."""
        if reason := await account_stale_reason(message, user, now):
            return reason
        await user.fetch_related("organization")
        kind = mail.ACCOUNT_LINKS[message.purpose]
        return mail.AccountFacts(
            message=message, user=user, message_id=await self.message_id(message), now=now,
            link=str(message.payload["link"]), valid_for=LINK_VALID[kind],
            inviter=mail.inviter_text(message.payload.get("inviter")))

    async def message_id(self, message: Notification) -> str:
        """The first attempt names the message; every later one reuses the name."""
        return message.message_id or await outbox.set_message_id(
            message.id, f"<{message.id:08d}.{message.purpose}.{secrets.token_hex(6)}"
                        f"@{self.settings.host}>")


# Messages about taking part that make no sense once the event is called off.
OVERTAKEN_BY_CANCELLATION = ("confirmed", "waitlisted", "promoted", "attendance_changed",
                             "reminder", "event_changed")


async def stale_reason(message: Notification, event: Event, now: datetime) -> str | None:
    """A message overtaken by events: said otherwise since, or about nothing any more."""
    r, purpose = message.registration, message.purpose
    if r is None:
        return "not about a registration"
    if purpose != "cancelled" and r.status == "cancelled":
        return "the registration was cancelled before delivery"
    if purpose == "cancelled" and r.status != "cancelled":
        return "the attendee registered again before delivery"
    if purpose == "waitlisted" and r.status == "confirmed":
        return "promoted before delivery (the promotion message follows)"
    if purpose == "attendance_changed" and await Notification.filter(
            registration_id=r.id, purpose="attendance_changed", id__gt=message.id,
            status__in=("pending", "sending")).exists():
        return "superseded by a later change of attendance (it says what is true then)"
    if purpose in OVERTAKEN_BY_CANCELLATION and event.status == "cancelled":
        # Never a REQUEST for a cancelled event: its cancellation message says what is true.
        return "the event was cancelled before delivery (its cancellation message says so)"
    if purpose != "broadcast" and event.ends_at is not None and event.ends_at < now:
        return "the event is over"
    if purpose == "reminder" and (r.status != "confirmed"
                                  or event.status not in ("scheduled", "tentative")):
        return "no longer relevant: not confirmed, or the event is not going ahead"
    if purpose == "broadcast" and r.unsubscribed_at is not None:
        return "the attendee unsubscribed from announcements"
    if purpose in ("event_changed", "event_cancelled") and await Notification.filter(
            registration_id=r.id, purpose__in=("event_changed", "event_cancelled"),
            revision__gt=message.revision).exists():
        return "superseded by a later change of the event"
    if purpose == "event_changed" and not mail.change_concerns(message.payload, r.attendance):
        return "the change does not concern the attendee's way of attending"
    return None


async def account_stale_reason(message: Notification, user: User, now: datetime) -> str | None:
    """Mail to a console user that must not go out any more (its link would not work)."""
    kind = mail.ACCOUNT_LINKS.get(message.purpose)
    if kind is None:
        return f"not a purpose of mail to a console user: {message.purpose}"
    if user.disabled_at is not None:
        return "the account is disabled"
    link = message.payload.get("link") if isinstance(message.payload, dict) else None
    if not isinstance(link, str) or not link:
        return "the link is gone (the payload was emptied)"
    if message.created_at + LINK_VALID[kind] <= now:
        return "the link expired before delivery"
    # issue_link lapses the earlier links of a purpose: only the latest one works.
    if await Notification.filter(user_id=user.id, purpose=message.purpose,
                                 id__gt=message.id).exists():
        return "superseded by a later link"
    return None
