"""The `kaigi` command, run as a user runs it: in a subprocess, settings from the environment."""

from __future__ import annotations

import re

import httpx
import pytest

from events.config import Settings
from tests.conftest import LiveServer, make_settings
from tests.databases import kaigi
from tests.factories import event_payload, make_event, make_org

pytestmark = pytest.mark.slow

KEY_RE = re.compile(r"^kaigi_[A-Za-z0-9_-]{40,}$")


def env_of(settings: Settings) -> dict[str, str]:
    return {"KAIGI_DATABASE_URL": settings.database_url, "KAIGI_SECRET_KEY": settings.secret_key,
            "KAIGI_BASE_URL": settings.base_url, "KAIGI_VAR_DIR": str(settings.var_dir)}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# ---- help ---------------------------------------------------------------------------------

def test_help_lists_every_command(tmp_path):
    result = kaigi("--help", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: kaigi")
    for command in ("serve", "migrate", "demo", "keys"):
        assert re.search(rf"^\s+{command}\s+\S", result.stdout, re.M), command


@pytest.mark.parametrize("command, words", [
    (["serve"], ["--host", "--port", "--workers"]),
    (["migrate"], ["KAIGI_DATABASE_URL"]),
    (["demo"], ["--no-serve", "--host", "--port"]),
    (["keys"], ["create", "list", "revoke"]),
    (["keys", "create"], ["--role", "{admin,organizer,checkin,partner}", "--name", "--org",
                          "--event"]),
    (["keys", "list"], []),
    (["keys", "revoke"], ["id"]),
])
def test_each_command_has_help(tmp_path, command, words):
    # Help needs no settings at all, not even a secret.
    result = kaigi(*command, "--help", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: kaigi {' '.join(command)}")
    for word in words:
        assert word in result.stdout


def test_no_command_is_a_usage_error(tmp_path):
    result = kaigi(env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "usage: kaigi" in result.stderr


# ---- keys ---------------------------------------------------------------------------------

async def test_an_admin_key_is_printed_last_and_works(client, database):
    result = kaigi("keys", "create", "--role", "admin", "--name", "Hanako (ops)",
                   env=env_of(database), cwd=database.var_dir)
    assert result.returncode == 0, result.stderr
    *message, key = result.stdout.splitlines()
    assert KEY_RE.match(key), result.stdout
    assert "Hanako (ops)" in message[0] and "not shown again" in message[0]

    created = await client.post("/api/v1/organizations", headers=bearer(key),
                                json={"slug": "jpnic", "name": "JPNIC"})
    assert created.status_code == 201, created.text


async def test_an_organizer_key_is_scoped_to_its_organization(client, database):
    await make_org("iajapan")
    result = kaigi("keys", "create", "--role", "organizer", "--name", "IAjapan office",
                   "--org", "iajapan", env=env_of(database), cwd=database.var_dir)
    assert result.returncode == 0, result.stderr
    key = result.stdout.splitlines()[-1]

    created = await client.post("/api/v1/events", headers=bearer(key),
                                json=event_payload(slug="seminar"))
    assert created.status_code == 201, created.text
    assert created.json()["owner"] == "iajapan"
    refused = await client.post("/api/v1/organizations", headers=bearer(key),
                                json={"slug": "x", "name": "x"})
    assert refused.status_code == 403


async def test_a_checkin_key_names_its_event(database):
    await make_event(slug="interop-tokyo-2021")
    result = kaigi("keys", "create", "--role", "checkin", "--name", "Gate A",
                   "--event", "interop-tokyo-2021", env=env_of(database), cwd=database.var_dir)
    assert result.returncode == 0, result.stderr
    assert KEY_RE.match(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("args, error", [
    (["--role", "organizer"], "--org: organizer keys need an organization"),
    (["--role", "partner"], "--org: partner keys need an organization"),
    (["--role", "organizer", "--org", "nobody"], "--org: unknown organization 'nobody'"),
    (["--role", "checkin"], "--event: checkin keys need an event"),
    (["--role", "checkin", "--event", "nothing"], "--event: unknown event 'nothing'"),
    (["--role", "admin", "--name", "  "], "--name: is required"),
])
async def test_scoped_keys_need_their_scope(database, args, error):
    if "--name" not in args:
        args = [*args, "--name", "someone"]
    result = kaigi("keys", "create", *args, env=env_of(database), cwd=database.var_dir)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == error
    assert "Traceback" not in result.stderr


def test_an_unknown_role_is_a_usage_error(tmp_path):
    result = kaigi("keys", "create", "--role", "root", "--name", "x", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'root'" in result.stderr


async def test_keys_are_listed_without_their_secret_and_can_be_revoked(client, database):
    env, cwd = env_of(database), database.var_dir
    await make_org("jpnic")
    admin_key = kaigi("keys", "create", "--role", "admin", "--name", "ops",
                      env=env, cwd=cwd).stdout.splitlines()[-1]
    partner_key = kaigi("keys", "create", "--role", "partner", "--name", "JPNIC desk",
                        "--org", "jpnic", env=env, cwd=cwd).stdout.splitlines()[-1]
    assert (await client.get("/api/v1/events/none", headers=bearer(admin_key))).status_code == 404

    listing = kaigi("keys", "list", env=env, cwd=cwd)
    assert listing.returncode == 0, listing.stderr
    rows = [line.split("\t") for line in listing.stdout.splitlines()]
    assert [(r[1], r[2], r[4], r[6]) for r in rows] == [
        ("admin", "-", "active", "ops"), ("partner", "jpnic", "active", "JPNIC desk")]
    assert rows[0][3] == admin_key[:10] + "…"
    assert rows[0][5].startswith("last used 20") and rows[1][5] == "last used never"
    assert admin_key not in listing.stdout and partner_key not in listing.stdout

    admin_id = rows[0][0]
    revoked = kaigi("keys", "revoke", admin_id, env=env, cwd=cwd)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == f"revoked key {admin_id}"
    assert "\trevoked\t" in kaigi("keys", "list", env=env, cwd=cwd).stdout.splitlines()[0]
    refused = await client.post("/api/v1/organizations", headers=bearer(admin_key),
                                json={"slug": "x", "name": "x"})
    assert refused.status_code == 401

    again = kaigi("keys", "revoke", admin_id, env=env, cwd=cwd)
    assert again.returncode == 1
    assert again.stderr.strip() == f"No active key with id {admin_id}."
    assert kaigi("keys", "revoke", "999999", env=env, cwd=cwd).returncode == 1


def test_keys_need_valid_settings(tmp_path):
    result = kaigi("keys", "list", env={"KAIGI_DEFAULT_LANGUAGE": "de"}, cwd=tmp_path)
    assert result.returncode == 1
    assert "KAIGI_SECRET_KEY" in result.stderr and "KAIGI_DEFAULT_LANGUAGE" in result.stderr


# ---- demo ---------------------------------------------------------------------------------

def test_demo_loads_the_events_and_prints_an_admin_key(tmp_path):
    var_dir = tmp_path / "state"
    env = {"KAIGI_VAR_DIR": str(var_dir)}
    result = kaigi("demo", "--no-serve", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("applied migration")]
    assert "demo data: 11 events added" in lines
    assert "  pages:   http://127.0.0.1:8000/   (http://127.0.0.1:8000/?lang=en)" in lines
    [key_line] = [line for line in lines if line.startswith("  admin API key (shown once): ")]
    [console] = [line for line in lines if line.startswith("  console: ")]
    assert "/console/  log in as demo-admin@example.jp / " in console
    key = key_line.rsplit(" ", 1)[1]
    assert KEY_RE.match(key)
    # Dev mode: the SQLite file and a generated secret, both in the var dir, nothing elsewhere.
    assert (var_dir / "kaigi.sqlite3").exists()
    assert (var_dir / "dev-secret-key").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state"]

    again = kaigi("demo", "--no-serve", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "demo data: 0 events added" in again.stdout.splitlines()
    assert not [line for line in again.stdout.splitlines() if line.startswith("applied")]

    server = LiveServer(make_settings(f"sqlite://{var_dir / 'kaigi.sqlite3'}", var_dir))
    try:
        events = httpx.get(f"{server.url}/api/v1/events", params={"limit": 100}).json()
        assert len(events["items"]) == 11
        page = httpx.get(f"{server.url}/events/interop-tokyo-2021")
        assert page.status_code == 200 and "幕張メッセ" in page.text
        created = httpx.post(f"{server.url}/api/v1/organizations", headers=bearer(key),
                             json={"slug": "new-partner", "name": "New partner"})
        assert created.status_code == 201, created.text
    finally:
        server.stop()


def test_the_readme_lists_every_command_and_option():
    """The README's command-line block names every subcommand with every option it takes."""
    import argparse

    from api.cli import build_parser
    from tests.databases import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Command line", 1)[1].split("```")[1]
    # What the README says of each command: from "kaigi CMD" to the next "kaigi".
    said = {m.group(1): m.group(2) for m in re.finditer(
        r"kaigi ((?:[a-z]+ )?[a-z]+)((?:(?!kaigi )[\s\S])*)", block)}

    def commands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.update(commands(sub, f"{prefix}{name} "))
        if prefix and not found:
            found[prefix.strip()] = [max(a.option_strings, key=len) for a in parser._actions
                                     if a.option_strings and "--help" not in a.option_strings]
        return found

    documented = commands(build_parser())
    assert {"serve", "worker", "keys create"} <= documented.keys()
    for command, options in documented.items():
        assert command in said, f"README: no `kaigi {command}`"
        for option in options:
            assert option in said[command], f"README: `kaigi {command}` lacks {option}"
