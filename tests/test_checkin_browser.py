"""The scanner page in a real Chromium, its camera fed with a real ticket's QR code.

Debian's `chromium` runs headless under Playwright (no browser download): the fake
camera plays a .y4m video that ffmpeg makes from the PNG kaigi serves, jsQR reads it,
and the page talks to kaigi under a real uvicorn. Without chromium, ffmpeg or Playwright
these tests skip and say why; under CI (CI=true) a missing tool fails them instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from events import access
from events.models import Admission, Registration, Scan
from tests.browser import missing
from tests.test_checkin import clear_of_midnight, flip_last_signature_byte, person, today_event

CHROMIUM = os.environ.get("KAIGI_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
READ_QUEUE = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("kaigi-checkin", 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const all = open.result.transaction("queue").objectStore("queue").getAll();
    all.onsuccess = () => { open.result.close(); resolve(all.result); };
  };
})"""

pytestmark = pytest.mark.slow


@pytest.fixture
def browser_tools() -> dict[str, str]:
    if not Path(CHROMIUM).exists():
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium; or set "
                "KAIGI_TEST_CHROMIUM): cannot drive the scanner page")
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        missing("ffmpeg is not installed (apt-get install ffmpeg): cannot fake the camera")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        missing("Playwright for Python is not installed (pip install -e '.[test]')")
    return {"chromium": CHROMIUM, "ffmpeg": ffmpeg or ""}


async def camera_video(ffmpeg: str, png: bytes, folder: Path) -> Path:
    """The ticket's QR code as a looping camera picture (480x480 on a 640x480 frame)."""
    (folder / "qr.png").write_bytes(png)
    video = folder / "qr.y4m"
    process = await asyncio.create_subprocess_exec(
        ffmpeg, "-loglevel", "error", "-y", "-loop", "1", "-i", str(folder / "qr.png"),
        "-t", "2", "-r", "10", "-vf",
        "scale=480:480,pad=640:480:(ow-iw)/2:(oh-ih)/2:white,format=yuv420p",
        "-f", "yuv4mpegpipe", str(video))
    assert await process.wait() == 0
    return video


