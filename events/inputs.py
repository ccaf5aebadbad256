"""What clients may send, declared once.

The pydantic models below are both the rule and its documentation: the API's OpenAPI
components are generated from them. Every problem is reported at once, each as a
`FieldError` whose `field` is a path like `sessions[0].starts_at` and whose `key` names a
message of the vocabulary, so a form shows it in the page's language. Checks that need
the database (a series or an organization exists) stay in the domain modules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any, Literal, TypeVar, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from events.errors import CheckinResult, FieldError, Invalid
from events.vocabulary import (
    ATTENDANCE_MODES,
    LANGUAGES,
    AttendanceMode,
    EventStatus,
    Language,
    PartnerRole,
    SessionFormat,
)

# Row ids are 32-bit integers on both databases.
MAX_ID = 2**31 - 1
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$"
SLUG_RE = re.compile(SLUG_PATTERN)
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
KANA_RE = re.compile(r"^[\u3040-\u309F\u30A0-\u30FF\u31F0-\u31FF\uFF65-\uFF9F\u3000 ・ー\-]+$")
# One rule for registration and delivery: an address the form accepts is one the mailer
# sends to (no quoted local parts, no lists, a dotted domain).
EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f\x7f\"<>(),;:\\\[\]]{1,64}@[A-Za-z0-9]"
                      r"(?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*"
                      r"[A-Za-z0-9])?)+$")
URL_RE = re.compile(r"^https?://[^\s/]+\S*$")
MAX_SESSIONS = 200
MAX_PARTNERS = 50

M = TypeVar("M", bound=BaseModel)


# ---- reading: models in, field errors out --------------------------------------------------

def parse(model: type[M], data: Any) -> M:
    """`data` (decoded JSON) as `model`, or `Invalid` listing every problem."""
    if not isinstance(data, dict):
        raise Invalid([FieldError.of("body", "not_object")])
    # A field name no database could store is named back escaped (pydantic cannot).
    odd = [k for k in data if not storable(k)]
    problems = [FieldError.of(k, "unknown_field") for k in odd]
    try:
        model_value = model.model_validate({k: v for k, v in data.items() if k not in odd})
    except ValidationError as exc:
        problems += field_errors(exc.errors())
    if problems:
        raise Invalid(problems)
    return model_value


def field_errors(errors: Iterable[Any]) -> list[FieldError]:
    """pydantic's errors as ours: a path per field, a message key, its parameters."""
    out: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for error in errors:
        loc = _without_union_tags(error["loc"])
        field = path(loc)
        key, params = _key_of(error)
        if (field, key) in seen:  # an `X | None` reports the same problem twice
            continue
        seen.add((field, key))
        out.append(FieldError.of(field, key, **params))
    return out


