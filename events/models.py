"""The data model. Times are stored as aware UTC and shown in the event's time zone.

Each foreign key `x` also gives its instances an `x_id` attribute holding the raw key; it is
declared below as a bare annotation (`event_id: int`), which tortoise ignores (only field
objects make columns) and which tells type checkers the attribute exists.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

# The values these columns accept, and their labels, are defined in events.vocabulary;
# re-exported here for the modules that still import them from the models.
from events.vocabulary import ATTENDANCE_MODES as ATTENDANCE_MODES
from events.vocabulary import DEFAULT_LANGUAGE, DEFAULT_TIMEZONE
from events.vocabulary import EVENT_STATUSES as EVENT_STATUSES
from events.vocabulary import KEY_ROLES as KEY_ROLES
from events.vocabulary import MESSAGE_STATUSES as MESSAGE_STATUSES
from events.vocabulary import PARTNER_ROLES as PARTNER_ROLES
from events.vocabulary import REGISTRATION_STATUSES as REGISTRATION_STATUSES
from events.vocabulary import SESSION_FORMATS as SESSION_FORMATS


class Organization(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=100, unique=True)
    name_ja = fields.CharField(max_length=300)
    name_en = fields.CharField(max_length=300)
    url = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organization"


class Series(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=100, unique=True)
    name_ja = fields.CharField(max_length=300)
    name_en = fields.CharField(max_length=300)
    # The organization whose organizers may put events into the series (none: admins only).
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "kaigi.Organization", related_name="series", null=True, on_delete=fields.SET_NULL
    )
    organization_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "series"


class Event(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=100, unique=True)
    title_ja = fields.CharField(max_length=300)
    title_en = fields.CharField(max_length=300)
    summary_ja = fields.TextField(default="")
    summary_en = fields.TextField(default="")
    description_ja = fields.TextField(default="")
    description_en = fields.TextField(default="")
    series: fields.ForeignKeyNullableRelation[Series] = fields.ForeignKeyField(
        "kaigi.Series", related_name="events", null=True, on_delete=fields.SET_NULL
    )
    owner: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "kaigi.Organization", related_name="owned_events", null=True, on_delete=fields.SET_NULL
    )
    series_id: int | None
    owner_id: int | None
    status = fields.CharField(max_length=16, default="scheduled", db_index=True)
    date_tbd = fields.BooleanField(default=False)
    timezone = fields.CharField(max_length=64, default=DEFAULT_TIMEZONE)
    venue_name = fields.CharField(max_length=300, default="")
    venue_address = fields.CharField(max_length=500, default="")
    # The venue in English (empty: the Japanese one), and a link to a map of it.
    venue_name_en = fields.CharField(max_length=300, default="", db_default="")
    venue_address_en = fields.CharField(max_length=500, default="", db_default="")
    venue_map_url = fields.CharField(max_length=1000, default="", db_default="")
    # Shown to attendees as the event's contact (問い合わせ先).
    contact_email = fields.CharField(max_length=254, default="", db_default="")
    # Membership choices the form offers besides "none", comma-separated.
    membership_choices = fields.CharField(max_length=500, default="member,oic_member",
                                          db_default="member,oic_member")
    # Co-host organizers may see the registrants (joint use, named in the privacy notice).
    share_registrants = fields.BooleanField(default=False, db_default=False)
    # Abuse and privacy (issue "abuse-proof and privacy-proof"): a registration holds its seat
    # until the attendee opens the mailed link; consent to the privacy notice is required;
    # the notice itself (purpose ja/en, joint use, retention_days) and its version, raised
    # whenever the notice changes, so each registrant's consent names what they agreed to.
    confirm_email = fields.BooleanField(default=False, db_default=False)
    consent_required = fields.BooleanField(default=False, db_default=False)
    privacy: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, db_default="{}")
    privacy_version = fields.IntField(default=1, db_default=1)
    # The public form's proof-of-work challenge: "off", "on", or "auto" (on near a limit).
    challenge = fields.CharField(max_length=8, default="auto", db_default="auto")
    # When the retention period ran out and the registrations were anonymised.
    purged_at = fields.DatetimeField(null=True)
    stream_url = fields.CharField(max_length=1000, default="")
    venue_capacity = fields.IntField(null=True)
    online_capacity = fields.IntField(null=True)
    registration_opens_at = fields.DatetimeField(null=True)
    registration_closes_at = fields.DatetimeField(null=True)
    # Raised on every change to time, place or status: calendar SEQUENCE.
    revision = fields.IntField(default=0)
    # Raised on every change at all: an edit made on a stale copy is refused.
    version = fields.IntField(default=0, db_default=0)
    # Derived from the sessions, stored so lists can filter and page on them.
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    sort_at = fields.DatetimeField(db_index=True)
    format = fields.CharField(max_length=16, null=True)
    formats = fields.CharField(max_length=64, default="")
    # Seat counters, changed only by conditional UPDATEs (events.registration): the
    # database, not the process, decides who gets the last seat.
    venue_confirmed = fields.IntField(default=0)
    venue_waitlisted = fields.IntField(default=0)
    online_confirmed = fields.IntField(default=0)
    online_waitlisted = fields.IntField(default=0)
    queue_seq = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Indexed: every feed request reads the newest change (MAX) to validate its cache.
    updated_at = fields.DatetimeField(db_index=True)

    sessions: fields.ReverseRelation[Session]
    partners: fields.ReverseRelation[EventPartner]
    # Not columns: the sorted sessions and partners that catalogue.load_details attaches.
    session_list: list[Session]
    partner_list: list[EventPartner]
    pending_partners: list[EventPartner]

    class Meta:
        table = "event"


class Session(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "kaigi.Event", related_name="sessions", on_delete=fields.CASCADE
    )
    event_id: int
    position = fields.IntField(default=0)
    title_ja = fields.CharField(max_length=300, default="")
    title_en = fields.CharField(max_length=300, default="")
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    format = fields.CharField(max_length=16)
    venue_name = fields.CharField(max_length=300, default="")
    venue_address = fields.CharField(max_length=500, default="")

    class Meta:
        table = "session"


class EventPartner(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "kaigi.Event", related_name="partners", on_delete=fields.CASCADE
    )
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "kaigi.Organization", related_name="partnerships", on_delete=fields.CASCADE
    )
    event_id: int
    organization_id: int
    role = fields.CharField(max_length=16)
    position = fields.IntField(default=0)
    # A relation another organization has not accepted yet shows nowhere public.
    status = fields.CharField(max_length=16, default="accepted", db_default="accepted")
    accepted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "event_partner"
        unique_together = (("event", "organization", "role"),)


class Registration(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "kaigi.Event", related_name="registrations", on_delete=fields.CASCADE
    )
    event_id: int
    # The attendee's secret for their ticket page and the self-service API (192 bits).
    token = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    name_kana = fields.CharField(max_length=200, default="")
    email = fields.CharField(max_length=254)
    email_normalized = fields.CharField(max_length=254)
    affiliation = fields.CharField(max_length=300, default="")
    membership = fields.CharField(max_length=100, default="none")
    attendance = fields.CharField(max_length=8)
    locale = fields.CharField(max_length=2, default=DEFAULT_LANGUAGE)
    status = fields.CharField(max_length=16, db_index=True)
    # Order in the waiting list of its mode: taken from the event's queue_seq counter.
    queue_seq = fields.IntField(default=0)
    consent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    cancelled_at = fields.DatetimeField(null=True)
    # Who cancelled ("attendee" or "organizer"), and the organizer's reason, told in the mail.
    cancelled_by = fields.CharField(max_length=16, default="", db_default="")
    cancel_reason = fields.TextField(default="", db_default="")
    checked_in_at = fields.DatetimeField(null=True)
    # Set by the List-Unsubscribe link of a broadcast: no more broadcasts, still every
    # message about the registration itself.
    unsubscribed_at = fields.DatetimeField(null=True)
    # The privacy notice version consented to (Event.privacy_version), null without consent.
    consent_version = fields.IntField(null=True)
    # "Confirm email first": the seat is held until this time, then released.
    hold_expires_at = fields.DatetimeField(null=True)
    email_confirmed_at = fields.DatetimeField(null=True)
    # The last time the ticket link was mailed on request (lost link, second registration):
    # at most once an hour.
    link_mailed_at = fields.DatetimeField(null=True)
    # What the attendee's calendar holds from us: the UIDs sent in REQUESTs and the highest
    # SEQUENCE used, so a CANCEL outranks every REQUEST and removed sessions are cancelled.
    calendar_sequence = fields.IntField(default=0, db_default=0)
    calendar_uids: fields.JSONField[list[str]] = fields.JSONField(default=list, db_default="[]")
    # Set when retention or an erasure request emptied the personal fields.
    anonymised_at = fields.DatetimeField(null=True)

    class Meta:
        table = "registration"
        unique_together = (("event", "email_normalized"),)
        indexes = (("event_id", "attendance", "status", "queue_seq"),)



class Notification(Model):
    """The outbox: a message owed to an attendee, written in the transaction that causes it.

    The unique (registration, purpose, revision) key makes a retried change queue nothing
    twice. `revision` means what the purpose needs: the event's revision for changes, a
    counter for registration messages, the session for reminders, the broadcast for
    broadcasts. The mail worker (events.worker) claims due rows with a lease and moves
    them to sent, failed or skipped; a lease that runs out makes a row due again.
    """

    id = fields.IntField(primary_key=True)
    registration: fields.ForeignKeyNullableRelation[Registration] = fields.ForeignKeyField(
        "kaigi.Registration", related_name="notifications", null=True,
        on_delete=fields.CASCADE
    )
    # Mail to a console user instead (an invitation, a password reset); `payload` holds
    # what the message needs (the link), and is emptied once the message is sent.
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "kaigi.User", related_name="notifications", null=True, on_delete=fields.CASCADE
    )
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, db_default="{}")
    purpose = fields.CharField(max_length=32)
    revision = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    # Database defaults too: rows written before these columns existed, and the raw
    # one-statement INSERT of events.seats, get valid values.
    status = fields.CharField(max_length=16, default="pending", db_default="pending")
    attempts = fields.IntField(default=0, db_default=0)
    # Null means due now (rows written before the outbox had this column).
    next_attempt_at = fields.DatetimeField(null=True)
    claimed_until = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=100, default="", db_default="")
    last_error = fields.TextField(default="", db_default="")
    # Given on the first attempt and kept, so a repeated delivery is recognisable.
    message_id = fields.CharField(max_length=255, null=True)
    sent_at = fields.DatetimeField(null=True)
    broadcast: fields.ForeignKeyNullableRelation[Broadcast] = fields.ForeignKeyField(
        "kaigi.Broadcast", related_name="messages", null=True, on_delete=fields.CASCADE
    )
    registration_id: int | None
    user_id: int | None
    broadcast_id: int | None

    class Meta:
        table = "notification"
        unique_together = (("registration", "purpose", "revision"),)
        indexes = (("status", "next_attempt_at"),)


class Broadcast(Model):
    """A message from the organizers to part of the audience, one outbox row per recipient."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "kaigi.Event", related_name="broadcasts", on_delete=fields.CASCADE
    )
    audience = fields.CharField(max_length=16)
    subject_ja = fields.CharField(max_length=200)
    subject_en = fields.CharField(max_length=200)
    body_ja = fields.TextField()
    body_en = fields.TextField()
    recipients = fields.IntField(default=0)
    api_key: fields.ForeignKeyNullableRelation[ApiKey] = fields.ForeignKeyField(
        "kaigi.ApiKey", related_name="broadcasts", null=True, on_delete=fields.SET_NULL
    )
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "kaigi.User", related_name="broadcasts", null=True, on_delete=fields.SET_NULL
    )
    event_id: int
    api_key_id: int | None
    user_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "broadcast"


