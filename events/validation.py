"""Checks for incoming data: collect every problem, then raise them together."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from events.errors import FieldError, Invalid

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
MISSING: Any = object()
# Row ids are 32-bit integers on both databases.
MAX_ID = 2**31 - 1


def is_slug(value: str) -> bool:
    return SLUG_RE.match(value) is not None


def printable(text: str) -> str:
    """Client-sent text made safe to echo back: lone surrogates cannot be encoded as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def storable(text: str) -> bool:
    """Whether both databases can store the text: no NUL, no lone surrogates."""
    return "\x00" not in text and printable(text) == text


class Checker:
    """Collects field errors so a client learns everything wrong in one answer."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, field: str, message: str) -> None:
        self.errors.append(FieldError(printable(field), printable(message)))

    def done(self) -> None:
        if self.errors:
            raise Invalid(self.errors)

    def text(self, data: dict, field: str, *, max_length: int, required: bool = False,
             path: str = "") -> str | None:
        name = path + field
        value = data.get(field, MISSING)
        if value is MISSING or value is None:
            if required:
                self.fail(name, "is required")
            return None if value is MISSING else ""
        if not isinstance(value, str):
            self.fail(name, "must be a string")
            return None
        value = value.strip()
        if not storable(value):
            self.fail(name, "must be text without NUL characters or lone surrogates")
            return None
        if required and not value:
            self.fail(name, "must not be empty")
            return None
        if len(value) > max_length:
            self.fail(name, f"must be at most {max_length} characters")
            return None
        return value

    def slug(self, data: dict, field: str = "slug", *, required: bool = True,
             path: str = "") -> str | None:
        value = self.text(data, field, max_length=100, required=required, path=path)
        if value and not is_slug(value):
            self.fail(path + field, "use lower-case letters, digits and inner hyphens only")
            return None
        return value

    def bilingual(self, data: dict, field: str, *, max_length: int, required: bool = False,
                  path: str = "") -> tuple[str, str] | None:
        """A `{"ja", "en"}` pair; a plain string stands for both languages."""
        name = path + field
        value = data.get(field, MISSING)
        if value is MISSING or value is None:
            if required:
                self.fail(name, "is required")
            return None if value is MISSING else ("", "")
        if isinstance(value, str):
            value = {"ja": value, "en": value}
        if not isinstance(value, dict):
            self.fail(name, 'must be an object {"ja": ..., "en": ...} or a string')
            return None
        unknown = set(value) - {"ja", "en"}
        if unknown:
            self.fail(name, f"unknown language(s): {', '.join(sorted(map(str, unknown)))}")
            return None
        ja = self.text(value, "ja", max_length=max_length, path=name + ".")
        en = self.text(value, "en", max_length=max_length, path=name + ".")
        if ja is None and en is None and ("ja" in value or "en" in value):
            return None
        ja, en = ja or "", en or ""
        if required and not (ja or en):
            self.fail(name, "needs a text in ja or en")
            return None
        return (ja or en, en or ja)

    def only(self, data: dict, known: set[str], what: str, *, path: str = "") -> None:
        """Unknown fields are refused, so a misspelt one is not silently dropped."""
        for extra in sorted(set(data) - known):
            self.fail(path + str(extra)[:100], f"is not a field of {what}")

    def limit(self, params: Mapping[str, str], *, default: int, maximum: int) -> int:
        """A page size from the query string, within 1..maximum."""
        if "limit" not in params:
            return default
        try:
            value = int(params["limit"])
            if 1 <= value <= maximum:
                return value
        except ValueError:
            pass
        self.fail("limit", f"must be a whole number from 1 to {maximum}")
        return default

    def id_cursor(self, params: Mapping[str, str]) -> int | None:
        """A row id handed out as `next_cursor`; ids are 32-bit on both databases."""
        raw = params.get("cursor")
        if not raw:
            return None
        try:
            value = int(raw)
            if 0 <= value < MAX_ID:
                return value
        except ValueError:
            pass
        self.fail("cursor", "is not a cursor this server gave out")
        return None

    def choice(self, data: dict, field: str, choices: tuple[str, ...], *,
               required: bool = False, path: str = "") -> str | None:
        value = data.get(field, MISSING)
        if value is MISSING or value is None:
            if required:
                self.fail(path + field, "is required")
            return None
        if value not in choices:
            self.fail(path + field, f"must be one of {', '.join(choices)}")
            return None
        return value

    def boolean(self, data: dict, field: str) -> bool | None:
        value = data.get(field, MISSING)
        if value is MISSING:
            return None
        if not isinstance(value, bool):
            self.fail(field, "must be true or false")
            return None
        return value

    def count(self, data: dict, field: str, *, path: str = "") -> int | None | Any:
        """A non-negative integer or null (unlimited); MISSING when absent."""
        value = data.get(field, MISSING)
        if value is MISSING or value is None:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path + field, "must be a whole number or null")
            return MISSING
        if not 0 <= value <= 1_000_000:
            self.fail(path + field, "must be between 0 and 1000000")
            return MISSING
        return value

    def timezone(self, data: dict, field: str = "timezone") -> str | None:
        value = self.text(data, field, max_length=64)
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                self.fail(field, f"unknown time zone {value!r}")
                return None
        return value

    def url(self, data: dict, field: str, *, path: str = "") -> str | None:
        value = self.text(data, field, max_length=1000, path=path)
        if value and not re.match(r"^https?://[^\s/]+\S*$", value):
            self.fail(path + field, "must be an http(s) URL")
            return None
        return value

    def datetime(self, data: dict, field: str, tz: ZoneInfo, *, required: bool = False,
                 path: str = "") -> datetime | None | Any:
        """ISO 8601; a time without offset is read in the event's time zone."""
        value = data.get(field, MISSING)
        if value is MISSING or value is None:
            if required:
                self.fail(path + field, "is required")
            return value
        parsed = parse_datetime(value, tz)
        if parsed is None:
            self.fail(path + field, "must be an ISO 8601 date-time, e.g. 2021-04-14T10:00:00+09:00")
            return MISSING
        return parsed


def parse_datetime(value: Any, tz: ZoneInfo) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if not 1900 <= parsed.year <= 2999:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        return None