def path(loc: Iterable[int | str]) -> str:
    """('sessions', 0, 'starts_at') → 'sessions[0].starts_at'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)[:100]
    return text or "body"


def _without_union_tags(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """An `A | B` field names the branch in the path ('venue', 'VenueIn'): drop it."""
    return tuple(p for p in loc if not (isinstance(p, str) and p in _UNION_TAGS))


_UNION_TAGS = {"none", "null", "str", "int", "bool", "list", "function-after",
               "function-before", "function-plain", "constrained-str", "datetime"}

# pydantic's own error types, as our message keys.
_PYDANTIC_KEYS = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_type": "not_string",
    "string_too_long": "too_long",
    "string_too_short": "empty",
    "string_pattern_mismatch": "slug",
    "bool_type": "not_boolean",
    "int_type": "not_whole_number",
    "int_from_float": "not_whole_number",
    "int_parsing": "not_whole_number",
    "greater_than_equal": "at_least",
    "less_than_equal": "at_most",
    "literal_error": "one_of",
    "list_type": "not_list",
    "too_long": "too_many",
    "model_type": "not_object",
    "model_attributes_type": "not_object",
    "dict_type": "not_object",
    "datetime_type": "datetime",
    "string_unicode": "not_text",
}


def _key_of(error: Any) -> tuple[str, dict[str, Any]]:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in _PYDANTIC_KEYS and error.get("input", ...) is None and kind.endswith("_type"):
        return "required", {}
    key = _PYDANTIC_KEYS.get(kind)
    if key is None:  # one of ours (PydanticCustomError) carries its key as its type
        return kind, {k: v for k, v in ctx.items() if isinstance(v, str | int)}
    if key == "too_long":
        return key, {"max": ctx.get("max_length", 0)}
    if key == "too_many":
        return key, {"max": ctx.get("max_length", 0)}
    if key == "at_least":
        return key, {"min": ctx.get("ge", 0)}
    if key == "at_most":
        return key, {"max": ctx.get("le", 0)}
    if key == "one_of":
        return key, {"choices": str(ctx.get("expected", "")).replace("'", "")}
    return key, {}


def fail(key: str, **params: Any) -> PydanticCustomError:
    """An error for a validator to raise; the message itself lives in the vocabulary."""
    from events.vocabulary import translate

    return PydanticCustomError(key, translate(f"invalid_{key}", "en", **params), params)


# ---- the field types ----------------------------------------------------------------------

def printable(text: str) -> str:
    """Client-sent text made safe to echo back: lone surrogates cannot be encoded as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def storable(text: str) -> bool:
    """Whether both databases can store the text: no NUL, no lone surrogates."""
    return "\x00" not in text and printable(text) == text


def is_slug(value: str) -> bool:
    return SLUG_RE.match(value) is not None


def _storable(value: str) -> str:
    if not storable(value):
        raise fail("not_text")
    return value


def _one_line(value: str) -> str:
    if CONTROL_RE.search(value):
        raise fail("single_line")
    return value


def _not_empty(value: str) -> str:
    if not value:
        raise fail("empty")
    return value


def _stripped(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, max_length=max_length, strict=True)


# Stripped text both databases can store, by maximum length.
Text64 = Annotated[str, _stripped(64), AfterValidator(_storable)]
Text100 = Annotated[str, _stripped(100), AfterValidator(_storable)]
Text150 = Annotated[str, _stripped(150), AfterValidator(_storable)]
Text300 = Annotated[str, _stripped(300), AfterValidator(_storable)]
Text500 = Annotated[str, _stripped(500), AfterValidator(_storable)]
Text1000 = Annotated[str, _stripped(1000), AfterValidator(_storable)]
Text5000 = Annotated[str, _stripped(5000), AfterValidator(_storable)]
Text20000 = Annotated[str, _stripped(20000), AfterValidator(_storable)]
Text50000 = Annotated[str, _stripped(50000), AfterValidator(_storable)]
# One line, no control characters: it may end up in a mail header or a CSV cell.
Line100 = Annotated[Text100, AfterValidator(_one_line)]
Line200 = Annotated[str, _stripped(200), AfterValidator(_storable), AfterValidator(_one_line)]
Line254 = Annotated[str, _stripped(254), AfterValidator(_storable), AfterValidator(_one_line)]
Line300 = Annotated[Text300, AfterValidator(_one_line)]

Slug = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, strict=True,
                                        pattern=SLUG_PATTERN), AfterValidator(_storable)]


def _url(value: str) -> str:
    if value and not URL_RE.match(value):
        raise fail("url")
    return value


Url = Annotated[Text1000, AfterValidator(_url), Field(json_schema_extra={"format": "uri"})]


def _timezone(value: str) -> str:
    if value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise fail("timezone", value=printable(value)[:64]) from None
    return value


TimeZoneName = Annotated[Text64, AfterValidator(_timezone),
                         Field(examples=["Asia/Tokyo"])]


