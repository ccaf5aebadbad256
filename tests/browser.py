"""Shared pieces of the browser tests: Debian's Chromium under Playwright, kaigi under a
real uvicorn, axe-core, and screenshots.

The tests using these are plain (sync) functions with the sync Playwright API, so one
server and one browser can serve a whole module; the database is seeded through
`in_database`, which runs a coroutine in its own thread and event loop. Without Chromium,
Playwright or axe-core they skip and say why; under CI (CI=true) a missing tool fails them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from events import db
from events.config import Settings
from events.vocabulary import translate
from tests.conftest import ROOT, LiveServer, empty_tables, make_settings
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("KAIGI_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}

T = TypeVar("T")


def missing(what: str) -> None:
    """Skip on a developer's machine; fail in CI, where .ci/run installs everything."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must install it: see .ci/run)")
    pytest.skip(what)


def require_tools() -> None:
    if not Path(CHROMIUM).exists():
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium; or set "
                "KAIGI_TEST_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("Playwright for Python is not installed (pip install -e '.[test]')")
    if not AXE.exists():
        missing(f"axe-core is not installed at {AXE} (npm ci)")


def in_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` against the database from a plain test: its own thread and event loop,
    as the sync Playwright API keeps a loop of its own in the test's thread."""
    async def connected() -> T:
        async with db.connected(settings):
            return await work()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, connected()).result()


class Site:
    """kaigi under uvicorn on 127.0.0.1 with an emptied database."""

    def __init__(self, settings: Settings):
        self.settings = settings
        in_database(settings, empty_tables)
        self.server = LiveServer(settings)
        self.url = self.server.url

    def run(self, work: Callable[[], Awaitable[T]]) -> T:
        return in_database(self.settings, work)


def serve(migrated_url: str, folder: Path) -> Iterator[Site]:
    site = Site(make_settings(migrated_url, folder))
    try:
        yield site
    finally:
        site.server.stop()


class Chromium:
    """One headless Chromium; each person (or language, or width) gets a context of their
    own, with its own cookies. CSP is bypassed only so axe-core can be injected."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=FLAGS)
        self.pages: list[Any] = []

    def page(self, lang: str = "ja", viewport: dict[str, int] | None = None) -> Any:
        context = self.browser.new_context(
            bypass_csp=True, locale="ja-JP" if lang == "ja" else "en-US",
            viewport=viewport or LAPTOP)
        context.set_default_timeout(10_000)
        page = context.new_page()
        self.pages.append(page)
        return page

    def close(self) -> None:
        self.browser.close()
        self.playwright.stop()


def launch() -> Iterator[Chromium]:
    require_tools()
    chromium = Chromium()
    try:
        yield chromium
    finally:
        chromium.close()


def t(key: str, lang: str, **values: object) -> str:
    return translate(key, lang, **values)


def exactly(text: str) -> re.Pattern[str]:
    """A whole accessible name, trimmed: get_by_label's `exact` is strict about spaces."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def log_in(page: Any, site: Site, email: str, password: str = PASSWORD, *,
           lang: str = "ja") -> None:
    """Log in through the console's form, as a person does."""
    page.goto(f"{site.url}/console/login?lang={lang}")
    page.get_by_label(t("email", lang)).fill(email)
    page.get_by_label(t("console_password", lang)).fill(password)
    page.get_by_role("button", name=t("console_login", lang)).click()
    page.wait_for_load_state()
    assert "/console/login" not in page.url, f"logged in as {email}: {page.url}"


# ---- accessibility ---------------------------------------------------------------------------

BLOCKING = ("serious", "critical")


def axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (WCAG 2.x A and AA, best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})")
    return list(result["violations"])


def summary(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['impact']}: {v['id']} ({len(v['nodes'])}x) {v['help']} — "
            + "; ".join(n["target"][0] if isinstance(n["target"][0], str)
                        else json.dumps(n["target"]) for n in v["nodes"][:3])
            for v in violations]


def check_page(page: Any, label: str, found: dict[str, list[str]]) -> list[str]:
    """Run axe; note every violation under `label`; return the serious and critical ones."""
    violations = axe(page)
    found[label] = summary(violations)
    for line in found[label]:
        print(f"axe {label}: {line}")
    return [line for line, v in zip(found[label], violations, strict=True)
            if v["impact"] in BLOCKING]


# ---- screenshots -----------------------------------------------------------------------------

def screenshot(page: Any, folder: Path, name: str) -> Path:
    """The whole page into `folder`, and into $KAIGI_SCREENSHOTS too when it is set."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    extra = os.environ.get("KAIGI_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        (Path(extra) / path.name).write_bytes(path.read_bytes())
    return path


def shoot_failures(request: pytest.FixtureRequest, chromium: Chromium,
                   folder: Path) -> Iterator[Chromium]:
    """For a function fixture handing out `chromium`: when the test failed, a screenshot of
    every page it opened; then their contexts are closed."""
    failed_before = request.session.testsfailed
    yield chromium
    if request.session.testsfailed > failed_before:
        for number, page in enumerate(chromium.pages):
            if not page.is_closed():
                try:
                    path = screenshot(page, folder, f"failure-{number}")
                except Exception as exc:  # noqa: BLE001 (the failure itself matters more)
                    print(f"no screenshot of {page.url}: {exc}")
                else:
                    print(f"screenshot of {page.url} at the failure: {path}")
    for page in chromium.pages:
        if not page.is_closed():
            page.context.close()
    chromium.pages.clear()
