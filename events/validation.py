"""Checks the models cannot make: query strings, and rules that need the database.

A `Checker` collects field errors so a client learns everything wrong in one answer;
each error names its message by key (see `events.vocabulary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from events.errors import FieldError, Invalid
from events.inputs import MAX_ID, is_slug, printable, storable

__all__ = ["MAX_ID", "Checker", "is_slug", "parse_date", "printable", "storable"]


class Checker:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, field: str, key: str, **params: Any) -> None:
        self.errors.append(FieldError.of(field, key, **params))

    def done(self) -> None:
        if self.errors:
            raise Invalid(self.errors)

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
        self.fail("limit", "between", min=1, max=maximum)
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
        self.fail("cursor", "cursor")
        return None

    def text(self, params: Mapping[str, str], name: str, *, max_length: int) -> str:
        """A free-text query parameter."""
        value = params.get(name, "").strip()
        if len(value) > max_length:
            self.fail(name, "too_long", max=max_length)
            return ""
        if not storable(value):
            self.fail(name, "not_text")
            return ""
        return value

    def choices(self, params: Mapping[str, str], name: str,
                allowed: tuple[str, ...]) -> list[str]:
        """A comma-separated list of known words."""
        raw = params.get(name, "").strip()
        if not raw:
            return []
        values = [v.strip() for v in raw.split(",") if v.strip()]
        if any(v not in allowed for v in values):
            self.fail(name, "one_of", choices=", ".join(allowed))
            return []
        return values


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        return None