def parse_instant(value: Any) -> datetime:
    """ISO 8601 from 1900 to 2999; a time without offset stays naive (see `in_zone`)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or len(value) > 40:
        raise fail("datetime")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise fail("datetime") from None
    if not 1900 <= parsed.year <= 2999:
        raise fail("datetime")
    return parsed


Instant = Annotated[datetime, BeforeValidator(parse_instant, json_schema_input_type=str)]


def in_zone(value: datetime, tz: tzinfo) -> datetime:
    """A client's time in UTC; one written without an offset is read in `tz`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def _whole_number(value: Any) -> Any:
    """Ids typed by hand arrive as strings of digits too."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return value


RowId = Annotated[StrictInt, BeforeValidator(_whole_number), Field(ge=1, le=MAX_ID)]
Count = Annotated[StrictInt, Field(ge=0, le=1_000_000)]


class Closed(BaseModel):
    """Unknown fields are refused, so a misspelt one is not silently dropped."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _known_languages(value: Any) -> Any:
    """A plain string stands for both languages."""
    if isinstance(value, str):
        return {"ja": value, "en": value}
    if isinstance(value, dict) and set(value) - set(LANGUAGES):
        unknown = ", ".join(sorted(printable(str(k))[:20] for k in set(value) - set(LANGUAGES)))
        raise fail("unknown_languages", languages=unknown)
    if not isinstance(value, dict):
        raise fail("languages")
    return value


class Bilingual(Closed):
    """Text in Japanese and English; either may be left out."""

    ja: str | None = None
    en: str | None = None

    def pair(self) -> tuple[str, str]:
        """(ja, en), each falling back to the other language."""
        return (self.ja or self.en or ""), (self.en or self.ja or "")


# One model per maximum length, so the document states each limit.
class Text150Pair(Bilingual):
    ja: Text150 | None = None
    en: Text150 | None = None


class Text300Pair(Bilingual):
    ja: Text300 | None = None
    en: Text300 | None = None


class Text5000Pair(Bilingual):
    ja: Text5000 | None = None
    en: Text5000 | None = None


class Text20000Pair(Bilingual):
    ja: Text20000 | None = None
    en: Text20000 | None = None


class Text50000Pair(Bilingual):
    ja: Text50000 | None = None
    en: Text50000 | None = None


# `{"ja", "en"}`, or a plain string standing for both.
Bilingual150 = Annotated[Text150Pair, BeforeValidator(
    _known_languages, json_schema_input_type=Annotated[str, Field(max_length=150)] | Text150Pair)]
Bilingual300 = Annotated[Text300Pair, BeforeValidator(
    _known_languages, json_schema_input_type=Annotated[str, Field(max_length=300)] | Text300Pair)]
Bilingual5000 = Annotated[Text5000Pair, BeforeValidator(
    _known_languages,
    json_schema_input_type=Annotated[str, Field(max_length=5000)] | Text5000Pair)]
Bilingual20000 = Annotated[Text20000Pair, BeforeValidator(
    _known_languages,
    json_schema_input_type=Annotated[str, Field(max_length=20000)] | Text20000Pair)]
Bilingual50000 = Annotated[Text50000Pair, BeforeValidator(
    _known_languages,
    json_schema_input_type=Annotated[str, Field(max_length=50000)] | Text50000Pair)]


def pair(value: Bilingual | None) -> tuple[str, str]:
    """(ja, en) of a bilingual field; each falls back to the other language."""
    return value.pair() if value is not None else ("", "")


def _require_text(value: Any) -> Any:
    if value is None:
        raise fail("required")
    if not any(pair(value)):
        raise fail("needs_text")
    return value


# ---- catalogue ----------------------------------------------------------------------------

class OrganizationIn(Closed):
    """An organization that takes part in events: organiser, co-host, supporter, sponsor."""

    slug: Slug
    name: Annotated[Bilingual300, AfterValidator(_require_text)]
    url: Url | None = None


class SeriesIn(Closed):
    """Recurring events, e.g. the twice-yearly symposium."""

    slug: Slug
    name: Annotated[Bilingual300, AfterValidator(_require_text)]


class VenueIn(Closed):
    name: Text300 | None = None
    address: Text500 | None = None


