"""Throw-away empty databases, and the `kaigi` command, for tests that need them fresh."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_server_url() -> str:
    """The maintenance database of the server the suite uses, or the machine's default one."""
    url = os.environ.get("KAIGI_TEST_DATABASE_URL", "")
    if urlsplit(url).scheme in ("postgres", "postgresql"):
        return urlunsplit(urlsplit(url)._replace(path="/postgres"))
    return DEFAULT_POSTGRES


@asynccontextmanager
async def empty_postgres() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards; skips when no server answers."""
    import asyncpg

    server = postgres_server_url()
    try:
        admin = await asyncpg.connect(server, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"no PostgreSQL server at {server} ({type(exc).__name__}: {exc})")
    name = f"kaigi_mig_{secrets.token_hex(6)}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def kaigi(*args: str, env: dict[str, str], cwd: Path,
          timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed `kaigi` command (or the same module) with only the given settings."""
    script = Path(sys.executable).with_name("kaigi")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KAIGI_")}
    return subprocess.run(
        [*command, *args], env={**clean, "PYTHONPATH": str(ROOT), **env}, cwd=cwd,
        capture_output=True, text=True, timeout=timeout, check=False)
