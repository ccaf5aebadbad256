"""Settings: the one place kaigi reads its environment.

Everything else receives a `Settings` object explicitly, so tests build their own
without patching anything.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES = ("ja", "en")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class SettingsError(Exception):
    """Every invalid or missing setting at once, so an operator fixes them in one go."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"kaigi cannot start, {len(problems)} setting(s) to fix:\n{lines}")


@dataclass(frozen=True)
class SettingDoc:
    name: str
    default: str
    meaning: str


# The README's settings table is checked against this list by a test.
DOCUMENTED: tuple[SettingDoc, ...] = (
    SettingDoc("KAIGI_DATABASE_URL", "sqlite://./var/kaigi.sqlite3",
               "Database: `sqlite://PATH`, `postgres://…` or `postgresql://…`."),
    SettingDoc("KAIGI_BASE_URL", "http://127.0.0.1:8000",
               "Public address of the site, used in links, feeds and mail."),
    SettingDoc("KAIGI_SECRET_KEY", "(generated in dev mode)",
               "Signs CSRF tokens and derives the ticket key. Required outside dev mode, "
               "at least 32 characters."),
    SettingDoc("KAIGI_TICKET_KEY", "(derived from the secret key)",
               "Ed25519 private key for ticket codes: 32 bytes, URL-safe base64."),
    SettingDoc("KAIGI_DEV", "false",
               "Dev mode: a secret key is generated and kept in `./var/`. `kaigi demo` "
               "turns it on."),
    SettingDoc("KAIGI_DEFAULT_TIMEZONE", "Asia/Tokyo",
               "Time zone of new events when none is given."),
    SettingDoc("KAIGI_DEFAULT_LANGUAGE", "ja",
               "Page language when neither `?lang=` nor Accept-Language decides (`ja`, `en`)."),
    SettingDoc("KAIGI_VAR_DIR", "./var",
               "Where kaigi keeps local state: the SQLite file, the dev secret, the mail outbox."),
)


@dataclass(frozen=True)
class Settings:
    database_url: str
    base_url: str
    secret_key: str
    ticket_key: bytes | None = None
    dev: bool = False
    default_timezone: str = "Asia/Tokyo"
    default_language: str = "ja"
    var_dir: Path = field(default_factory=lambda: Path("var"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, dev: bool | None = None
                 ) -> Settings:
        env = dict(os.environ if environ is None else environ)
        problems: list[str] = []

        var_dir = Path(env.get("KAIGI_VAR_DIR") or "var")
        if dev is None:
            dev = _parse_bool(env, "KAIGI_DEV", problems)

        database_url = env.get("KAIGI_DATABASE_URL") or f"sqlite://{var_dir / 'kaigi.sqlite3'}"
        scheme = urlsplit(database_url).scheme
        if scheme not in ("sqlite", "postgres", "postgresql", "asyncpg"):
            problems.append(
                "KAIGI_DATABASE_URL: expected sqlite://PATH, postgres://… or postgresql://…, "
                f"got scheme {scheme or '(none)'!r}"
            )

        base_url = (env.get("KAIGI_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"KAIGI_BASE_URL: expected an http(s) URL, got {base_url!r}")

        secret_key = env.get("KAIGI_SECRET_KEY", "")
        if not secret_key:
            if dev:
                secret_key = _dev_secret(var_dir)
            else:
                problems.append(
                    "KAIGI_SECRET_KEY: required outside dev mode (set KAIGI_DEV=1 for a "
                    "generated one); make it a random string of 32+ characters"
                )
        elif len(secret_key) < 32:
            problems.append("KAIGI_SECRET_KEY: too short, use at least 32 characters")

        ticket_key = None
        if raw := env.get("KAIGI_TICKET_KEY"):
            try:
                ticket_key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
                if len(ticket_key) != 32:
                    raise ValueError
            except ValueError:
                problems.append("KAIGI_TICKET_KEY: expected 32 bytes in URL-safe base64")

        timezone = env.get("KAIGI_DEFAULT_TIMEZONE") or "Asia/Tokyo"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"KAIGI_DEFAULT_TIMEZONE: unknown time zone {timezone!r}")

        language = env.get("KAIGI_DEFAULT_LANGUAGE") or "ja"
        if language not in LANGUAGES:
            problems.append(f"KAIGI_DEFAULT_LANGUAGE: expected one of ja, en, got {language!r}")

        if problems:
            raise SettingsError(problems)
        return cls(
            database_url=database_url,
            base_url=base_url,
            secret_key=secret_key,
            ticket_key=ticket_key,
            dev=dev,
            default_timezone=timezone,
            default_language=language,
            var_dir=var_dir,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"


def _parse_bool(env: Mapping[str, str], name: str, problems: list[str]) -> bool:
    value = env.get(name, "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value not in FALSE_WORDS:
        problems.append(f"{name}: expected true or false, got {value!r}")
    return False


def _dev_secret(var_dir: Path) -> str:
    """Generate once and keep, so dev sessions and tickets survive a restart."""
    path = var_dir / "dev-secret-key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return secret
