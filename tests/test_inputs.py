"""Inputs declared once: the models, their field paths, and messages in the reader's language."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from events import inputs
from events.errors import Invalid
from events.inputs import EventIn, EventPatch, RegistrationIn, parse
from events.vocabulary import LANGUAGES, MESSAGES
from tests.factories import make_event

ROOT = Path(__file__).resolve().parent.parent


def problems(model, data) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        parse(model, data)
    return {e.field: e.key for e in caught.value.errors}


def test_nested_fields_are_named_by_their_path():
    found = problems(EventIn, {
        "slug": "ok", "title": "T",
        "sessions": [{"starts_at": "2030-05-01T10:00:00+09:00",
                      "ends_at": "soon", "format": "in_person", "venue": {"floor": 3}}],
        "partners": [{"org": "a", "role": "organizer"}, {"org": "b", "role": "owner"}]})
    assert found == {"sessions[0].ends_at": "datetime", "sessions[0].venue.floor":
                     "unknown_field", "partners[1].role": "one_of"}


def test_every_problem_is_reported_at_once():
    found = problems(RegistrationIn, {"name": "", "email": "a@b", "name_kana": "Yamada",
                                      "consent": "yes", "colour": "red"})
    assert found == {"name": "empty", "email": "email", "name_kana": "kana",
                     "consent": "not_boolean", "colour": "unknown_field"}


def test_a_patch_tells_absent_from_null():
    change = parse(EventPatch, {"summary": None, "venue": None})
    assert change.model_fields_set == {"summary", "venue"}
    assert inputs.pair(change.summary) == ("", "")
    assert problems(EventPatch, {"title": None}) == {"title": "required"}
    assert problems(EventPatch, {"sessions": None}) == {"sessions": "not_list"}


def test_a_plain_string_stands_for_both_languages():
    event = parse(EventIn, {"slug": "x", "title": {"en": "Only English"}, "summary": "同じ"})
    assert inputs.pair(event.title) == ("Only English", "Only English")
    assert inputs.pair(event.summary) == ("同じ", "同じ")


def test_times_without_an_offset_are_read_in_the_events_zone():
    from zoneinfo import ZoneInfo

    event = parse(EventIn, {"slug": "x", "title": "T", "sessions": [
        {"starts_at": "2021-04-14T10:00:00", "ends_at": "2021-04-14T18:00:00Z",
         "format": "hybrid"}]})
    session = event.sessions[0]
    assert inputs.in_zone(session.starts_at, ZoneInfo("Asia/Tokyo")).hour == 1
    assert inputs.in_zone(session.ends_at, ZoneInfo("Asia/Tokyo")).hour == 18


def message_keys_in_source() -> set[str]:
    """Every key a field error can carry: fail("key"), check.fail(field, "key"), the table."""
    keys = set(inputs._PYDANTIC_KEYS.values())
    for path in [*ROOT.glob("events/*.py"), *ROOT.glob("api/**/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            strings = [a.value for a in node.args
                       if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if name == "fail" and strings:
                keys.add(strings[-1])
            elif name == "of" and len(strings) == 2:  # FieldError.of(field, key)
                keys.add(strings[1])
    return keys


def test_every_field_error_has_a_message_in_both_languages():
    keys = message_keys_in_source()
    assert {"email", "required", "slug", "unknown_series"} <= keys, "the scan finds keys"
    for key in sorted(keys):
        texts = MESSAGES.get(f"invalid_{key}")
        assert texts is not None, f"no message for invalid_{key}"
        assert all(texts.get(lang) for lang in LANGUAGES), key
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", texts["ja"]), f"{key}: not Japanese"


async def open_form(client, slug: str, lang: str) -> str:
    page = await client.get(f"/events/{slug}/register", params={"lang": lang})
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


@pytest.mark.parametrize("lang, expected, foreign", [
    ("ja", ["メールアドレスの形式が正しくありません",
            "フリガナはひらがなかカタカナで入力してください", "個人情報の取り扱いに同意"],
     ["is not a valid email", "must be written in kana"]),
    ("en", ["is not a valid email address", "must be written in kana",
            "please agree to the privacy notice"], ["メールアドレスの形式"]),
])
async def test_form_errors_are_in_the_pages_language(client, lang, expected, foreign):
    await make_event(slug="lang-form", format="in_person")
    csrf = await open_form(client, "lang-form", lang)
    page = await client.post(f"/events/lang-form/register?lang={lang}", data={
        "csrf_token": csrf, "name": "山田 太郎", "name_kana": "Yamada",
        "email": "taro@@example", "locale": lang})
    assert page.status_code == 422
    for text in expected:
        assert text in page.text, text
    for text in foreign:
        assert text not in page.text, text


async def test_the_api_keeps_english_messages(client):
    await make_event(slug="api-lang", format="in_person")
    response = await client.post("/api/v1/events/api-lang/registrations",
                                 json={"name": "x", "email": "nope"},
                                 headers={"Accept-Language": "ja"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "email", "message": "is not a valid email address"}]


@pytest.mark.parametrize("address", ["a,b@example.com", '"<svg>"@example.com',
                                     "taro@localhost", "a;b@example.jp"])
async def test_an_address_the_mailer_refuses_is_refused_at_registration(client, address):
    """One email rule: registration accepts only what delivery can send to."""
    await make_event(slug="mail-rule", format="in_person")
    response = await client.post("/api/v1/events/mail-rule/registrations",
                                 json={"name": "x", "email": address})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "email", "message": "is not a valid email address"}]
