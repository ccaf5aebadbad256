"""Organizer broadcasts: a subject and a body to part of an event's audience.

An organizer first asks for a dry run (how many people, and the message as each
language will read it), then sends. Sending writes the broadcast and one outbox row per
recipient in one transaction; the worker delivers them like every other message, with
a List-Unsubscribe link that stops further broadcasts for that registration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from events import audit, db, inputs, mail, outbox
from events.access import Actor
from events.config import Settings
from events.errors import NotFound
from events.inputs import BroadcastIn
from events.models import Admission, Broadcast, Event, Notification, Registration
from events.vocabulary import LANGUAGES


@dataclass
class Draft:
    audience: str
    subject: tuple[str, str]  # (ja, en)
    body: tuple[str, str]
    dry_run: bool


def parse(data: Any) -> Draft:
    draft = inputs.parse(BroadcastIn, data)
    ja, en = inputs.pair(draft.body)
    return Draft(draft.audience, inputs.pair(draft.subject), (_text(ja), _text(en)),
                 draft.dry_run)


def _text(body: str) -> str:
    """Line breaks kept, every other control character dropped."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", body)


def audience_query(event: Event, audience: str) -> QuerySet[Registration]:
    """Who a broadcast reaches: active registrations that have not unsubscribed."""
    query = Registration.filter(event_id=event.id, unsubscribed_at__isnull=True)
    admitted = Subquery(Admission.filter(event_id=event.id).values("registration_id"))
    if audience == "all":
        return query.filter(status__in=("confirmed", "waitlisted"))
    if audience == "waitlisted":
        return query.filter(status="waitlisted")
    query = query.filter(status="confirmed")
    if audience in ("venue", "online"):
        return query.filter(attendance=audience)
    checked_in = Q(checked_in_at__isnull=False) | Q(id__in=admitted)
    if audience == "checked_in":
        return query.filter(checked_in)
    return query.exclude(checked_in)


def _content(email: EmailMessage, subtype: str) -> str:
    """The text of the message's text/`subtype` body."""
    part = email.get_body((subtype,))
    if part is None:
        raise ValueError(f"the composed message has no text/{subtype} body")
    text: str = part.get_content()
    return text


async def preview(event: Event, draft: Draft, settings: Settings, now: datetime
                  ) -> dict[str, Any]:
    """The message as a recipient in each language would get it (the first recipient
    when there is one, else a stand-in), and how many would get it."""
    count = await audience_query(event, draft.audience).count()
    sample = await audience_query(event, draft.audience).order_by("id").first()
    composer = mail.Composer(settings)
    previews = {}
    for lang in LANGUAGES:
        person = Registration(
            id=sample.id if sample else 0, event_id=event.id, locale=lang,
            name=sample.name if sample else ("山田 太郎" if lang == "ja" else "Jane Doe"),
            email=sample.email if sample else "attendee@example.jp",
            token=sample.token if sample else "preview", status="confirmed",
            attendance=sample.attendance if sample else "venue", affiliation="",
            created_at=now, updated_at=now)
        person.event = event
        broadcast = Broadcast(event_id=event.id, audience=draft.audience,
                              subject_ja=draft.subject[0], subject_en=draft.subject[1],
                              body_ja=draft.body[0], body_en=draft.body[1], created_at=now)
        message = Notification(id=0, registration_id=person.id, purpose="broadcast",
                               revision=0, created_at=now)
        email = composer.compose(mail.Facts(
            message=message, registration=person, event=event, now=now,
            message_id=f"<preview@{settings.host}>", broadcast=broadcast))
        previews[lang] = {
            "subject": str(email["Subject"]),
            "text": _content(email, "plain"),
            "html": _content(email, "html"),
        }
    return {"audience": draft.audience, "count": count, "dry_run": draft.dry_run,
            "preview": previews}


async def send(event: Event, draft: Draft, actor: Actor, now: datetime, *,
               client: str = "") -> Broadcast:
    """The broadcast, its outbox rows and its audit entry, all in one transaction."""
    async with in_transaction() as conn:
        broadcast = await Broadcast.create(
            event_id=event.id, audience=draft.audience, subject_ja=draft.subject[0],
            subject_en=draft.subject[1], body_ja=draft.body[0], body_en=draft.body[1],
            api_key_id=actor.key_id, user_id=actor.user_id, created_at=now, using_db=conn)
        ids: list[int] = await db.column(
            audience_query(event, draft.audience).using_db(conn), "id")
        await outbox.queue_many([outbox.new_row(i, "broadcast", broadcast.id, now,
                                                broadcast_id=broadcast.id) for i in ids], conn)
        broadcast.recipients = len(ids)
        await broadcast.save(using_db=conn, update_fields=["recipients"])
        await audit.record("broadcast_sent", actor=actor, now=now, client=client, event=event,
                           target=f"broadcast #{broadcast.id}", details={
                               "count": len(ids), "audience": draft.audience,
                               "subject": draft.subject[0]}, conn=conn)
    return broadcast


async def sent_just_now(event: Event, draft: Draft, actor: Actor, now: datetime,
                        within: timedelta = timedelta(minutes=10)) -> Broadcast | None:
    """The same message to the same audience by the same sender moments ago: a form sent
    twice (a double click, a reload) is one broadcast."""
    return await Broadcast.filter(
        event_id=event.id, audience=draft.audience, subject_ja=draft.subject[0],
        subject_en=draft.subject[1], body_ja=draft.body[0], body_en=draft.body[1],
        user_id=actor.user_id, api_key_id=actor.key_id, created_at__gte=now - within,
    ).order_by("-id").first()


async def unsubscribe(registration_id: int, token: str, secret_key: str, now: datetime
                      ) -> Registration:
    """Idempotent: the first time is recorded, later ones change nothing."""
    if not mail.check_unsubscribe(secret_key, registration_id, token):
        raise NotFound("No such subscription.")
    registration = await Registration.get_or_none(id=registration_id).prefetch_related("event")
    if registration is None:
        raise NotFound("No such subscription.")
    await Registration.filter(id=registration_id, unsubscribed_at__isnull=True).update(
        unsubscribed_at=now)
    return registration