class Admission(Model):
    """An accepted entry: one per registration and session day (the venue door)."""

    id = fields.IntField(primary_key=True)
    registration: fields.ForeignKeyRelation[Registration] = fields.ForeignKeyField(
        "kaigi.Registration", related_name="admissions", on_delete=fields.CASCADE
    )
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "kaigi.Event", related_name="admissions", on_delete=fields.CASCADE
    )
    session: fields.ForeignKeyNullableRelation[Session] = fields.ForeignKeyField(
        "kaigi.Session", related_name="admissions", null=True, on_delete=fields.SET_NULL
    )
    registration_id: int
    event_id: int
    session_id: int | None
    # The local date (event time zone) of the session day, ISO format.
    day = fields.CharField(max_length=10)
    gate = fields.CharField(max_length=100, default="")
    admitted_at = fields.DatetimeField()

    class Meta:
        table = "admission"
        unique_together = (("registration", "day"),)


class Scan(Model):
    """Every scan, accepted or refused, for the organizer's audit and for retries."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "kaigi.Event", related_name="scans", on_delete=fields.CASCADE
    )
    registration: fields.ForeignKeyNullableRelation[Registration] = fields.ForeignKeyField(
        "kaigi.Registration", related_name="scans", null=True, on_delete=fields.SET_NULL
    )
    admission: fields.ForeignKeyNullableRelation[Admission] = fields.ForeignKeyField(
        "kaigi.Admission", related_name="scans", null=True, on_delete=fields.SET_NULL
    )
    api_key: fields.ForeignKeyNullableRelation[ApiKey] = fields.ForeignKeyField(
        "kaigi.ApiKey", related_name="scans", null=True, on_delete=fields.SET_NULL
    )
    event_id: int
    registration_id: int | None
    admission_id: int | None
    api_key_id: int | None
    # A client's id for this scan: the same nonce again is a retry of the same scan.
    nonce = fields.CharField(max_length=100, null=True)
    code = fields.CharField(max_length=200, default="")
    result = fields.CharField(max_length=32)
    gate = fields.CharField(max_length=100, default="")
    offline = fields.BooleanField(default=False)
    scanned_at = fields.DatetimeField()
    received_at = fields.DatetimeField()
    # The answer given, replayed verbatim for a retried nonce.
    answer: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "scan"
        unique_together = (("event", "nonce"),)


class ApiKey(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    role = fields.CharField(max_length=16)
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "kaigi.Organization", related_name="api_keys", null=True, on_delete=fields.CASCADE
    )
    event: fields.ForeignKeyNullableRelation[Event] = fields.ForeignKeyField(
        "kaigi.Event", related_name="api_keys", null=True, on_delete=fields.CASCADE
    )
    organization_id: int | None
    event_id: int | None
    # SHA-256 of the key: keys are 256-bit random, so a fast hash is enough.
    key_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"


class User(Model):
    """A person who runs events in the console: an admin, or an organizer of one organization."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200, default="")
    role = fields.CharField(max_length=16)
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "kaigi.Organization", related_name="members", null=True, on_delete=fields.SET_NULL
    )
    organization_id: int | None
    # argon2id; empty until an invited user sets a password.
    password_hash = fields.CharField(max_length=255, default="")
    locale = fields.CharField(max_length=2, default=DEFAULT_LANGUAGE)
    # TOTP secret (base32) once the second factor is on, and SHA-256 of unused recovery codes.
    totp_secret = fields.CharField(max_length=64, default="")
    recovery_codes: fields.JSONField[list[str]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    password_changed_at = fields.DatetimeField(null=True)
    disabled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "console_user"


class ConsoleSession(Model):
    """A login: the cookie holds a random id, the row its SHA-256, so a logout, a disabled
    account or a new password ends it on every worker at once."""

    id = fields.IntField(primary_key=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "kaigi.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: int
    # False between the password and the second factor.
    verified = fields.BooleanField(default=True)
    client = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "console_session"


class AccountToken(Model):
    """A single-use link sent by mail: an invitation or a password reset."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "kaigi.User", related_name="tokens", on_delete=fields.CASCADE
    )
    user_id: int
    purpose = fields.CharField(max_length=16)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account_token"


class LoginFailure(Model):
    """Failed logins, per account and per client address, shared by every worker."""

    id = fields.IntField(primary_key=True)
    # "account:<email>" or "client:<address>"
    key = fields.CharField(max_length=300, db_index=True)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "login_failure"


class AuditEntry(Model):
    """Who did what, when, from where. Rows are only ever added."""

    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "kaigi.User", related_name="audit", null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None
    api_key: fields.ForeignKeyNullableRelation[ApiKey] = fields.ForeignKeyField(
        "kaigi.ApiKey", related_name="audit", null=True, on_delete=fields.SET_NULL
    )
    api_key_id: int | None
    # Who, as shown even after the user or key is gone: an email or a key's name.
    actor = fields.CharField(max_length=300, default="")
    client = fields.CharField(max_length=100, default="")
    action = fields.CharField(max_length=64, db_index=True)
    event: fields.ForeignKeyNullableRelation[Event] = fields.ForeignKeyField(
        "kaigi.Event", related_name="audit", null=True, on_delete=fields.SET_NULL
    )
    event_id: int | None
    organization: fields.ForeignKeyNullableRelation[Organization] = fields.ForeignKeyField(
        "kaigi.Organization", related_name="audit", null=True, on_delete=fields.SET_NULL
    )
    organization_id: int | None
    target = fields.CharField(max_length=300, default="")
    details: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "audit_entry"


class SiteOption(Model):
    """A setting admins change in the console (e.g. requiring a second factor for admins)."""

    key = fields.CharField(max_length=64, primary_key=True)
    value: fields.JSONField[Any] = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "site_option"


class RateCounter(Model):
    """A fixed-window counter shared by every web worker (when Redis is not configured)."""

    key = fields.CharField(max_length=255, primary_key=True)
    count = fields.IntField(default=0)
    window_ends_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "rate_counter"


class IdempotentReply(Model):
    """The first answer to a POST with an Idempotency-Key, replayed to its retries."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=255, unique=True)
    fingerprint = fields.CharField(max_length=64)
    status = fields.IntField()
    body: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "idempotent_reply"
