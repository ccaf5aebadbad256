"""Kana folding: ひらがな, カタカナ and half-width ｶﾀｶﾅ read as the same text when searching.

Readings are stored as the attendee typed them (すずき, スズキ or ｽｽﾞｷ, and full-width
ＡＢＣ in names), so a search compares folded text: NFKC (half-width katakana and
full-width letters become ordinary ones, a voiced mark joins its kana), katakana become
hiragana, and letters lose their case.

A database cannot fold a column on both SQLite and PostgreSQL, so `spellings` goes the
other way: the few ways the stored text may spell the query (hiragana, katakana,
half-width katakana), each of which a plain `icontains` finds.
"""

from __future__ import annotations

import unicodedata

# Katakana ァ..ヶ are hiragana ぁ..ゖ plus 0x60; ヷ..ヺ have no hiragana and stay.
_KATAKANA = range(0x30A1, 0x30F7)
_HIRAGANA = range(0x3041, 0x3097)
_SHIFT = 0x60
_TO_HIRAGANA = {c: c - _SHIFT for c in _KATAKANA}
_TO_KATAKANA = {c: c + _SHIFT for c in _HIRAGANA}


def _half_width_table() -> dict[int, str]:
    """Full-width katakana (and their punctuation) to half-width, read off NFKC itself."""
    table: dict[int, str] = {}
    marks = ("\uff9e", "\uff9f")  # ﾞ ﾟ
    for code in range(0xFF61, 0xFFA0):
        half = chr(code)
        full = unicodedata.normalize("NFKC", half)
        if len(full) == 1:
            table.setdefault(ord(full), half)
        for mark in marks:
            joined = unicodedata.normalize("NFKC", half + mark)
            if len(joined) == 1 and code not in (0xFF9E, 0xFF9F):
                table.setdefault(ord(joined), half + mark)
    return table


_TO_HALF_WIDTH = _half_width_table()


def to_hiragana(text: str) -> str:
    return text.translate(_TO_HIRAGANA)


def to_katakana(text: str) -> str:
    return text.translate(_TO_KATAKANA)


def to_half_width(text: str) -> str:
    """Katakana as half-width katakana (ガ → ｶﾞ); everything else unchanged."""
    return text.translate(_TO_HALF_WIDTH)


def fold(text: str) -> str:
    """The form two texts are compared in: NFKC, hiragana, case folded."""
    return to_hiragana(unicodedata.normalize("NFKC", text)).casefold()


def spellings(query: str) -> list[str]:
    """The spellings of `query` a stored text may contain: as typed, NFKC, hiragana,
    katakana and half-width katakana, without repeats. Whatever was stored, a substring
    match on one of them is a match of the folded texts, as long as the stored text does
    not mix scripts inside the matching part (すズき)."""
    normal = unicodedata.normalize("NFKC", query)
    katakana = to_katakana(normal)
    found: list[str] = []
    for spelling in (query, normal, to_hiragana(normal), katakana, to_half_width(katakana)):
        if spelling and spelling not in found:
            found.append(spelling)
    return found
