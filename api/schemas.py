"""The JSON the API answers with, as pydantic models: the OpenAPI response components.

Documentation only: the handlers still build plain dicts (api/representations.py and
friends), and a schema-driven fuzz test checks every answer against these schemas. So
they describe what the API really sends, no stricter: unknown members are allowed (no
`additionalProperties: false`), a member an answer may leave out is optional, and one
that may be null says so. A component cannot itself be nullable, so a place where an
object may be null says `Venue | None`.

`json_schemas(models, mode)` turns any models into components, the request models of
events/inputs.py ("validation") as well as these ("serialization"); `components()` gives
the response components.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import (
    GenerateJsonSchema,
    JsonSchemaMode,
    JsonSchemaValue,
    SkipJsonSchema,
    models_json_schema,
)
from pydantic_core import core_schema

from events.errors import CheckinResult
from events.inputs import Audience
from events.outbox import Purpose
from events.vocabulary import AttendanceMode as Mode
from events.vocabulary import EventStatus, MessageStatus, PartnerRole, RegistrationStatus
from events.vocabulary import SessionFormat as Format

# A member an answer may leave out, but never sends as null: `event: str | Absent = None`
# is an optional string in the schema (the None is only the model's placeholder).
Absent = SkipJsonSchema[None]


# ---- the catalogue ----------------------------------------------------------------------

class Text(BaseModel):
    """Text in Japanese and English."""

    ja: str
    en: str


class Venue(BaseModel):
    """Where; null where no venue is named."""

    name: str
    address: str


class EventVenue(Venue):
    """The event's venue: the Japanese (or only) name and address, the English ones (empty:
    the same), a map link."""

    name_en: str
    address_en: str
    map_url: str | None


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    code: str | Absent = None
    errors: list[FieldProblem] | Absent = None


class Organization(BaseModel):
    slug: str
    name: Text
    url: str | None
    api_url: str


class Series(BaseModel):
    slug: str
    name: Text


class Session(BaseModel):
    id: int
    title: Text
    starts_at: datetime
    ends_at: datetime
    format: Format
    venue: Venue | None


class Partner(BaseModel):
    org: str
    name: Text
    role: PartnerRole


class Capacity(BaseModel):
    """Seats per attendance mode; null is unlimited."""

    venue: int | None = Field(ge=0)
    online: int | None = Field(ge=0)


class Seats(BaseModel):
    capacity: int | None
    confirmed: int
    waitlisted: int
    left: int | None


class SeatsByMode(BaseModel):
    venue: Seats | Absent = None
    online: Seats | Absent = None


class JointUser(BaseModel):
    org: str
    name: Text


class JointUse(BaseModel):
    """Who uses the registrations jointly with the organizer (共同利用)."""

    shared: bool = Field(description="share_registrants: the co-hosts see the registrants")
    users: list[JointUser] = Field(description="The co-hosts, when shared")
    note: Text = Field(description="What is used jointly and who answers for it")


class PrivacyNotice(BaseModel):
    """The event's privacy notice (APPI) and its version, raised by every change."""

    purpose: Text
    joint_use: JointUse
    retention_days: int | None = Field(
        description="Days after the event's last day before registrations are anonymised; "
                    "null: the site's default (KAIGI_RETENTION_DAYS)")
    version: int


class Event(BaseModel):
    slug: str
    title: Text
    summary: Text
    description: Text
    series: Series | None
    status: EventStatus
    date_tbd: bool
    timezone: str
    starts_at: datetime | None
    ends_at: datetime | None
    format: Format | None
    attendance_modes: list[Mode]
    venue: EventVenue | None
    capacity: Capacity
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    revision: int
    registrations: SeatsByMode | Absent = Field(
        default=None, description="Seats per attendance mode")
    sessions: list[Session]
    partners: list[Partner]
    owner: str | None
    url: str
    api_url: str
    updated_at: datetime
    stream_url: str | None = Field(default=None, description="Only for the event's managers.")
    contact_email: str | None = Field(description="The contact shown to attendees.")
    membership_choices: list[str] = Field(
        description="What the registration form offers besides none: member, oic_member, "
                    "organization slugs.")
    share_registrants: bool = Field(
        description="Co-host organizers see the registrants (joint use).")
    challenge: Literal["off", "on", "auto"] = Field(
        description="Proof-of-work challenge on registration: on, off, or auto (on for a "
                    "client past half its registration limit).")
    version: int = Field(description="Raised by every change: an edit from an older copy "
                                     "is refused (stale_edit).")
    privacy: PrivacyNotice
    consent_required: bool = Field(description="Registrations must consent to the notice.")
    confirm_email: bool = Field(description="Registrations hold their place until the "
                                            "attendee confirms the mailed link.")


class EventPage(BaseModel):
    items: list[Event]
    next_cursor: str | None


class Health(BaseModel):
    status: str
    database: str | Absent = None


# ---- registrations ----------------------------------------------------------------------

class Ticket(BaseModel):
    code: str = Field(max_length=100)
    url: str
    qr_png: str | Absent = None
    qr_svg: str | Absent = None
    ics: str | Absent = None


