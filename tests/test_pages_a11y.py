"""Accessibility in a real Chromium: axe-core on the public pages and on every console page
an admin and an organizer can reach by following links, in Japanese and in English.

A violation axe rates "serious" or "critical" fails the test; the rest are printed (run
with -s, or read the captured output of a failure).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from api.console.common import actor_of
from events import access
from events.models import User
from tests import browser as b
from tests.factories import make_event, make_org, make_user, session_payload
from tests.test_checkin import person

pytestmark = pytest.mark.slow

LANGS = ("ja", "en")
# Pages the crawl never opens: they act on GET or take the session away.
NOT_CRAWLED = ("/console/logout",)
MAX_PAGES = 60
DOWNLOAD = re.compile(r"\.(csv|ics|png|svg|json)$")


@pytest.fixture(scope="module")
def chromium() -> Iterator[b.Chromium]:
    yield from b.launch()


@pytest.fixture(scope="module")
def site(chromium: b.Chromium, migrated_url: str,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[b.Site]:
    yield from b.serve(migrated_url, tmp_path_factory.mktemp("a11y"))


@pytest.fixture(scope="module")
def world(site: b.Site) -> dict[str, Any]:
    """Two organizations, an admin, an organizer of each, one open event with a full venue
    (so there is a waiting list), co-hosted, with two registrations made through the API
    and a door key; a second event whose co-host has not answered yet."""
    async def seed() -> None:
        await make_org("iajapan", name_ja="インターネット協会", name_en="Internet Association")
        await make_org("jpaawg", name_ja="JPAAWG", name_en="JPAAWG")
        await make_user("kanri@example.jp", "admin", name="管理 太郎")
        await make_user("shusai@example.jp", "organizer", org="iajapan", name="主催 花子")
        await make_user("kyosai@example.jp", "organizer", org="jpaawg", name="共催 次郎")
        start = datetime.now(UTC) + timedelta(days=20)
        await make_event(slug="a11y-symposium", title={"ja": "迷惑メール対策シンポジウム",
                                                       "en": "Anti-spam symposium"},
                         capacity={"venue": 1, "online": None},
                         sessions=[session_payload(start, fmt="hybrid")],
                         partners=[{"org": "iajapan", "role": "organizer"},
                                   {"org": "jpaawg", "role": "co_host"}])
        # A relation waiting for jpaawg's consent (its dashboard asks), and a door key.
        organizer = await User.get(email="shusai@example.jp")
        await make_event(actor=actor_of(organizer), slug="a11y-pending",
                         sessions=[session_payload(start + timedelta(days=7))],
                         partners=[{"org": "iajapan", "role": "organizer"},
                                   {"org": "jpaawg", "role": "co_host"}])
        await access.create_key("東口", "checkin", event_slug="a11y-symposium")

    site.run(seed)
    with httpx.Client(base_url=site.url) as client:
        first = client.post("/api/v1/events/a11y-symposium/registrations",
                            json=person(1, attendance="venue"))
        second = client.post("/api/v1/events/a11y-symposium/registrations",
                             json=person(2, attendance="venue"))
    assert first.status_code == second.status_code == 201, first.text
    return {"slug": "a11y-symposium", "ticket": first.json()["token"],
            "waiting": second.json()["token"]}


@pytest.fixture
def pages(request: pytest.FixtureRequest, chromium: b.Chromium,
          tmp_path: Path) -> Iterator[b.Chromium]:
    yield from b.shoot_failures(request, chromium, tmp_path)


def report(found: dict[str, list[str]], serious: dict[str, list[str]]) -> None:
    print(f"\naxe checked {len(found)} pages")
    for label, lines in found.items():
        print(f"  {label}: {len(lines)} violation(s)")
    assert not serious, "serious or critical accessibility violations:\n" + "\n".join(
        f"{label}: {line}" for label, lines in serious.items() for line in lines)


@pytest.mark.parametrize("lang", LANGS)
def test_public_pages(site, world, pages, lang):
    page = pages.page(lang)
    found: dict[str, list[str]] = {}
    serious: dict[str, list[str]] = {}
    slug, ticket = world["slug"], world["ticket"]

    def check(label: str, path: str | None = None) -> None:
        if path is not None:
            response = page.goto(f"{site.url}{path}")
            assert response is not None and response.status == 200, (path, response)
        if bad := b.check_page(page, f"{label} [{lang}]", found):
            serious[f"{label} [{lang}]"] = bad

    check("index", f"/?lang={lang}")
    check("event", f"/events/{slug}?lang={lang}")
    check("register", f"/events/{slug}/register?lang={lang}")
    page.get_by_role("button", name=b.t("submit_registration", lang)).click()
    page.wait_for_load_state()
    assert page.locator(".field-error").count() > 0, "the empty form comes back with errors"
    check("register with errors")
    check("ticket", f"/tickets/{ticket}?lang={lang}")
    check("ticket on the waiting list", f"/tickets/{world['waiting']}?lang={lang}")
    check("cancel", f"/tickets/{ticket}/cancel?lang={lang}")
    check("lost ticket link", f"/events/{slug}/ticket-link?sent=1&lang={lang}")
    report(found, serious)


@pytest.mark.parametrize("lang", LANGS)
def test_console_pages_before_logging_in(site, world, pages, lang):
    page = pages.page(lang)
    found: dict[str, list[str]] = {}
    serious: dict[str, list[str]] = {}
    for label, path in (("login", "/console/login"), ("forgot", "/console/password/forgot")):
        page.goto(f"{site.url}{path}?lang={lang}")
        if bad := b.check_page(page, f"{label} [{lang}]", found):
            serious[f"{label} [{lang}]"] = bad
    page.goto(f"{site.url}/console/login?lang={lang}")
    page.get_by_label(b.t("email", lang)).fill("kanri@example.jp")
    page.get_by_label(b.t("console_password", lang)).fill("not the password")
    page.get_by_role("button", name=b.t("console_login", lang)).click()
    page.wait_for_load_state()
    if bad := b.check_page(page, f"login refused [{lang}]", found):
        serious[f"login refused [{lang}]"] = bad
    report(found, serious)


def kind_of(path: str) -> str:
    """Pages of one kind: the same but for numbers or the event they are about."""
    return re.sub(r"\d+", "N", re.sub(r"^/console/events/(?!new$)[^/]+", "/console/events/E",
                                      path))


def crawl(page: Any, site: b.Site, lang: str) -> Iterator[str]:
    """Every kind of console page reachable by links from the dashboard and the account
    page, each opened in `lang`; yields the path once the page is loaded. One page of each
    kind (see kind_of); queries and downloads are left out."""
    queue = ["/console/", "/console/account"]
    seen: set[str] = {kind_of(path) for path in queue}
    while queue and len(seen) <= MAX_PAGES:
        path = queue.pop(0)
        response = page.goto(f"{site.url}{path}?lang={lang}")
        assert response is not None
        if response.status == 404:
            # A page linked to but not built yet (the console grows page by page).
            print(f"crawl [{lang}]: {path} is not there (404)")
            continue
        assert response.status == 200, f"{path}: {response.status}"
        yield path
        for href in page.eval_on_selector_all(
                "a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))"):
            parts = urlsplit(href)
            kind = kind_of(parts.path)
            if parts.netloc or not parts.path.startswith("/console/") or kind in seen \
                    or parts.path.startswith(NOT_CRAWLED) or DOWNLOAD.search(parts.path):
                continue
            seen.add(kind)
            queue.append(parts.path)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("email", ["kanri@example.jp", "shusai@example.jp",
                                   "kyosai@example.jp"])
def test_console_pages(site, world, pages, lang, email):
    page = pages.page(lang)
    b.log_in(page, site, email, lang=lang)
    found: dict[str, list[str]] = {}
    serious: dict[str, list[str]] = {}
    sideways: list[str] = []
    for path in crawl(page, site, lang):
        label = f"{path} [{email.split('@')[0]}, {lang}]"
        if bad := b.check_page(page, label, found):
            serious[label] = bad
        # At tablet width too, the page itself never scrolls sideways (wide tables scroll
        # inside their .table-wrap).
        page.set_viewport_size(b.TABLET)
        if (extra := page.evaluate("document.documentElement.scrollWidth"
                                   " - document.documentElement.clientWidth")) > 0:
            sideways.append(f"{label}: {extra}px")
        page.set_viewport_size(b.LAPTOP)
    assert any(label.startswith("/console/account ") for label in found)
    report(found, serious)
    assert not sideways, f"pages wider than a tablet: {sideways}"


def focus_of(page: Any) -> dict[str, Any]:
    return page.evaluate("""() => {
      const el = document.activeElement, style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      return {tag: el.tagName, href: el.getAttribute('href'), id: el.id,
              outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
              visible: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0};
    }""")


@pytest.mark.parametrize("lang", LANGS)
def test_the_keyboard_skips_to_the_content_and_focus_shows(site, world, pages, lang):
    page = pages.page(lang)
    b.log_in(page, site, "shusai@example.jp", lang=lang)
    page.goto(f"{site.url}/console/events/{world['slug']}/registrations?lang={lang}")
    page.keyboard.press("Tab")
    skip = focus_of(page)
    assert skip["href"] == "#main" and skip["visible"], "the first Tab shows the skip link"
    page.keyboard.press("Enter")
    assert focus_of(page)["id"] == "main", "the skip link moves focus to the content"
    # Every control the keyboard reaches next shows where the focus is.
    for _ in range(12):
        page.keyboard.press("Tab")
        now = focus_of(page)
        assert now["visible"], now
        assert now["outline"] != "none" and now["width"] >= 2, f"no visible focus on {now}"
