"""Domain errors with stable codes; the HTTP layer maps codes to statuses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class DomainError(Exception):
    """`code` is stable for clients; `extra` adds facts to the problem body."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, **extra: object):
        super().__init__(message)
        self.message = message
        self.extra = extra
        if code:
            self.code = code


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Forbidden(DomainError):
    code = "forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Invalid(DomainError):
    """One or more fields are wrong; all of them are reported at once."""

    code = "invalid"

    def __init__(self, errors: list[FieldError], message: str = "Some fields are invalid."):
        super().__init__(message)
        self.errors = errors


class Refused(DomainError):
    """A valid request the rules refuse (registration closed, mode not offered...)."""

    def __init__(self, code: str, message: str, **extra: object):
        super().__init__(message, code=code, **extra)
