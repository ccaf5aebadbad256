"""The staff's scanner page: a shell that static/checkin.js brings to life.

The page holds nothing secret: the check-in key is typed in once (or comes from a setup
QR code, in the URL's fragment) and stays on the device; everything else comes from the
API with that key.
"""

from __future__ import annotations

import json

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from api.docs import file, html_page
from api.pages import page_language, render
from events import resources, vocabulary
from events.errors import NotFound
from events.models import Event
from events.validation import is_slug

PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex",
           "Referrer-Policy": "no-referrer"}
# Labels the script shows: every checkin_* and result_* message.
LABEL_PREFIXES = ("checkin_", "result_")


def labels(lang: str) -> Markup:
    """The script's words as JSON, safe inside a <script type="application/json">."""
    words = {key: vocabulary.translate(key, lang) for key in vocabulary.MESSAGES
             if key.startswith(LABEL_PREFIXES)}
    words.update({k: vocabulary.translate(k, lang) for k in (
        "attendance_venue", "attendance_online", "ticket_number")})
    text = json.dumps(words, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@html_page("The staff's check-in scanner (unlocked with a checkin key)", errors=(404,))
async def scanner_page(request: Request) -> Response:
    lang = page_language(request)
    slug = request.path_params["slug"]
    event = await Event.get_or_none(slug=slug) if is_slug(slug) else None
    # A draft is not public: its scanner page answers as an unknown slug does, so the
    # page tells nobody that it exists (its door API still serves keys of the event).
    if event is None or event.status == "draft":
        raise NotFound(f"No event {slug!r}.")
    title = vocabulary.pick(event.title_ja, event.title_en, lang)
    response = render(request, "checkin.html", lang, slug=event.slug, title=title,
                      labels=labels(lang))
    response.headers.update(PRIVATE)
    return response


@file("The scanner's service worker: keeps the page for offline reloads",
      "text/javascript")
async def service_worker(request: Request) -> Response:
    """Served from /checkin/ so that it may keep the scanner pages for offline reloads."""
    return FileResponse(resources.directory("static") / "checkin-sw.js",
                        media_type="text/javascript", headers={"Cache-Control": "no-cache"})


routes = [
    Route("/checkin/sw.js", service_worker, methods=["GET"]),
    Route("/checkin/{slug}", scanner_page, methods=["GET"]),
]
