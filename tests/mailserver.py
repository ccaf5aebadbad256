"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the mail tests, with faults on demand.

Every message is kept as received (envelope and bytes) and parsed back with Python's
email package. Faults: refuse a recipient with a reply of our choosing, answer the next
N transactions with a temporary error, slow every DATA down, or stop listening.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.conftest import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> reply
    temporary: list[str] = field(default_factory=list)  # replies to the next transactions
    temporary_at: str = "RCPT"  # or "MAIL", "DATA"
    delay: float = 0.0
    hold: threading.Event | None = None  # while set and not released, MAIL waits
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _fault(self, stage: str) -> str | None:
        with self.lock:
            if self.temporary and self.temporary_at == stage:
                return self.temporary.pop(0)
        return None

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        if self.hold is not None:
            await asyncio.to_thread(self.hold.wait, 30)
        if reply := self._fault("MAIL"):
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        if reply := self._fault("RCPT"):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if reply := self._fault("DATA"):
            return reply
        content = envelope.original_content or envelope.content or b""
        with self.lock:
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos),
                                          bytes(content)))  # type: ignore[arg-type]
        return "250 2.0.0 queued"


class MailServer:
    """aiosmtpd in its own thread; `stop()` and `start()` keep the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Handler()
        self.controller: Controller | None = None
        self.connections = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        server = self

        class CountingController(Controller):
            def factory(self) -> SMTP:
                server.connections += 1
                return SMTP(self.handler, hostname="mail.test", ident="kaigi tests")

        self.controller = CountingController(self.handler, hostname="127.0.0.1",
                                             port=self.port)
        self.controller.start()
        self.connections = 0  # the controller's own readiness probe does not count

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def by_message_id(self) -> Counter[str]:
        return Counter(r.message_id for r in self.received)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.received
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.received)}")