class Registration(BaseModel):
    """A registration; the attendee's own details only for them and organizers."""

    id: int
    event: str | Absent = None
    status: RegistrationStatus
    attendance: Mode
    waitlist_position: int | None = Field(ge=1)
    ticket: Ticket
    manage_url: str
    token: str | Absent = None
    created_at: datetime | Absent = None
    updated_at: datetime | Absent = None
    name: str | Absent = None
    name_kana: str | Absent = None
    email: str | Absent = None
    affiliation: str | Absent = None
    membership: str | Absent = None
    locale: str | Absent = None
    checked_in: bool | Absent = None
    checked_in_at: datetime | None = None
    cancelled_at: datetime | None = None


class ExportedRegistration(BaseModel):
    id: int
    status: RegistrationStatus
    attendance: Mode
    name: str
    name_kana: str
    email: str
    affiliation: str
    membership: str
    locale: str
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    cancelled_by: str | None
    checked_in_at: datetime | None
    unsubscribed_at: datetime | None
    email_confirmed_at: datetime | None
    anonymised_at: datetime | None


class ExportedEvent(BaseModel):
    slug: str
    title: Text
    starts_at: datetime | None
    ends_at: datetime | None
    url: str


class Consent(BaseModel):
    given_at: datetime | None
    version: int | None = Field(description="The notice's version consented to")
    current_version: int
    notice: PrivacyNotice


class ExportedAdmission(BaseModel):
    day: date
    gate: str
    admitted_at: datetime


class ExportedScan(BaseModel):
    scanned_at: datetime
    result: str
    gate: str
    offline: bool


class ExportedMessage(BaseModel):
    purpose: str
    status: MessageStatus
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    message_id: str | None


class Retention(BaseModel):
    days: int
    anonymised_after: datetime | None = Field(description="null: the event has no dates yet")


class DataExport(BaseModel):
    """Everything kaigi holds about one registration (the attendee's copy)."""

    exported_at: datetime
    registration: ExportedRegistration
    event: ExportedEvent
    consent: Consent
    admissions: list[ExportedAdmission]
    scans: list[ExportedScan]
    messages: list[ExportedMessage] = Field(description="Mail sent or queued: metadata only")
    retention: Retention


class Challenge(BaseModel):
    """A proof-of-work challenge (ALTCHA): find n with hex(SHA-256(salt + n)) = challenge."""

    algorithm: Literal["SHA-256"]
    challenge: str = Field(description="Hex SHA-256 of salt + the secret number")
    maxnumber: int = Field(description="The number is from 0 to this")
    salt: str = Field(description="Carries the expiry and the event; signed with the rest")
    signature: str = Field(description="HMAC of the challenge by the site")
    required: bool = Field(description="Whether this client's next registration needs it")


class RegistrationPage(BaseModel):
    items: list[Registration]
    next_cursor: str | None


class TicketLinkAnswer(BaseModel):
    """The one answer to "lost your ticket link?", whether the address is registered or not."""

    detail: str


class CheckEmail(BaseModel):
    """The one answer to a registration for an event that confirms addresses first,
    whether the address is new or registered: no ticket, no token."""

    status: Literal["check_email"]
    detail: str
    hold_minutes: int = Field(description="How long the mailed link holds the place.")


class PublicKey(BaseModel):
    algorithm: Literal["Ed25519"]
    key_id: str
    public_key: str
    format: str | Absent = None
    code_format: str | Absent = None


# ---- the door ---------------------------------------------------------------------------

class Entry(BaseModel):
    """An admission: when and at which gate; null when there is none."""

    at: datetime
    gate: str
    session: int | None = None


class Attendee(BaseModel):
    """What the door shows of an attendee; null for an unknown ticket."""

    id: int
    name: str
    name_kana: str
    affiliation: str
    attendance: Mode
    status: RegistrationStatus


class Checkin(BaseModel):
    """The answer to a scan. Refusals are problem+json with these members and `code` equal
    to `result`."""

    result: CheckinResult
    status: int
    detail: str
    offline: bool
    scanned_at: datetime
    day: date
    session: int | None = None
    gate: str
    nonce: str | None = None
    registration: Attendee | None
    first_entry: Entry | None
    duplicate_of: Entry | None = None
    offline_result: CheckinResult | Absent = None


class AttendeeMatch(BaseModel):
    """An attendee found for a manual check-in: what the door needs (who, the ticket
    number, whether to admit, the days entered), nothing to contact them."""

    id: int = Field(description="The ticket number")
    name: str
    name_kana: str
    attendance: Mode
    status: RegistrationStatus
    entered_days: list[date]


class CheckinSearch(BaseModel):
    items: list[AttendeeMatch]


class ModeCounts(BaseModel):
    registered: int | Absent = None
    waitlisted: int | Absent = None
    cancelled: int | Absent = None
    checked_in: int | Absent = None


class DayCount(BaseModel):
    day: date | Absent = None
    sessions: list[int] | Absent = None
    checked_in: int | Absent = None


