"""Domain errors with stable codes; the HTTP layer maps codes to statuses."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, get_args


class Code(StrEnum):
    """Every stable `code` a problem body may carry: clients branch on these, never on text."""

    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    UNAUTHENTICATED = "unauthenticated"
    INVALID = "invalid"
    CSRF_FAILED = "csrf_failed"
    # bounded requests
    TOO_LARGE = "too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNKNOWN_HOST = "unknown_host"
    # registration
    EVENT_CANCELLED = "event_cancelled"
    EVENT_POSTPONED = "event_postponed"
    REGISTRATION_NOT_OPEN = "registration_not_open"
    REGISTRATION_CLOSED = "registration_closed"
    ALREADY_REGISTERED = "already_registered"
    REGISTRATION_CANCELLED = "registration_cancelled"
    ATTENDANCE_NOT_OFFERED = "attendance_not_offered"
    # mail
    NOT_RETRYABLE = "not_retryable"
    # the console
    LOGIN_FAILED = "login_failed"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    STALE_EDIT = "stale_edit"
    # concurrent edits and long work under an event's lock
    PRECONDITION_FAILED = "precondition_failed"
    BUSY = "busy"
    # confirm email first
    HOLD_EXPIRED = "hold_expired"
    UNCONFIRMED = "unconfirmed"
    # the door: a refused scan's `code` is its `result`
    ALREADY_CHECKED_IN = "already_checked_in"
    DUPLICATE = "duplicate"
    CANCELLED = "cancelled"
    WAITLISTED = "waitlisted"
    ONLINE_ONLY = "online_only"
    WRONG_DAY = "wrong_day"
    WRONG_EVENT = "wrong_event"
    # abuse limits
    RATE_LIMITED = "rate_limited"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"


# What each code means, for the API document; and its HTTP status.
CODES: dict[Code, tuple[int, str]] = {
    Code.NOT_FOUND: (404, "No such resource, or not visible to this client."),
    Code.CONFLICT: (409, "The change conflicts with existing data (e.g. a duplicate slug)."),
    Code.FORBIDDEN: (403, "The key or account may not do this."),
    Code.UNAUTHENTICATED: (401, "No valid API key (Authorization: Bearer <key>)."),
    Code.INVALID: (422, "Some fields are invalid; `errors` lists every one."),
    Code.CSRF_FAILED: (403, "A form's CSRF token was missing or stale."),
    Code.TOO_LARGE: (413, "The request body is larger than the site accepts "
                          "(`max_bytes`); nothing was read past it."),
    Code.UNSUPPORTED_MEDIA_TYPE: (415, "The body is not sent as JSON: use "
                                       "Content-Type: application/json (charset utf-8)."),
    Code.UNKNOWN_HOST: (400, "The request names a Host this site does not answer to."),
    Code.EVENT_CANCELLED: (409, "The event is cancelled."),
    Code.EVENT_POSTPONED: (409, "The event is postponed; registration will reopen."),
    Code.REGISTRATION_NOT_OPEN: (409, "Registration has not opened (or the date is TBD)."),
    Code.REGISTRATION_CLOSED: (409, "Registration is closed."),
    Code.ALREADY_REGISTERED: (409, "This email address is registered for the event: its "
                                   "ticket link is mailed to it (at most hourly); the "
                                   "answer does not say the registration's status."),
    Code.REGISTRATION_CANCELLED: (409, "The registration is cancelled."),
    Code.ATTENDANCE_NOT_OFFERED: (422, "The event does not offer this attendance mode."),
    Code.NOT_RETRYABLE: (409, "Only failed or skipped messages can be retried."),
    Code.LOGIN_FAILED: (401, "The email address or password is wrong (or the login expired)."),
    Code.TOO_MANY_ATTEMPTS: (429, "Too many attempts; `retry_after` says when to try again."),
    Code.STALE_EDIT: (409, "Someone else changed this since it was loaded; reload and redo."),
    Code.PRECONDITION_FAILED: (412, "If-Match names a version (ETag) of the event that is "
                                    "not the current one; read it again and redo the change."),
    Code.HOLD_EXPIRED: (409, "The time to confirm the email address passed; the registration "
                             "was released. Register again."),
    Code.UNCONFIRMED: (409, "Scan: the attendee has not confirmed their email address yet."),
    Code.BUSY: (503, "The event is locked by a long change; try again after `retry_after` "
                     "seconds (also the Retry-After header)."),
    Code.ALREADY_CHECKED_IN: (409, "Scan: this ticket entered already today."),
    Code.DUPLICATE: (409, "Scan: an offline entry collided with another entry."),
    Code.CANCELLED: (409, "Scan: the registration is cancelled."),
    Code.WAITLISTED: (409, "Scan: the registration is on the waiting list."),
    Code.ONLINE_ONLY: (409, "Scan: the registration is for online attendance."),
    Code.WRONG_DAY: (409, "Scan: the event has no venue session today."),
    Code.WRONG_EVENT: (422, "Scan: the ticket belongs to another event."),
    Code.RATE_LIMITED: (429, "Too many requests from this client or key; `retry_after` (and "
                             "the Retry-After header) says in how many seconds to try again."),
    Code.IDEMPOTENCY_KEY_REUSED: (422, "This Idempotency-Key came with a different body: "
                                       "use a new key for a new request."),
    Code.IDEMPOTENCY_KEY_IN_USE: (409, "A request with this Idempotency-Key is still being "
                                       "answered; retry in a moment."),
}
# A scan's `result`: success, or the code of its refusal.
CheckinResult = Literal[
    "checked_in", Code.ALREADY_CHECKED_IN, Code.DUPLICATE, Code.CANCELLED, Code.WAITLISTED,
    Code.UNCONFIRMED, Code.ONLINE_ONLY, Code.WRONG_DAY, Code.WRONG_EVENT, Code.INVALID]
CHECKIN_RESULTS: tuple[str, ...] = get_args(CheckinResult)


@dataclass
class FieldError:
    """One problem with one field: `key` names its message in the vocabulary."""

    field: str
    message: str
    key: str = ""
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, path: str, key: str, **params: Any) -> FieldError:
        from events.inputs import printable
        from events.vocabulary import translate

        return cls(printable(path), printable(translate(f"invalid_{key}", "en", **params)),
                   key, params)

    def text(self, lang: str) -> str:
        """The message in `lang`, for a form next to its field."""
        from events.vocabulary import translate

        return translate(f"invalid_{self.key}", lang, **self.params) if self.key else (
            self.message)

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class DomainError(Exception):
    """`code` is stable for clients; `extra` adds facts to the problem body."""

    code: str = Code.INVALID

    def __init__(self, message: str, *, code: Code | None = None, **extra: object):
        super().__init__(message)
        self.message = message
        self.extra = extra
        if code:
            self.code = code


class NotFound(DomainError):
    code = Code.NOT_FOUND


class Conflict(DomainError):
    code = Code.CONFLICT


class Forbidden(DomainError):
    code = Code.FORBIDDEN


class Unauthenticated(DomainError):
    code = Code.UNAUTHENTICATED


class Invalid(DomainError):
    """One or more fields are wrong; all of them are reported at once."""

    code = Code.INVALID

    def __init__(self, errors: list[FieldError], message: str = "Some fields are invalid."):
        super().__init__(message)
        self.errors = errors


class Busy(DomainError):
    """Work under an event's lock ran past its deadline; nothing was changed."""

    code = Code.BUSY


class Refused(DomainError):
    """A valid request the rules refuse (registration closed, mode not offered...)."""

    def __init__(self, code: Code, message: str, **extra: object):
        super().__init__(message, code=code, **extra)


def status_of(code: str) -> int:
    """The HTTP status of a stable code (a refusal is a state conflict unless declared)."""
    member = Code._value2member_map_.get(code)
    return CODES[member][0] if isinstance(member, Code) else 409