class EventVenueIn(VenueIn):
    """The event's venue. `name` and `address` are the Japanese (or only) ones; on a change
    the English ones and the map link keep their value when left out."""

    name_en: Text300 | None = Field(default=None, description="Empty: the Japanese name.")
    address_en: Text500 | None = Field(default=None,
                                       description="Empty: the Japanese address.")
    map_url: Url | None = None


def _email_or_empty(value: str) -> str:
    if value and not deliverable(value):
        raise fail("email")
    return value


# Besides "none" (always offered): the association's members, OIC members, or the members
# of an organization (its slug).
BASIC_MEMBERSHIPS = ("member", "oic_member")
MAX_MEMBERSHIP_CHOICES = 20


def _membership_choice(value: str) -> str:
    if value not in (*BASIC_MEMBERSHIPS, "none") and not is_slug(value):
        raise fail("membership")
    return value


MembershipChoice = Annotated[Text100, AfterValidator(_membership_choice),
                             Field(examples=["member", "oic_member", "jpaawg"])]


class CapacityIn(Closed):
    """Seats per attendance mode; null is unlimited. A mode left out keeps its capacity."""

    venue: Count | None = None
    online: Count | None = None

    @model_validator(mode="before")
    @classmethod
    def _modes_only(cls, data: Any) -> Any:
        if isinstance(data, dict) and set(data) - set(ATTENDANCE_MODES):
            raise fail("capacity")
        return data


class SessionIn(Closed):
    id: StrictInt | None = Field(
        default=None, description="Keep an existing session (and its calendar UID).")
    title: Bilingual300 | None = None
    starts_at: Instant
    ends_at: Instant
    format: SessionFormat
    venue: VenueIn | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _session_id(cls, value: Any) -> Any:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise fail("session_id")
        return value


class PartnerIn(Closed):
    org: Annotated[Text100, AfterValidator(_not_empty)]
    role: PartnerRole


# How long personal data may be kept after an event, in days (about ten years at most).
MAX_RETENTION_DAYS = 3650


class PrivacyIn(Closed):
    """The event's privacy notice (APPI): why the data is collected, who uses it jointly,
    how long it is kept. A change raises the event's `privacy_version`."""

    purpose: Bilingual5000 | None = Field(
        default=None, description="Why the data is collected; empty: the site's wording.")
    joint_use: Bilingual5000 | None = Field(
        default=None, description="What is used jointly and who answers for it; with "
                                  "share_registrants on, the co-hosts are named as joint "
                                  "users.")
    retention_days: Annotated[StrictInt, Field(ge=1, le=MAX_RETENTION_DAYS)] | None = Field(
        default=None, description="Days after the event's last day before the "
                                  "registrations are anonymised; null: KAIGI_RETENTION_DAYS.")


# The public form's proof-of-work challenge (events.challenge): always, never, or when a
# client comes close to its registration limit.
ChallengeMode = Literal["off", "on", "auto"]


