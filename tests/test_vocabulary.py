"""The vocabulary: every value has its words in both languages, every word asked for exists.

Pages, mail, calendar files and the scanner all take their words from events.vocabulary;
these tests read the templates, the scanner's script and the code for the keys they use.
"""

from __future__ import annotations

import ast
import json
import re
import string
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from jinja2 import Environment, nodes

from api.pages import make_templates
from api.scanner import labels
from events import mail, vocabulary
from events.config import Settings
from events.vocabulary import (
    ATTENDANCE_MODES,
    EVENT_STATUSES,
    LANGUAGES,
    MESSAGES,
    PARTNER_ROLES,
    REGISTRATION_STATUSES,
    SESSION_FORMATS,
    formats_for_mode,
    modes_for_formats,
    serves_online,
    serves_venue,
    translate,
)

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings(database_url="sqlite://:memory:", base_url="http://testserver",
                    secret_key="test-secret-key-that-is-long-enough-0123456789")
# Each kind of value and the prefix of its label's key.
LABELLED = {
    "event_status_": EVENT_STATUSES,
    "registration_status_": REGISTRATION_STATUSES,
    "format_": SESSION_FORMATS,
    "role_": PARTNER_ROLES,
    "attendance_": ATTENDANCE_MODES,
}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# ---- the catalogue ---------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", LABELLED)
def test_every_value_has_a_label_in_both_languages(prefix):
    for value in LABELLED[prefix]:
        entry = MESSAGES[f"{prefix}{value}"]
        assert all(entry.get(lang) for lang in LANGUAGES), f"{prefix}{value}"


def test_every_message_is_in_both_languages_with_the_same_fields():
    for key, entry in MESSAGES.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(text.strip() for text in entry.values()), key
        assert fields(entry["ja"]) == fields(entry["en"]), key


def test_event_and_registration_cancellations_are_different_words():
    assert translate("event_status_cancelled", "ja") == "中止"
    assert translate("registration_status_cancelled", "ja") == "キャンセル済み"
    assert translate("registration_status_cancelled", "en") == "Cancelled"


def test_translate_fills_fields_and_shows_an_unknown_key():
    assert translate("seats_left", "ja", n=3) == "残り 3 席"
    assert translate("seats_left", "en", n=3) == "3 seats left"
    assert translate("no_such_key", "en") == "no_such_key"


# ---- every key asked for exists ----------------------------------------------------------------

def template_keys(env: Environment) -> tuple[set[str], set[str]]:
    """The keys of t("key") calls in every template, and the prefixes of t("prefix_" ~ x)."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    assert env.loader is not None
    for name in env.loader.list_templates():
        source, _, _ = env.loader.get_source(env, name)
        for call in env.parse(source).find_all(nodes.Call):
            if not (isinstance(call.node, nodes.Name) and call.node.name == "t" and call.args):
                continue
            arg = call.args[0]
            if isinstance(arg, nodes.Const):
                keys.add(arg.value)
            elif isinstance(arg, nodes.Concat) and isinstance(arg.nodes[0], nodes.Const):
                prefixes.add(arg.nodes[0].value)
    return keys, prefixes


def assert_known(keys: set[str], prefixes: set[str]) -> None:
    assert keys, "no t(...) calls found: has the way templates translate changed?"
    assert sorted(keys - MESSAGES.keys()) == []
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in MESSAGES), prefix


def test_the_pages_templates_ask_only_for_existing_keys():
    keys, prefixes = template_keys(make_templates(SETTINGS))
    assert_known(keys, prefixes)
    # Every value the pages label by prefix has its label.
    for prefix in prefixes & LABELLED.keys():
        assert all(f"{prefix}{v}" in MESSAGES for v in LABELLED[prefix])


def test_the_mail_templates_ask_only_for_existing_keys():
    keys, prefixes = template_keys(mail.Composer(SETTINGS).env)
    assert_known(keys, prefixes)


def test_the_scanner_script_asks_only_for_labels_the_page_gives_it():
    script = (ROOT / "static" / "checkin.js").read_text(encoding="utf-8")
    given = set(json.loads(str(labels("en"))))
    keys = set(re.findall(r'\bt\("([a-z_]+)"\s*[,)]', script))
    prefixes = set(re.findall(r'\bt\("([a-z_]+_)"\s*\+', script))
    assert keys and sorted(keys - given) == []
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in given), prefix
    assert {f"attendance_{m}" for m in ATTENDANCE_MODES} <= given


def test_the_code_asks_only_for_existing_keys():
    """Literal keys given to translate() anywhere in events/ and api/."""
    keys = set()
    for path in [*ROOT.glob("events/*.py"), *ROOT.glob("api/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
                    node.func, "attr", None)) == "translate" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                keys.add(node.args[0].value)
    assert {"site_name", "live_stream", "online_note"} <= keys
    assert sorted(keys - MESSAGES.keys()) == []


# ---- formats and attendance modes --------------------------------------------------------------

def test_which_sessions_each_way_of_attending_takes_part_in():
    assert formats_for_mode("venue") == {"in_person", "hybrid"}
    assert formats_for_mode("online") == {"hybrid", "online"}
    assert formats_for_mode("telepathy") == frozenset()
    assert modes_for_formats(["hybrid"]) == ["venue", "online"]
    assert modes_for_formats({"online", "in_person"}) == ["venue", "online"]
    assert modes_for_formats(["online"]) == ["online"]
    assert modes_for_formats([]) == []
    for fmt in SESSION_FORMATS:
        assert serves_venue(fmt) == ("venue" in modes_for_formats([fmt]))
        assert serves_online(fmt) == ("online" in modes_for_formats([fmt]))
        assert serves_venue(fmt) or serves_online(fmt)
    for mode in ATTENDANCE_MODES:
        assert formats_for_mode(mode) <= set(SESSION_FORMATS)


# ---- text and dates ------------------------------------------------------------------------------

def test_pick_falls_back_to_the_other_language():
    assert vocabulary.pick("会議", "Meeting", "en") == "Meeting"
    assert vocabulary.pick("会議", "", "en") == "会議"
    assert vocabulary.pick("", "Meeting", "ja") == "Meeting"


def test_dates_in_both_languages():
    tz = ZoneInfo(vocabulary.DEFAULT_TIMEZONE)
    start = datetime(2025, 9, 1, 1, tzinfo=UTC)  # Monday 10:00 in Tokyo
    end = datetime(2025, 9, 2, 8, 30, tzinfo=UTC)
    assert vocabulary.day(start, tz, "ja") == "2025年9月1日(月)"
    assert vocabulary.day(start, tz, "en") == "Mon 1 Sep 2025"
    assert vocabulary.span(start, start.replace(hour=3), tz, "en") == (
        "Mon 1 Sep 2025 10:00–12:00")
    assert vocabulary.span(start, end, tz, "ja") == (
        "2025年9月1日(月) 10:00 – 2025年9月2日(火) 17:30")
    assert vocabulary.date_range(start, end, tz, "en") == "Mon 1 Sep 2025 – Tue 2 Sep 2025"
    assert vocabulary.date_range(start, start, tz, "ja") == "2025年9月1日(月)"
    assert vocabulary.month(start, tz, "en") == "September 2025"
    assert vocabulary.month(start, tz, "ja") == "2025年9月"


def test_the_vocabulary_imports_nothing_from_the_web_layer():
    tree = ast.parse((ROOT / "events" / "vocabulary.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] in ("api", "starlette", "events", "tortoise")
                   for name in imported), imported
