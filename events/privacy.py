"""Personal data that expires (APPI): the privacy notice, consent, retention, and the
attendee's rights to a copy of their data and to its erasure.

An event's notice says why the data is collected, who uses it jointly (the co-hosts, when
the organizer shares the registrants with them) and how long it is kept; its
`privacy_version` rises whenever any of that changes, and each registration records the
version it consented to. When the retention period after the event's last day has run
out, the worker anonymises the event's registrations: the personal fields are emptied
(the email replaced by a salted hash, so the unique index still holds), the mail about
them loses its payload and its `.eml` copies, while counts, seats, admissions, scans and
the audit trail keep their shape. An attendee's erasure request does the same for one
registration, after cancelling it (its seat goes to the waiting list) when the event is
still to come.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from events import audit, db
from events.access import Actor
from events.config import Settings
from events.inputs import PrivacyIn, pair
from events.models import (
    Admission,
    Event,
    EventPartner,
    Notification,
    Organization,
    Registration,
    Scan,
)
from events.vocabulary import translate

log = logging.getLogger("kaigi.privacy")

ERASED_PREFIX = "erased-"
# Registrations anonymised per transaction.
PURGE_BATCH = 500
# Who acts in the audit log when nobody logged in does: the worker, the attendee.
RETENTION = Actor(label="retention")
ATTENDEE = Actor(label="attendee")


# ---- the notice -------------------------------------------------------------------------------

def stored_notice(current: dict[str, Any], change: PrivacyIn | None) -> dict[str, Any]:
    """The notice as Event.privacy keeps it, after a change; members not sent keep their
    value, and null empties the notice (the site's wording and retention)."""
    if change is None:
        return {}
    notice = dict(current)
    sent = change.model_fields_set
    for name in ("purpose", "joint_use"):
        if name in sent:
            ja, en = pair(getattr(change, name))
            if ja or en:
                notice[name] = {"ja": ja, "en": en}
            else:
                notice.pop(name, None)
    if "retention_days" in sent:
        if change.retention_days is None:
            notice.pop("retention_days", None)
        else:
            notice["retention_days"] = change.retention_days
    return notice


def joint_users(event: Event) -> list[Organization]:
    """The organizations that use the registrations jointly besides the organizer: the
    accepted co-hosts, when the organizer shares the registrants with them. Needs the
    event's partners loaded (`catalogue.load_details`)."""
    if not event.share_registrants:
        return []
    return [p.organization for p in getattr(event, "partner_list", []) if p.role == "co_host"]


def notice_key(event: Event, partners: list[tuple[Organization, str]] | None = None
               ) -> tuple[Any, ...]:
    """What the notice says, to tell whether a change alters it: the stored text and
    period, and the joint users (`partners` replacing the event's when given)."""
    if not event.share_registrants:
        users: list[str] = []
    elif partners is not None:
        users = sorted(org.slug for org, role in partners if role == "co_host")
    else:
        users = sorted(org.slug for org in joint_users(event))
    text = event.privacy or {}
    return (text.get("purpose"), text.get("joint_use"), text.get("retention_days"), users)


def retention_days(event: Event, default: int) -> int:
    days = (event.privacy or {}).get("retention_days")
    return days if isinstance(days, int) and days > 0 else default


def purpose(event: Event, lang: str) -> str:
    text = (event.privacy or {}).get("purpose") or {}
    return str(text.get(lang) or text.get("ja" if lang == "en" else "en")
               or translate("privacy_purpose_default", lang))


def notice(event: Event, *, default_days: int | None = None) -> dict[str, Any]:
    """The notice as the event's JSON shows it. `retention_days` is null where the event
    keeps the site's default and `default_days` is not given."""
    text = event.privacy or {}
    joint = text.get("joint_use") or {}
    return {
        "purpose": {lang: purpose(event, lang) for lang in ("ja", "en")},
        "joint_use": {
            "shared": event.share_registrants,
            "users": [{"org": o.slug, "name": {"ja": o.name_ja, "en": o.name_en}}
                      for o in joint_users(event)],
            "note": {"ja": joint.get("ja", ""), "en": joint.get("en", "")},
        },
        "retention_days": text.get("retention_days") or default_days,
        "version": event.privacy_version,
    }


# ---- retention --------------------------------------------------------------------------------

def purge_due_at(event: Event, default_days: int) -> datetime | None:
    """When the event's registrations are anonymised: `retention_days` days after the end
    of its last day (in its time zone); never for an event without dates."""
    if event.ends_at is None:
        return None
    tz = ZoneInfo(event.timezone)
    last_day = event.ends_at.astimezone(tz).date()
    after = datetime.combine(last_day + timedelta(days=1), time(0), tz)
    return (after + timedelta(days=retention_days(event, default_days))).astimezone(UTC)


@dataclass
class Purge:
    """An event whose retention period has run out, and what anonymising it removes."""

    event: Event
    due_at: datetime
    registrations: int  # not yet anonymised
    messages: int  # of those registrations
    files: list[Path]  # their .eml copies


async def due_purges(now: datetime, *, default_days: int, outbox: Path | None,
                     limit: int = 100) -> list[Purge]:
    """Events past their retention period and not purged yet, with what would go."""
    # No retention is shorter than a day: events that ended since are not candidates.
    candidates = await Event.filter(purged_at=None, ends_at__not_isnull=True,
                                    ends_at__lt=now - timedelta(days=1)).order_by("ends_at", "id")
    found = []
    for event in candidates:
        due = purge_due_at(event, default_days)
        if due is None or due > now:
            continue
        ids = await _active_ids(event.id)
        messages = await Notification.filter(registration_id__in=ids).count() if ids else 0
        found.append(Purge(event, due, len(ids), messages, await eml_files(ids, outbox)))
        if len(found) >= limit:
            break
    return found


async def _active_ids(event_id: int) -> list[int]:
    return [int(i) for i in await db.column(
        Registration.filter(event_id=event_id, anonymised_at=None).order_by("id"), "id")]


async def purge(item: Purge, now: datetime, *, outbox: Path | None) -> int:
    """Anonymise every registration of the event, delete their mail copies, mark the event
    purged, and say so in the audit log. Returns the registrations anonymised.

    A transaction per batch: a large event never holds the database for long, and a purge
    cut short carries on where it stopped the next time."""
    ids = await _active_ids(item.event.id)
    files = await eml_files(ids, outbox)
    for start in range(0, len(ids), PURGE_BATCH):
        async with in_transaction() as conn:
            await _anonymise(ids[start:start + PURGE_BATCH], now, conn)
    async with in_transaction() as conn:
        await Event.filter(id=item.event.id).using_db(conn).update(purged_at=now)
        await audit.record("registrations_purged", actor=RETENTION, now=now,
                           event=item.event, target=item.event.slug, conn=conn, details={
                               "registrations": len(ids), "messages": item.messages,
                               "files": len(files), "due_at": item.due_at.isoformat(),
                               "retention_days": (item.due_at - _day_after(item.event)).days})
    delete_files(files)
    item.event.purged_at = now
    return len(ids)


def _day_after(event: Event) -> datetime:
    assert event.ends_at is not None
    tz = ZoneInfo(event.timezone)
    return datetime.combine(event.ends_at.astimezone(tz).date() + timedelta(days=1), time(0),
                            tz).astimezone(UTC)


async def purge_due(now: datetime, settings: Settings) -> int:
    """The worker's hook: purge every event whose retention ran out; returns how many."""
    outbox = outbox_dir(settings)
    done = 0
    for item in await due_purges(now, default_days=settings.retention_days, outbox=outbox):
        await purge(item, now, outbox=outbox)
        log.info("purged %s: %d registrations anonymised", item.event.slug, item.registrations)
        done += 1
    return done


def outbox_dir(settings: Settings) -> Path | None:
    """Where the mail worker writes .eml copies (none when mail goes out by SMTP)."""
    return None if settings.smtp_url else settings.var_dir / "outbox"


async def eml_files(registration_ids: list[int], outbox: Path | None) -> list[Path]:
    """The .eml copies of the registrations' messages in the file outbox (named after
    their Message-ID, as events.worker.FileTransport writes them)."""
    if outbox is None or not registration_ids:
        return []
    message_ids = await db.column(Notification.filter(
        registration_id__in=registration_ids, message_id__not_isnull=True), "message_id")
    paths = [outbox / f"{str(m).strip('<>').split('@')[0]}.eml" for m in message_ids if m]
    return [p for p in paths if p.is_file()]


def delete_files(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)


async def _anonymise(ids: list[int], now: datetime, conn: Any) -> None:
    """Empty the personal fields of these registrations and of what refers to them."""
    emails: dict[int, tuple[str, str]] = {
        r.id: (r.email, r.email_normalized)
        for r in await Registration.filter(id__in=ids).using_db(conn)}
    for registration_id, (_, normalized) in emails.items():
        salted = hashlib.sha256(secrets.token_bytes(16) + normalized.encode())
        await Registration.filter(id=registration_id).using_db(conn).update(
            name="", name_kana="", email="", email_normalized=ERASED_PREFIX + salted.hexdigest(),
            affiliation="", membership="", cancel_reason="", updated_at=now, anonymised_at=now)
    await Notification.filter(registration_id__in=ids).using_db(conn).update(payload={})
    # A delivery error may quote the address ("550 … (recipient taro@…)").
    for message in await Notification.filter(registration_id__in=ids).exclude(
            last_error="").using_db(conn):
        email = emails.get(message.registration_id or 0, ("", ""))[0]
        if email and email in message.last_error:
            await Notification.filter(id=message.id).using_db(conn).update(
                last_error=message.last_error.replace(email, "[erased]"))
    # The door's answers name the attendee: keep the result, drop who it was.
    for scan in await Scan.filter(registration_id__in=ids).using_db(conn):
        answer = dict(scan.answer or {})
        if isinstance(answer.get("registration"), dict):
            answer["registration"] = {**answer["registration"], "name": "", "name_kana": "",
                                      "affiliation": ""}
            await Scan.filter(id=scan.id).using_db(conn).update(answer=answer)


# ---- the attendee's rights --------------------------------------------------------------------

async def export(registration: Registration, *, now: datetime, base_url: str,
                 default_days: int, client: str = "") -> dict[str, Any]:
    """Everything kaigi holds about one registration, as JSON; the export is audited."""
    event = registration.event
    await _load_partners(event)
    tz = ZoneInfo(event.timezone)
    admissions = await Admission.filter(registration_id=registration.id).order_by(
        "admitted_at", "id")
    scans = await Scan.filter(registration_id=registration.id).order_by("scanned_at", "id")
    messages = await Notification.filter(registration_id=registration.id).order_by("id")
    due = purge_due_at(event, default_days)
    r = registration
    body = {
        "exported_at": _iso(now),
        "registration": {
            "id": r.id, "status": r.status, "attendance": r.attendance, "name": r.name,
            "name_kana": r.name_kana, "email": r.email, "affiliation": r.affiliation,
            "membership": r.membership, "locale": r.locale, "created_at": _iso(r.created_at),
            "updated_at": _iso(r.updated_at), "cancelled_at": _iso(r.cancelled_at),
            "cancelled_by": r.cancelled_by or None, "checked_in_at": _iso(r.checked_in_at),
            "unsubscribed_at": _iso(r.unsubscribed_at),
            "email_confirmed_at": _iso(r.email_confirmed_at),
            "anonymised_at": _iso(r.anonymised_at),
        },
        "event": {"slug": event.slug, "title": {"ja": event.title_ja, "en": event.title_en},
                  "starts_at": _iso(event.starts_at, tz), "ends_at": _iso(event.ends_at, tz),
                  "url": f"{base_url}/events/{event.slug}"},
        "consent": {"given_at": _iso(r.consent_at), "version": r.consent_version,
                    "current_version": event.privacy_version,
                    "notice": notice(event, default_days=default_days)},
        "admissions": [{"day": a.day, "gate": a.gate, "admitted_at": _iso(a.admitted_at)}
                       for a in admissions],
        "scans": [{"scanned_at": _iso(s.scanned_at), "result": s.result, "gate": s.gate,
                   "offline": s.offline} for s in scans],
        "messages": [{"purpose": m.purpose, "status": m.status, "created_at": _iso(m.created_at),
                      "sent_at": _iso(m.sent_at), "attempts": m.attempts,
                      "message_id": m.message_id} for m in messages],
        "retention": {"days": retention_days(event, default_days),
                      "anonymised_after": _iso(due)},
    }
    await audit.record("registration_data_exported", actor=ATTENDEE, now=now, client=client,
                       event=event, target=str(r.id), details={
                           "admissions": len(admissions), "messages": len(messages)})
    return body


async def erase(registration: Registration, *, now: datetime, outbox: Path | None,
                client: str = "") -> Registration:
    """The attendee asks for deletion: an active registration of an event still to come is
    cancelled first (its seat goes to the waiting list), then every personal field is
    emptied and mail not yet sent is skipped. Erasing twice changes nothing more."""
    if registration.anonymised_at is not None:
        return registration
    event = registration.event
    upcoming = event.ends_at is None or event.ends_at > now
    was = registration.status
    if upcoming and registration.status != "cancelled":
        from events.registration import cancel  # it imports the catalogue, which needs us

        registration = await cancel(registration, now=now)
    files = await eml_files([registration.id], outbox)
    async with in_transaction() as conn:
        await _anonymise([registration.id], now, conn)
        await audit.record("registration_erased", actor=ATTENDEE, now=now, client=client,
                           event=event, target=str(registration.id), conn=conn, details={
                               "status_before": was, "cancelled": was != "cancelled"
                               and upcoming, "files": len(files)})
    # Mail still queued would be composed from emptied fields: nothing more is sent.
    await Notification.filter(registration_id=registration.id, status="pending").update(
        status="skipped", last_error="the attendee's data was erased")
    delete_files(files)
    return await Registration.get(id=registration.id).prefetch_related("event")


async def _load_partners(event: Event) -> None:
    if not hasattr(event, "partner_list"):
        event.partner_list = await EventPartner.filter(
            event_id=event.id, status="accepted").prefetch_related("organization").order_by(
            "position", "id")


def _iso(value: datetime | None, tz: ZoneInfo | None = None) -> str | None:
    if value is None:
        return None
    return (value.astimezone(tz) if tz else value).isoformat()
