"""Tortoise configuration, start-up and migrations, shared by web, CLI and tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.queryset import QuerySet

from events.config import Settings
from events.local_state import private_file

APP = "kaigi"


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(settings.database_url)},
        "apps": {
            APP: {
                "models": ["events.models"],
                "migrations": "events.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def connection_config(url: str) -> dict[str, Any] | str:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = url[len("sqlite://"):]
        if path != ":memory:":
            private_file(Path(path))  # before SQLite creates it with the umask's mode
        return {
            "engine": "tortoise.backends.sqlite",
            "credentials": {
                "file_path": path,
                "journal_mode": "WAL",
                "synchronous": "NORMAL",
                # Several worker processes share the file: wait for the write lock.
                "busy_timeout": 10000,
            },
        }
    # postgres://, postgresql:// and asyncpg:// all mean asyncpg.
    config = expand_db_url(urlunsplit(("asyncpg",) + tuple(parts)[1:]))
    config["credentials"].setdefault("maxsize", 20)
    # kaigi never leaves session state behind (no SET, LISTEN, advisory locks or open
    # cursors), so skip asyncpg's reset query: one round trip less per query.
    config["credentials"]["reset"] = _keep_session
    return config


async def _keep_session(connection: Any) -> None:
    return None


@asynccontextmanager
async def connected(settings: Settings) -> AsyncIterator[None]:
    """Open the ORM for the life of a process (web, CLI or test)."""
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def migrate(settings: Settings) -> list[str]:
    """Apply pending migrations; returns the names applied."""
    from tortoise.migrations.api.migrate import migrate as run_migrations

    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(f"{app_label}.{name}")

    try:
        await run_migrations(config=tortoise_config(settings), progress=progress)
    finally:
        # Even on failure: an open SQLite connection's thread would keep the process alive.
        await Tortoise.close_connections()
    return applied


async def ping() -> None:
    await get_connection("default").execute_query("SELECT 1")


async def column(query: QuerySet[Any], field: str) -> list[Any]:
    """One field of every row the query selects: `values_list(field, flat=True)`.

    Here so the result is typed as what it is, a list of values: tortoise types every
    `values_list` as rows of tuples, `flat` or not (tortoise-orm issue 1112).
    """
    values: list[Any] = await query.values_list(field, flat=True)
    return values


def dialect() -> str:
    return get_connection("default").capabilities.dialect