class Scanner:
    """A phone at the door: a Chromium profile, a fake camera, the scanner page."""

    def __init__(self, tools: dict[str, str], folder: Path, video: Path):
        self.tools, self.folder, self.video = tools, folder, video
        self.errors: list[str] = []

    async def __aenter__(self) -> Scanner:
        from playwright.async_api import async_playwright

        self.playwright = await async_playwright().start()
        self.context = await self.playwright.chromium.launch_persistent_context(
            str(self.folder / "profile"), executable_path=self.tools["chromium"],
            headless=True, args=[*FLAGS, f"--use-file-for-fake-video-capture={self.video}"])
        self.page = self.context.pages[0] if self.context.pages else await self.context.new_page()
        # HTTP refusals (409, 422) and the favicon's 404 are answers, not script errors.
        self.page.on("console", lambda m: m.type == "error" and not m.text.startswith(
            "Failed to load resource") and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.context.close()
        await self.playwright.stop()

    async def result(self, expected: str) -> dict[str, str]:
        box = self.page.locator(f'#result[data-result="{expected}"]')
        await box.wait_for(timeout=20_000)
        return {"offline": await box.get_attribute("data-offline") or "",
                "title": await self.page.locator("#result-title").inner_text(),
                "name": await self.page.locator("#result-name").inner_text(),
                "detail": await self.page.locator("#result-detail").inner_text()}

    async def type_code(self, code: str) -> None:
        """What a hand-held scanner does: type the code and Enter into the focused box."""
        await self.page.fill("#search-input", code)
        await self.page.press("#search-input", "Enter")


async def setup_door(live_server, tools, tmp_path: Path) -> dict[str, Any]:
    await clear_of_midnight()
    event = await today_event()
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        ticket = (await client.post("/api/v1/events/door/registrations",
                                    json=person(1))).json()
        gone = (await client.post("/api/v1/events/door/registrations", json=person(2))).json()
        await client.post(f"/api/v1/registrations/{gone['id']}/cancel",
                          params={"token": gone["token"]})
        png = (await client.get(f"/tickets/{ticket['token']}/qr.png")).content
    _, key = await access.create_key("door phone", "checkin", event_slug="door")
    video = await camera_video(tools["ffmpeg"], png, tmp_path)
    return {"event": event, "ticket": ticket, "gone": gone, "key": key, "video": video}


async def test_the_page_reads_a_real_ticket_and_checks_it_in(live_server, browser_tools,
                                                             tmp_path):
    door = await setup_door(live_server, browser_tools, tmp_path)
    async with Scanner(browser_tools, tmp_path, door["video"]) as phone:
        # The organizer's setup QR opens this address: the key is in the fragment only.
        await phone.page.goto(f"{live_server.url}/checkin/door?lang=en#key={door['key']}")
        shown = await phone.result("checked_in")
        assert shown["offline"] == "false"
        assert shown["name"] == "山田 太郎1"
        assert shown["title"] == "Checked in"
        assert "#key" not in phone.page.url, "the key leaves the address bar"
        assert await phone.page.evaluate("localStorage.getItem('kaigi.checkin.door.key')") \
            == door["key"]
        assert await phone.page.locator("#count").inner_text() == "1"
        assert await phone.page.locator("#net").get_attribute("data-state") == "online"

        # The same ticket again, typed by a hand-held scanner: amber, with the first entry.
        await phone.type_code(door["ticket"]["ticket"]["code"])
        again = await phone.result("already_checked_in")
        assert "Entered at" in again["detail"]
        assert "-" not in again["detail"].split("Entered at")[1], "no gate, no dash for one"
        assert await phone.page.locator("#net").inner_text() == "Network: connected"

        # A misread code after an amber answer is a scan of its own: it replaces the panel.
        await phone.type_code("K" + "x" * 40)
        misread = await phone.result("invalid")
        assert misread["name"] == "" and "Entered at" not in misread["detail"]

        # The manual search, in katakana for a reading typed in hiragana: a cancelled
        # person is listed (to say why) with no check-in button.
        await phone.page.fill("#search-input", "ヤマダ")
        await phone.page.press("#search-input", "Enter")
        found = phone.page.locator("#search-results li")
        await found.nth(1).wait_for(timeout=10_000)
        assert await phone.page.locator("#result").get_attribute("data-result") == "", \
            "a search clears the last scan's answer"
        assert "example.jp" not in await phone.page.locator("#search-results").inner_text()
        assert [await found.nth(n).locator("button").count() for n in (0, 1)] == [1, 0]
        assert "山田 太郎2" in await found.nth(1).inner_text()
        assert phone.errors == [], "no script or CSP errors"

    registration = await Registration.get(id=door["ticket"]["id"])
    assert registration.checked_in_at is not None
    scans = await Scan.filter(event_id=door["event"].id).order_by("id")
    assert [s.result for s in scans] == ["checked_in", "already_checked_in", "invalid"]
    assert all(s.nonce and len(s.nonce) == 32 and not s.offline for s in scans)


async def test_offline_the_page_decides_alone_queues_and_syncs_later(live_server,
                                                                     browser_tools, tmp_path):
    door = await setup_door(live_server, browser_tools, tmp_path)
    checkins = f"{live_server.url}/api/v1/events/door/checkins"
    async with Scanner(browser_tools, tmp_path, door["video"]) as phone:
        # The hall's network is gone for scans; the page loaded its offline kit before.
        async def cut(route):
            await route.abort("internetdisconnected")

        await phone.context.route(checkins, cut)
        await phone.context.route(f"{checkins}/search*", cut)
        await phone.page.goto(f"{live_server.url}/checkin/door?lang=ja#key={door['key']}")
        shown = await phone.result("checked_in")
        assert shown["offline"] == "true", "verified on the phone with WebCrypto Ed25519"
        assert shown["name"] == "山田 太郎1", "the name comes from the offline kit"
        assert await phone.page.locator("#result-offline").is_visible()
        assert await phone.page.locator("#net").get_attribute("data-state") == "offline"

        await phone.type_code(door["gone"]["ticket"]["code"])
        assert (await phone.result("cancelled"))["offline"] == "true"
        await phone.type_code(flip_last_signature_byte(door["ticket"]["ticket"]["code"]))
        assert (await phone.result("invalid"))["offline"] == "true"
        await phone.type_code(door["ticket"]["ticket"]["code"])
        assert (await phone.result("already_checked_in"))["offline"] == "true"

        # The manual fallback searches the kit's names when the server cannot answer.
        await phone.page.fill("#search-input", "太郎")
        await phone.page.press("#search-input", "Enter")
        found = phone.page.locator("#search-results li")
        await found.first.wait_for(timeout=10_000)
        assert await found.count() == 1, "only confirmed venue attendees are in the kit"
        assert "山田 太郎1" in await found.first.inner_text()

        queue = await phone.page.evaluate(READ_QUEUE)
        assert sorted(item["body"]["offline_result"] for item in queue) == [
            "already_checked_in", "cancelled", "checked_in", "invalid"]
        assert all(item["body"]["scanned_at"] and item["nonce"] == item["body"]["nonce"]
                   for item in queue)
        assert await phone.page.locator("#queue-count").inner_text() == "4"
        assert await Admission.all().count() == 0, "nothing reached the server yet"

        # Back online: the queue goes up with its nonces and scan times, then empties.
        await phone.context.unroute(checkins)
        await phone.page.locator("#queue-count", has_text="0").wait_for(timeout=20_000)
        assert await phone.page.evaluate(READ_QUEUE) == []
        assert phone.errors == [], "no script or CSP errors"

    scans = {s.nonce: s for s in await Scan.filter(event_id=door["event"].id)}
    assert set(scans) == {item["nonce"] for item in queue}
    for item in queue:
        stored = scans[item["nonce"]]
        assert stored.offline is True
        assert stored.scanned_at < stored.received_at
        assert stored.result == item["body"]["offline_result"], "the server agrees"
    admission = await Admission.get(registration_id=door["ticket"]["id"])
    first = min(s.scanned_at for s in scans.values() if s.result == "checked_in")
    assert admission.admitted_at == first


async def test_a_reload_without_network_still_opens_the_scanner(live_server, browser_tools,
                                                                tmp_path):
    door = await setup_door(live_server, browser_tools, tmp_path)
    async with Scanner(browser_tools, tmp_path, door["video"]) as phone:
        await phone.page.goto(f"{live_server.url}/checkin/door?lang=en#key={door['key']}")
        assert (await phone.result("checked_in"))["offline"] == "false"
        await phone.page.wait_for_function("navigator.serviceWorker.controller !== null",
                                           timeout=20_000)

        # The phone loses the network and the tab reloads: the service worker serves the
        # page, the kit and the day's entries come from the phone's storage.
        await phone.context.set_offline(True)
        await phone.page.reload()
        shown = await phone.result("already_checked_in")
        assert shown["offline"] == "true", "this phone remembers who it let in"
        assert await phone.page.locator("#net").get_attribute("data-state") == "offline"
        assert await phone.page.locator("#title").inner_text() == "Test event"
        assert len(await phone.page.evaluate(READ_QUEUE)) == 1

        await phone.context.set_offline(False)
        await phone.page.locator("#queue-count", has_text="0").wait_for(timeout=20_000)
        assert phone.errors == [], "no script or CSP errors"
    results = [s.result for s in await Scan.filter(event_id=door["event"].id).order_by("id")]
    assert results == ["checked_in", "already_checked_in"]
