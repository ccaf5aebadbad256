"""An event's mail in the console: write a broadcast, preview it, send it; the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route

from api.console.common import Console, page
from api.docs import CURSOR, console_form, console_page, query
from api.requests import settings
from events import audit, broadcast, outbox
from events.errors import Conflict, Invalid, NotFound
from events.inputs import AUDIENCES
from events.models import Broadcast, Event, Notification
from events.validation import MAX_ID
from events.vocabulary import MESSAGE_STATUSES, translate

FIELDS = ("subject_ja", "subject_en", "body_ja", "body_en", "audience")
BLANK = {"subject_ja": "", "subject_en": "", "body_ja": "", "body_en": "", "audience": "all"}
PAGE_SIZE = 50
NOTICES = ("broadcast_sent", "message_retried", "message_not_retryable")
RETRYABLE = ("failed", "skipped")


def _values(form: FormData) -> dict[str, str]:
    """What was typed, kept as typed (bodies are long; the parser reports the limits)."""
    return {name: str(form.get(name, ""))[:100_000] for name in FIELDS}


def _payload(values: Mapping[str, str], *, dry_run: bool) -> dict[str, Any]:
    def pair(name: str) -> dict[str, str | None]:
        return {lang: values[f"{name}_{lang}"] or None for lang in ("ja", "en")}

    return {"subject": pair("subject"), "body": pair("body"), "audience": values["audience"],
            "dry_run": dry_run}


def _form_field(path: str) -> str:
    """`subject.en` is the input subject_en; a pair missing both texts points at ja."""
    name, _, lang = path.partition(".")
    if name in ("subject", "body"):
        return f"{name}_{lang if lang in ('ja', 'en') else 'ja'}"
    return name


def _errors(exc: Invalid, lang: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for e in exc.errors:
        errors.setdefault(_form_field(e.field), e.text(lang))
    return errors


def _url(event: Event, rest: str = "") -> str:
    return f"/console/events/{event.slug}/mail{rest}"


# ---- the outbox ------------------------------------------------------------------------------

def _row(m: Notification, tz: ZoneInfo) -> dict[str, Any]:
    r = m.registration
    m.last_error = outbox.shown_error(m.last_error)  # rows kept from before it was masked
    return {"message": m, "created": m.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "sent": m.sent_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if m.sent_at else "",
            "name": r.name if r else "", "email": r.email if r else "",
            "retryable": m.status in RETRYABLE}


async def _outbox(c: Console, event: Event) -> dict[str, Any]:
    """One page of the event's messages. With no filter asked for, failed ones come first
    when there are any: they are what an organizer has to act on."""
    asked = c.request.query_params.get("status", "")
    params = {"limit": str(PAGE_SIZE)}
    cursor = c.request.query_params.get("cursor", "")
    if cursor.isascii() and cursor.isdigit() and 0 < int(cursor) < MAX_ID:
        params["cursor"] = cursor
    if asked in MESSAGE_STATUSES:
        params["status"] = asked
    items, next_cursor, counts = await outbox.list_messages(event, params)
    status = asked if asked in MESSAGE_STATUSES else "all"
    if not asked and counts.get("failed"):
        status = params["status"] = "failed"
        items, next_cursor, counts = await outbox.list_messages(event, params)
    tz = ZoneInfo(event.timezone)
    return {"rows": [_row(m, tz) for m in items if m.registration is not None],
            "status": status, "counts": counts, "total": sum(counts.values()),
            "next_cursor": next_cursor, "paged": "cursor" in params}


async def _sent(c: Console, event: Event) -> Broadcast | None:
    """The broadcast just queued, named by `?sent=` after the redirect."""
    raw = c.request.query_params.get("sent", "")
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) < MAX_ID):
        return None
    return await Broadcast.get_or_none(id=int(raw), event_id=event.id)


async def _page(c: Console, event: Event, *, status: int = 200,
                values: Mapping[str, str] = BLANK, errors: dict[str, str] | None = None,
                preview: dict[str, Any] | None = None) -> Response:
    notice = c.request.query_params.get("notice", "")
    return c.render("console/mail.html", status=status, event=event, audiences=AUDIENCES,
                    statuses=MESSAGE_STATUSES, values=values, errors=errors or {},
                    preview=preview, outbox=await _outbox(c, event),
                    sent=await _sent(c, event) if status == 200 else None,
                    notice=notice if notice in NOTICES else None)


# ---- the pages -------------------------------------------------------------------------------

@console_page("Mail an event's audience; the event's outbox (managers)",
              query("status", "all, pending, sending, sent, failed or skipped (default: "
                              "failed when there are any, else all)"), CURSOR,
              query("sent", "the broadcast just queued"))
@page
async def mail_page(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    return await _page(c, event)


@console_form("Preview a broadcast: how many it reaches, the message in both languages",
              fields=FIELDS, errors=(403, 404, 422))
@page
async def preview(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    values = _values(await c.request.form())
    try:
        draft = broadcast.parse(_payload(values, dry_run=True))
    except Invalid as exc:
        return await _page(c, event, status=422, values=values, errors=_errors(exc, c.lang))
    answer = await broadcast.preview(event, draft, settings(c.request), c.now)
    return await _page(c, event, values=values, preview=answer)


@console_form("Send the previewed broadcast: one message per recipient is queued",
              fields=FIELDS, errors=(403, 404, 422))
@page
async def send(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    values = _values(await c.request.form())
    try:
        draft = broadcast.parse(_payload(values, dry_run=False))
    except Invalid as exc:
        return await _page(c, event, status=422, values=values, errors=_errors(exc, c.lang))
    again = await broadcast.sent_just_now(event, draft, c.actor, c.now)
    if again is not None:
        return c.back(_url(event, f"?sent={again.id}"))
    if not await broadcast.audience_query(event, draft.audience).exists():
        return await _page(c, event, status=422, values=values,
                           errors={"audience": translate("invalid_no_recipients", c.lang)})
    sent = await broadcast.send(event, draft, c.actor, c.now, client=c.client)
    return c.back(_url(event, f"?sent={sent.id}"), "broadcast_sent")


@console_form("Send a failed or skipped message again", fields=("status",),
              errors=(403, 404))
@page
async def retry(c: Console) -> Response:
    event = await c.event(c.request.path_params["slug"], need="manage")
    raw = c.request.path_params["id"]
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) < MAX_ID):
        raise NotFound("No such message for this event.")
    form = await c.request.form()
    shown = str(form.get("status", ""))
    back = _url(event, f"?status={shown}" if shown in (*MESSAGE_STATUSES, "all") else "")
    try:
        message = await outbox.retry(event, int(raw), c.now)
    except Conflict:
        return c.back(back, "message_not_retryable")
    await audit.record("message_retried", actor=c.actor, now=c.now, client=c.client,
                       event=event, target=f"message #{message.id}",
                       details={"purpose": message.purpose,
                                "registration": message.registration_id})
    return c.back(back, "message_retried")


routes = [
    Route("/console/events/{slug}/mail", mail_page, methods=["GET"]),
    Route("/console/events/{slug}/mail", preview, methods=["POST"]),
    Route("/console/events/{slug}/mail/send", send, methods=["POST"]),
    Route("/console/events/{slug}/mail/messages/{id}/retry", retry, methods=["POST"]),
]