class EventPatch(Closed):
    """A change to an event: only the fields sent change; `sessions` and `partners`
    replace the lists. An event always keeps a slug and a title."""

    slug: Slug | None = None
    title: Annotated[Bilingual300 | None, AfterValidator(_require_text)] = None
    summary: Bilingual5000 | None = None
    description: Bilingual50000 | None = None
    series: Text100 | None = Field(default=None, description="A series slug; null for none.")
    status: EventStatus | None = None
    date_tbd: StrictBool | None = None
    timezone: TimeZoneName | None = Field(
        default=None, description="IANA time zone; empty or null keeps the current one "
                                  "(the site's default on creation).")
    venue: EventVenueIn | None = None
    stream_url: Url | None = Field(
        default=None, description="Shown to confirmed online attendees only.")
    capacity: CapacityIn | None = None
    registration_opens_at: Instant | None = None
    registration_closes_at: Instant | None = None
    sessions: Annotated[list[SessionIn], Field(max_length=MAX_SESSIONS)] | None = None
    partners: Annotated[list[PartnerIn], Field(max_length=MAX_PARTNERS)] | None = None
    contact_email: Annotated[Line254, AfterValidator(_email_or_empty)] | None = Field(
        default=None, description="The event's contact address, shown to attendees; "
                                  "empty for none.", json_schema_extra={"format": "email"})
    membership_choices: Annotated[list[MembershipChoice], Field(
        max_length=MAX_MEMBERSHIP_CHOICES)] | None = Field(
        default=None, description="What the registration form offers besides none: member, "
                                  "oic_member or organization slugs.")
    share_registrants: StrictBool | None = Field(
        default=None, description="Co-host organizers see the registrants (joint use, "
                                  "named on the registration form).")
    challenge: ChallengeMode | None = Field(
        default=None, description="Proof-of-work challenge on registration: on, off, or "
                                  "auto (on for a client past half its registration limit).")
    privacy: PrivacyIn | None = Field(
        default=None, description="The privacy notice; members left out keep their value.")
    consent_required: StrictBool | None = Field(
        default=None, description="Registrations must consent to the privacy notice "
                                  "(`consent: true`), through the API too.")
    confirm_email: StrictBool | None = Field(
        default=None, description="Confirm email first: a registration holds its seat (or "
                                  "waiting-list place) until the attendee opens the mailed "
                                  "link (KAIGI_CONFIRM_HOLD_MINUTES), and every registration "
                                  "attempt gets the same answer, 202 `check_email`.")

    @field_validator("sessions", "partners", "membership_choices", mode="after")
    @classmethod
    def _lists_not_null(cls, value: list[Any] | None) -> list[Any] | None:
        if value is None:  # sent as null: the lists can be emptied, not nulled
            raise fail("not_list")
        return value

    @field_validator("membership_choices", mode="after")
    @classmethod
    def _distinct_choices(cls, value: list[str]) -> list[str]:
        """In the order sent, each once; "none" is always offered and not stored."""
        choices = list(dict.fromkeys(c for c in value if c != "none"))
        if len(",".join(choices)) > 500:
            raise fail("too_long", max=500)
        return choices

    @field_validator("slug", mode="after")
    @classmethod
    def _keep_slug(cls, value: str | None) -> str | None:
        # Runs only for a slug that was sent: a PATCH may change it, never blank it.
        if not value:
            raise fail("required")
        return value


class EventIn(EventPatch):
    """A new event. Times without an offset are read in the event's time zone."""

    slug: Slug
    title: Annotated[Bilingual300, AfterValidator(_require_text)]


# ---- registration -------------------------------------------------------------------------

def deliverable(address: str) -> bool:
    """Whether kaigi can send to the address (and so accept it on a form). Check it after
    `typed_email`: a full-width address is the ASCII one, typed with a Japanese IME on."""
    return EMAIL_RE.match(address) is not None


# CJK compatibility ideographs (神 U+FA19 and the like): NFKC would swap them for the
# unified ideograph, another glyph of someone's name. A name keeps them as typed.
_COMPATIBILITY_IDEOGRAPHS = re.compile("([\uF900-\uFAFF\U0002F800-\U0002FA1F]+)")


def typed_text(value: Any) -> Any:
    """Text as a Japanese keyboard types it, read as meant: NFKC (half-width ｶﾀｶﾅ become
    カタカナ, full-width ＡＢＣ１２３ and the ideographic space plain ones), except the
    compatibility ideographs of names. Anything but a string is left to the type check."""
    if not isinstance(value, str):
        return value
    parts = _COMPATIBILITY_IDEOGRAPHS.split(value)
    return "".join(part if n % 2 else unicodedata.normalize("NFKC", part)
                   for n, part in enumerate(parts))


