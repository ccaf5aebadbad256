"""The language of a page, from the request.

The words themselves, in both languages, are in events.vocabulary.
"""

from __future__ import annotations

from starlette.requests import Request

from events.vocabulary import LANGUAGES


def choose_language(request: Request, default: str) -> str:
    """`?lang=` wins, then the browser's Accept-Language, then the site default."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    best: tuple[float, str] | None = None
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        if lang not in LANGUAGES:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        # q=0 means "not this language" (RFC 9110); NaN compares false and is dropped too.
        if not q > 0:
            continue
        if best is None or q > best[0]:
            best = (q, lang)
    return best[1] if best else default