class ScanCounts(BaseModel):
    total: int | Absent = None
    offline: int | Absent = None
    results: dict[str, int] | Absent = None


class CheckinStats(BaseModel):
    event: str | Absent = None
    registered: int = Field(description="Confirmed registrations")
    checked_in: int = Field(description="Registrations that entered")
    attendance: dict[str, ModeCounts]
    days: list[DayCount]
    scans: ScanCounts
    duplicates: int = Field(description="Offline entries that collided with another entry")
    duplicate_scans: list[dict[str, Any]] | Absent = None


class KitEvent(BaseModel):
    id: int | Absent = None
    slug: str | Absent = None
    title: Text | Absent = None
    timezone: str | Absent = None


class KitDay(BaseModel):
    day: date | Absent = None
    sessions: list[dict[str, Any]] | Absent = None


class Revoked(BaseModel):
    cancelled: list[int] | Absent = None
    waitlisted: list[int] | Absent = None
    online_only: list[int] | Absent = None


class OfflineKit(BaseModel):
    event: KitEvent
    key: PublicKey
    generated_at: datetime
    days: list[KitDay]
    revoked: Revoked = Field(description="Registration ids by reason")
    entered: dict[str, list[Any]] = Field(description="Per day: [id, time, gate] entries")
    names: dict[str, str] = Field(description="Registration id -> name, confirmed venue "
                                              "attendees only (to greet them offline)")


# ---- mail -------------------------------------------------------------------------------

class Recipient(BaseModel):
    id: int | Absent = None
    name: str | Absent = None
    email: str | Absent = None
    locale: str | Absent = None


class Message(BaseModel):
    """One message of the outbox."""

    id: int
    purpose: Purpose
    revision: int | Absent = None
    status: MessageStatus
    registration: Recipient
    attempts: int
    last_error: str | None = Field(
        default=None, description="The reason of the last failure, e.g. the server's 550 "
                                  "reply.")
    next_attempt_at: datetime | None = None
    message_id: str | None = None
    broadcast: int | None = None
    created_at: datetime
    sent_at: datetime | None = None


class MessagePage(BaseModel):
    items: list[Message]
    next_cursor: str | None
    counts: dict[str, int] = Field(description="Messages per status")


class MailPreview(BaseModel):
    subject: str
    text: str
    html: str


class BroadcastPreview(BaseModel):
    ja: MailPreview
    en: MailPreview


class Broadcast(BaseModel):
    """A broadcast, or with dry_run only its count and preview."""

    id: int | Absent = None
    audience: Audience
    count: int = Field(description="Recipients")
    dry_run: bool | Absent = None
    created_at: datetime | Absent = None
    preview: BroadcastPreview


# ---- the audit log ----------------------------------------------------------------------

class AuditEntry(BaseModel):
    """Who did what, when, from where."""

    id: int
    at: datetime
    actor: str = Field(description="An account's email or a key's name, as it was then")
    user_id: int | None
    api_key_id: int | None
    client: str = Field(description="The client's address")
    action: str = Field(description="login, event_changed, relation_accepted, …")
    event: str | None = Field(description="The event's slug")
    organization: str | None = Field(description="The organization's slug")
    target: str
    details: dict[str, Any] = Field(description="An edit's changed fields as "
                                                "{field: [old, new]}, or facts of the action")


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None


# Every answer a path names; the parts they are made of come along as components too.
MODELS: tuple[type[BaseModel], ...] = (
    Text, Venue, Problem, Organization, Series, Session, Partner, Capacity, Event, Seats,
    EventPage, Health, Ticket, Registration, RegistrationPage, DataExport, PublicKey, Entry,
    Attendee, Challenge,
    Checkin, CheckinSearch, CheckinStats, OfflineKit, Message, MessagePage, Broadcast,
    AuditPage, TicketLinkAnswer, CheckEmail,
)


# ---- models -> components ---------------------------------------------------------------

class _Components(GenerateJsonSchema):
    """Without `title`s (noise next to the component's name); an answer's schema also
    without `default`s, which say nothing about what a server sends."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        json_schema.pop("title", None)
        return json_schema

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        if self.mode == "serialization":
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)


def json_schemas(models: Iterable[type[BaseModel]],
                 mode: JsonSchemaMode) -> dict[str, dict[str, Any]]:
    """OpenAPI components for `models` and the models they use, keyed by class name, with
    `$ref`s to `#/components/schemas/<Name>`. `mode` is "validation" for request bodies,
    "serialization" for answers."""
    models = tuple(models)
    _, top = models_json_schema([(m, mode) for m in models],
                                ref_template="#/components/schemas/{model}",
                                schema_generator=_Components)
    schemas: dict[str, dict[str, Any]] = top.get("$defs", {})
    missing = [m.__name__ for m in models if m.__name__ not in schemas]
    if missing:  # pydantic renames clashing names; a $ref must not silently change
        raise ValueError(f"models without a component of their own name: {missing}")
    return schemas


def components() -> dict[str, dict[str, Any]]:
    """The response components: MODELS and the models they are made of."""
    return json_schemas(MODELS, "serialization")
