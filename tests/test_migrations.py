"""The committed migrations build the whole schema on empty SQLite and PostgreSQL databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from events import db, demo
from events.models import ApiKey, Event, EventPartner, Organization, Series, Session
from tests.conftest import make_settings
from tests.databases import ROOT, empty_postgres, kaigi

MIGRATIONS = sorted(f"kaigi.{p.stem}" for p in (ROOT / "events" / "migrations").glob("0*.py"))


async def check_migrations(url: str, var_dir: Path) -> None:
    settings = make_settings(url, var_dir)
    assert await db.migrate(settings) == MIGRATIONS
    assert await db.migrate(settings) == [], "a second run has nothing left to apply"

    # The schema the migrations built is the one the models expect: load real data into it.
    async with db.connected(settings):
        now = datetime.now(UTC)
        assert await demo.load(now.date(), now) == 11
        assert await Organization.all().count() == len(demo.ORGANIZATIONS)
        assert await Series.all().count() == len(demo.SERIES)
        assert await Event.all().count() == 11
        assert await Session.filter(event__slug="interop-tokyo-2021").count() == 5
        assert await EventPartner.all().count() > 11
        assert await ApiKey.all().count() == 0


@pytest.fixture(autouse=True)
def fresh_sql_cache():
    """Tortoise caches each table's SQL per connection name, whatever the dialect: these tests
    use SQLite and PostgreSQL in one process, so neither may inherit the other's statements."""
    EXECUTOR_CACHE.clear()
    yield
    EXECUTOR_CACHE.clear()


def test_there_are_migrations():
    assert MIGRATIONS[0] == "kaigi.0001_initial"


async def test_migrations_apply_to_an_empty_sqlite_file(tmp_path):
    path = tmp_path / "fresh" / "kaigi.sqlite3"
    await check_migrations(f"sqlite://{path}", tmp_path)
    assert path.exists()


async def test_migrations_apply_to_an_empty_postgres_database(tmp_path):
    async with empty_postgres() as url:
        await check_migrations(url, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgres"])
async def test_the_migrate_command(tmp_path, database):
    async def run(url: str) -> None:
        env = {"KAIGI_DATABASE_URL": url, "KAIGI_SECRET_KEY": "x" * 40}
        first = kaigi("migrate", env=env, cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines() == [f"applied migration {m}" for m in MIGRATIONS]
        again = kaigi("migrate", env=env, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert again.stdout == ""

    if database == "sqlite":
        await run(f"sqlite://{tmp_path / 'cli.sqlite3'}")
    else:
        async with empty_postgres() as url:
            await run(url)


@pytest.mark.slow
def test_migrate_refuses_bad_settings_clearly(tmp_path):
    result = kaigi("migrate", env={"KAIGI_DATABASE_URL": "mysql://localhost/kaigi"},
                   cwd=tmp_path)
    assert result.returncode == 1
    assert "KAIGI_DATABASE_URL" in result.stderr and "KAIGI_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
