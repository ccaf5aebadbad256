"""Japanese input as people type it: full-width letters and digits, half-width katakana,
and kana searches that find a reading whichever script it was typed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from events import registration as reg
from events.inputs import RegistrationIn, parse, typed_text
from events.models import Event, Registration
from tests.factories import make_event

NOW = datetime(2030, 6, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def person(n: int = 1, **kw):
    return {"name": f"山田 太郎{n}", "name_kana": "やまだ たろう", "email": f"taro{n}@example.jp",
            "affiliation": "インターネット協会", **kw}


async def register(client, slug: str, **kw) -> dict:
    response = await client.post(f"/api/v1/events/{slug}/registrations", json=person(**kw))
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_full_width_address_registers_as_the_ascii_one(client):
    await make_event(slug="zen", start=NOW + timedelta(days=30))
    body = await register(client, "zen", email="ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ")
    stored = await Registration.get(id=body["id"])
    assert (stored.email, stored.email_normalized) == ("taro@example.jp", "taro@example.jp")
    # The same address typed the other way is the same registrant.
    again = await client.post("/api/v1/events/zen/registrations",
                              json=person(2, email="Taro@Example.JP"))
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    assert await Registration.all().count() == 1


async def test_the_form_takes_a_full_width_address_too(client):
    await make_event(slug="zen-form", start=NOW + timedelta(days=30))
    page = await client.get("/events/zen-form/register")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    sent = await client.post("/events/zen-form/register", data={
        "csrf_token": token, "name": "ﾔﾏﾀﾞ ﾀﾛｳ", "email": "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ",
        "consent": "yes"})
    assert sent.status_code == 303, sent.text
    stored = await Registration.get()
    assert (stored.name, stored.email) == ("ヤマダ タロウ", "hanako@example.jp")


async def test_names_are_read_as_typed_with_half_width_kana_made_full(client):
    await make_event(slug="names", start=NOW + timedelta(days=30))
    body = await register(client, "names", name="ﾔﾏﾀﾞ\u3000\ufa19ﾀﾛｳ", name_kana="ｽｽﾞｷ ﾀﾛｳ",
                          affiliation="ＡＢＣ株式会社　第２部")
    stored = await Registration.get(id=body["id"])
    # The compatibility ideograph 神 (U+FA19) is another glyph of a name: kept as typed.
    assert stored.name == "ヤマダ \ufa19タロウ"
    assert stored.name_kana == "スズキ タロウ"
    assert stored.affiliation == "ABC株式会社 第2部"


def test_typed_text_leaves_non_strings_to_the_type_check():
    assert typed_text(12) == 12
    sent = parse(RegistrationIn, {"name": "ｶﾞｷﾞｸﾞ", "email": "ａ＠ｂ．ｊｐ"})
    assert (sent.name, sent.email) == ("ガギグ", "a@b.jp")


async def test_kana_search_folds_hiragana_katakana_and_half_width(client, admin):
    await make_event(slug="kana", start=NOW + timedelta(days=30))
    hiragana = await register(client, "kana", n=1, name="鈴木 一郎", name_kana="すずき いちろう")
    katakana = await register(client, "kana", n=2, name="佐藤 花子", name_kana="サトウ ハナコ")

    async def api(q: str) -> list[int]:
        response = await client.get("/api/v1/events/kana/registrations", params={"q": q},
                                    headers=admin)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    for q in ("スズキ", "すずき", "ｽｽﾞｷ"):
        assert await api(q) == [hiragana["id"]], q
    for q in ("さとう", "サトウ", "ｻﾄｳ", "はなこ"):
        assert await api(q) == [katakana["id"]], q
    assert await api("ＴＡＲＯ１＠example") == [hiragana["id"]]

    # The console's attendee search folds the same way.
    event = await Event.get(slug="kana")
    for q in ("スズキ", "ｽｽﾞｷ", "さとう はなこ"):
        listing = await reg.search(event, {"q": q})
        assert len(listing.items) == 1, q
