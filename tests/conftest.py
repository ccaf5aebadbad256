"""Fixtures: a real database (SQLite file or PostgreSQL), the app over httpx, a real uvicorn.

The database comes from KAIGI_TEST_DATABASE_URL (default: a SQLite file in a temp dir),
so the same suite runs on both: `pytest` and
`KAIGI_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test pytest`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise.connection import get_connection

from api.app import create_app
from events import access, db
from events.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-secret-key-that-is-long-enough-0123456789"
BASE_URL = "http://testserver"


def database_url(tmp_dir: Path) -> str:
    return os.environ.get("KAIGI_TEST_DATABASE_URL") or f"sqlite://{tmp_dir / 'kaigi.sqlite3'}"


def make_settings(url: str, var_dir: Path, **overrides: str) -> Settings:
    env = {
        "KAIGI_DATABASE_URL": url,
        "KAIGI_SECRET_KEY": SECRET,
        "KAIGI_BASE_URL": BASE_URL,
        "KAIGI_VAR_DIR": str(var_dir),
        **overrides,
    }
    return Settings.from_env(env)


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kaigi")


@pytest.fixture(scope="session")
def migrated_url(session_dir: Path) -> str:
    """Migrate once per run; each test then empties the tables."""
    url = database_url(session_dir)
    settings = make_settings(url, session_dir)
    asyncio.run(_reset_schema(settings))
    asyncio.run(db.migrate(settings))
    return url


async def _reset_schema(settings: Settings) -> None:
    if settings.is_sqlite:
        path = Path(settings.database_url[len("sqlite://"):])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)  # noqa: ASYNC240 (test setup)
        return
    import asyncpg

    conn = await asyncpg.connect(settings.database_url.replace("asyncpg://", "postgresql://"))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


async def empty_tables() -> None:
    conn = get_connection("default")
    dialect = conn.capabilities.dialect
    if dialect == "sqlite":
        _, rows = await conn.execute_query(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'tortoise_migrations'")
        for row in rows:
            await conn.execute_script(f'DELETE FROM "{row["name"]}"')
        await conn.execute_script("DELETE FROM sqlite_sequence")
    else:
        _, rows = await conn.execute_query(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' "
            "AND tablename != 'tortoise_migrations'")
        names = ", ".join(f'"{r["tablename"]}"' for r in rows)
        if names:
            await conn.execute_script(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return make_settings(migrated_url, tmp_path)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Settings]:
    async with db.connected(settings):
        await empty_tables()
        yield settings


@pytest.fixture
async def client(database: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(database, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        yield c


@pytest.fixture
async def admin_key(database: Settings) -> str:
    _, raw = await access.create_key("test admin", "admin")
    return raw


@pytest.fixture
def admin(admin_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_key}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def limit_env(settings: Settings) -> dict[str, str]:
    """The rate limit settings, for a server in another process."""
    return {"KAIGI_RATE_LIMITS": "on" if settings.rate_limits else "off",
            "KAIGI_RATE_REGISTRATIONS": str(settings.rate_registrations),
            "KAIGI_RATE_LOOKUPS": str(settings.rate_lookups),
            "KAIGI_RATE_TICKET_LINKS": str(settings.rate_ticket_links),
            "KAIGI_REDIS_URL": settings.redis_url,
            "KAIGI_TRUSTED_PROXIES": ",".join(map(str, settings.trusted_proxies)),
            "KAIGI_CHALLENGE_MAXNUMBER": str(settings.challenge_maxnumber)}


class LiveServer:
    """kaigi under a real uvicorn in a subprocess, as in production."""

    def __init__(self, settings: Settings, workers: int = 1):
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "KAIGI_DATABASE_URL": settings.database_url,
            "KAIGI_SECRET_KEY": settings.secret_key,
            "KAIGI_BASE_URL": settings.base_url,
            "KAIGI_VAR_DIR": str(settings.var_dir),
            **limit_env(settings),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.asgi:create", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers),
             "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                out = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"uvicorn exited: {out}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("uvicorn did not start within 30 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


@pytest.fixture
def live_server(database: Settings) -> Iterator[LiveServer]:
    server = LiveServer(database)
    yield server
    server.stop()


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; see tests/mailserver.py."""
    from tests.mailserver import MailServer

    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def browser(database: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app as a browser reaches the console: over https, so Secure cookies come back."""
    app = create_app(database, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c
