"""Settings.from_env: defaults, every problem reported at once, dev secrets, the README table."""

from __future__ import annotations

import base64
import re
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from events import db
from events.config import DOCUMENTED, Settings, SettingsError, settings_table

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s" * 32


def test_defaults(tmp_path):
    settings = Settings.from_env({"KAIGI_SECRET_KEY": SECRET})
    assert settings.database_url == "sqlite://var/kaigi.sqlite3"
    assert settings.is_sqlite
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.secret_key == SECRET
    assert settings.ticket_key is None
    assert settings.dev is False
    assert settings.default_timezone == "Asia/Tokyo"
    assert settings.default_language == "ja"
    assert settings.var_dir == Path("var")


def test_the_sqlite_file_lives_in_the_var_dir(tmp_path):
    settings = Settings.from_env({"KAIGI_SECRET_KEY": SECRET, "KAIGI_VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite://{tmp_path / 'kaigi.sqlite3'}"


def test_values_are_read(tmp_path):
    key = base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("=")
    settings = Settings.from_env({
        "KAIGI_DATABASE_URL": "postgresql://kaigi@db.internal:5432/kaigi",
        "KAIGI_BASE_URL": "https://events.example.org/",
        "KAIGI_SECRET_KEY": SECRET,
        "KAIGI_TICKET_KEY": key,
        "KAIGI_DEFAULT_TIMEZONE": "Europe/London",
        "KAIGI_DEFAULT_LANGUAGE": "en",
        "KAIGI_VAR_DIR": str(tmp_path),
        "KAIGI_DEV": "no",
    })
    assert settings.base_url == "https://events.example.org", "the trailing slash goes"
    assert settings.host == "events.example.org"
    assert settings.ticket_key == bytes(range(32))
    assert settings.default_timezone == "Europe/London"
    assert settings.default_language == "en"
    assert not settings.is_sqlite
    assert settings.dev is False


@pytest.mark.parametrize("url", [
    "postgres://kaigi:pw@127.0.0.1:5432/kaigi",
    "postgresql://kaigi:pw@127.0.0.1:5432/kaigi",
])
def test_both_postgres_schemes_are_accepted(url):
    settings = Settings.from_env({"KAIGI_DATABASE_URL": url, "KAIGI_SECRET_KEY": SECRET})
    assert settings.database_url == url
    config = db.connection_config(url)
    assert config["engine"] == "tortoise.backends.asyncpg"
    assert {k: config["credentials"][k] for k in ("host", "port", "user", "password",
                                                  "database")} == {
        "host": "127.0.0.1", "port": 5432, "user": "kaigi", "password": "pw",
        "database": "kaigi"}


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({
            "KAIGI_DATABASE_URL": "mysql://root@localhost/kaigi",
            "KAIGI_BASE_URL": "events.example.org",
            "KAIGI_SECRET_KEY": "too-short",
            "KAIGI_TICKET_KEY": "not base64 of 32 bytes",
            "KAIGI_DEFAULT_TIMEZONE": "Asia/Atlantis",
            "KAIGI_DEFAULT_LANGUAGE": "fr",
            "KAIGI_DEV": "maybe",
        })
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "KAIGI_DEV", "KAIGI_DATABASE_URL", "KAIGI_BASE_URL", "KAIGI_SECRET_KEY",
        "KAIGI_TICKET_KEY", "KAIGI_DEFAULT_TIMEZONE", "KAIGI_DEFAULT_LANGUAGE",
    ]
    message = str(caught.value)
    assert message.startswith("kaigi cannot start, 7 setting(s) to fix:")
    assert "'mysql'" in message and "Asia/Atlantis" in message and "'fr'" in message
    assert "at least 32 characters" in message
    assert "'maybe'" in message


def test_a_secret_is_required_outside_dev_mode(tmp_path):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"KAIGI_VAR_DIR": str(tmp_path)})
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("KAIGI_SECRET_KEY: required outside dev mode")
    assert not (tmp_path / "dev-secret-key").exists()


@pytest.mark.parametrize("word", ["1", "true", "yes", "on", "TRUE", " On "])
def test_dev_mode_generates_a_secret_once_and_keeps_it(tmp_path, word):
    env = {"KAIGI_DEV": word, "KAIGI_VAR_DIR": str(tmp_path / "var")}
    first = Settings.from_env(env)
    assert first.dev is True
    assert len(first.secret_key) >= 32
    kept = tmp_path / "var" / "dev-secret-key"
    assert kept.read_text().strip() == first.secret_key
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600, "only the owner may read the secret"
    assert Settings.from_env(env).secret_key == first.secret_key


def test_dev_mode_can_be_asked_for_by_the_caller(tmp_path):
    settings = Settings.from_env({"KAIGI_VAR_DIR": str(tmp_path)}, dev=True)
    assert settings.dev is True
    assert (tmp_path / "dev-secret-key").exists()


def test_an_explicit_secret_wins_in_dev_mode(tmp_path):
    settings = Settings.from_env({"KAIGI_DEV": "1", "KAIGI_SECRET_KEY": SECRET,
                                  "KAIGI_VAR_DIR": str(tmp_path)})
    assert settings.secret_key == SECRET
    assert not (tmp_path / "dev-secret-key").exists()


def test_empty_values_mean_the_defaults():
    settings = Settings.from_env({"KAIGI_SECRET_KEY": SECRET, "KAIGI_DATABASE_URL": "",
                                  "KAIGI_DEFAULT_TIMEZONE": "", "KAIGI_DEFAULT_LANGUAGE": "",
                                  "KAIGI_DEV": ""})
    assert settings.is_sqlite
    assert settings.default_timezone == "Asia/Tokyo"
    assert settings.default_language == "ja"


def documented_in_readme() -> set[str]:
    readme = ROOT / "README.md"
    if not readme.exists():
        pytest.fail("README.md is missing: it must document every setting in a table")
    rows = [line for line in readme.read_text(encoding="utf-8").splitlines()
            if line.lstrip().startswith("|")]
    return {name for row in rows for name in re.findall(r"\bKAIGI_[A-Z_]+\b", row)}


def test_every_setting_is_in_the_readme_table():
    missing = [s.name for s in DOCUMENTED if s.name not in documented_in_readme()]
    assert not missing, f"add these to the settings table in README.md: {missing}"


def test_the_readme_table_is_the_documented_one():
    """Defaults and meanings too: paste `settings_table()` into the README when they change."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme


def test_every_setting_read_is_documented():
    source = (ROOT / "events" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'"(KAIGI_[A-Z_]+)"', source))
    assert read == {s.name for s in DOCUMENTED}


def test_workers_starting_together_share_one_dev_secret(tmp_path):
    """Worker processes of one server may read their settings at the same instant."""

    def secrets_read_at_once(env: dict[str, str], workers: int = 8) -> set[str]:
        start = threading.Barrier(workers)

        def read_settings(_: int) -> str:
            start.wait()
            return Settings.from_env(env).secret_key

        with ThreadPoolExecutor(workers) as pool:
            return set(pool.map(read_settings, range(workers)))

    for round_ in range(20):
        keys = secrets_read_at_once({"KAIGI_DEV": "1",
                                     "KAIGI_VAR_DIR": str(tmp_path / f"var{round_}")})
        assert len(keys) == 1 and len(keys.pop()) >= 32