def typed_email(value: Any) -> Any:
    """An address as typed: ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ is taro@example.jp."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def _email(value: str) -> str:
    if not deliverable(value):
        raise fail("email")
    return value


def _kana(value: str) -> str:
    if value and not KANA_RE.match(value):
        raise fail("kana")
    return value


class RegistrationIn(Closed):
    """A registration for an event, from the public form or a script."""

    name: Annotated[Line200, BeforeValidator(typed_text), AfterValidator(_not_empty)]
    name_kana: Annotated[Line200, BeforeValidator(typed_text), AfterValidator(_kana)
                         ] | None = Field(default=None,
                                          description="Reading of the name, in kana.")
    email: Annotated[Line254, BeforeValidator(typed_email), AfterValidator(_not_empty),
                     AfterValidator(_email)] = Field(json_schema_extra={"format": "email"})
    affiliation: Annotated[Line300, BeforeValidator(typed_text)] | None = None
    membership: Line100 | None = Field(
        default=None, description="none, member, oic_member or an organization slug")
    attendance: AttendanceMode | None = Field(
        default=None, description="Default: the only mode the event offers.")
    locale: Language | None = None
    consent: StrictBool | None = None
    challenge: Annotated[str, StringConstraints(max_length=2000, strict=True)] | None = Field(
        default=None, description="The solved proof-of-work challenge (base64 of the JSON "
                                  "{algorithm, challenge, number, salt, signature}), when the "
                                  "event asks for one: see GET /api/v1/events/{slug}/challenge.")


class TicketLinkIn(Closed):
    """"Lost your ticket link?": the address registered for the event."""

    email: Annotated[Line254, BeforeValidator(typed_email), AfterValidator(_not_empty),
                     AfterValidator(_email)] = Field(json_schema_extra={"format": "email"})


class AttendanceIn(Closed):
    attendance: AttendanceMode


# ---- the door -----------------------------------------------------------------------------

def _garbled_ok(value: Any) -> Any:
    """A garbled code is an `invalid` scan, answered as such, not a malformed request."""
    return printable(value) if isinstance(value, str) else value


class ScanIn(Closed):
    """One scan: a ticket code, or a registration id for the manual fallback."""

    code: Annotated[str, StringConstraints(max_length=2000, strict=True),
                    BeforeValidator(_garbled_ok)] | None = Field(
        default=None, description="The ticket QR's text")
    registration_id: RowId | None = Field(default=None,
                                          description="Ticket number, instead of a code")
    session: RowId | None = Field(
        default=None, description="A venue session of the event (default: today's)")
    gate: Line100 | None = None
    nonce: Line100 | None = Field(
        default=None, description="The client's id for this scan: a retry returns the "
                                  "original answer")
    scanned_at: Instant | None = Field(
        default=None, description="When an offline scan was made; its day and order come "
                                  "from this time")
    offline_result: CheckinResult | None = Field(
        default=None, description="What the offline device showed; an entry it refused "
                                  "admits nobody")


# ---- mail ---------------------------------------------------------------------------------

Audience = Literal["all", "venue", "online", "checked_in", "not_checked_in", "waitlisted"]
AUDIENCES: tuple[Audience, ...] = get_args(Audience)


def _subject_line(value: Any) -> Any:
    if any(CONTROL_RE.search(s) for s in pair(value)):
        raise fail("single_line")
    return value


class BroadcastIn(Closed):
    """A message to an event's audience, in each recipient's language."""

    subject: Annotated[Bilingual150, AfterValidator(_require_text),
                       AfterValidator(_subject_line)]
    body: Annotated[Bilingual20000, AfterValidator(_require_text)]
    audience: Audience = Field(
        default="all", description="Default: all (confirmed and waitlisted). "
                                   "Unsubscribed registrations are always left out.")
    dry_run: StrictBool = Field(default=False,
                                description="Only count the audience and render the message.")


# Every JSON body a client may send; the OpenAPI components are generated from these.
MODELS: tuple[type[BaseModel], ...] = (
    OrganizationIn, SeriesIn, EventIn, EventPatch, SessionIn, PartnerIn, VenueIn, EventVenueIn,
    CapacityIn, RegistrationIn, AttendanceIn, ScanIn, BroadcastIn, PrivacyIn,
)
