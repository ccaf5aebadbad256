"""The console in a real Chromium, as a new organizer uses it: forms filled, buttons pressed.

kaigi runs under uvicorn on http://127.0.0.1 outside dev mode, so the session cookie is
`Secure`; Chromium keeps Secure cookies for 127.0.0.1 (a potentially trustworthy origin).
One browser and one server serve the module; each test opens its own browser contexts
(cookie jars) and works on data of its own. Screenshots of the main pages go to the
test's tmp dir and, when KAIGI_SCREENSHOTS names a folder, there too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from events.models import AuditEntry, User
from tests import browser as b
from tests.factories import PASSWORD, make_org, make_user

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium() -> Iterator[b.Chromium]:
    yield from b.launch()


@pytest.fixture(scope="module")
def site(chromium: b.Chromium, migrated_url: str,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[b.Site]:
    yield from b.serve(migrated_url, tmp_path_factory.mktemp("console"))


@pytest.fixture(scope="module")
def orgs(site: b.Site) -> None:
    async def seed() -> None:
        await make_org("iajapan", name_ja="インターネット協会", name_en="Internet Association")
        await make_org("jpaawg", name_ja="JPAAWG", name_en="JPAAWG")
        await make_user("kanri@example.jp", "admin", name="管理 太郎")

    site.run(seed)


@pytest.fixture
def pages(request: pytest.FixtureRequest, chromium: b.Chromium,
          tmp_path: Path) -> Iterator[b.Chromium]:
    yield from b.shoot_failures(request, chromium, tmp_path)


def user(site: b.Site, email: str, org: str | None = "iajapan", **kw: Any) -> None:
    async def create() -> None:
        await make_user(email, "organizer" if org else "admin", org=org, **kw)

    site.run(create)


def actions(site: b.Site, email: str) -> list[str]:
    async def read() -> list[str]:
        account = await User.get(email=email)
        return [e.action for e in await AuditEntry.filter(user_id=account.id).order_by("id")]

    return site.run(read)


def no_serious_axe(page: Any, label: str) -> None:
    found: dict[str, list[str]] = {}
    assert not b.check_page(page, label, found), found


# ---- logging in, the account -----------------------------------------------------------------

@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_new_organizer_logs_in_changes_the_password_and_logs_out(site, orgs, pages, lang):
    email = f"atarashii-{lang}@example.jp"
    user(site, email, locale=lang)
    page = pages.page(lang)
    t = lambda key: b.t(key, lang)  # noqa: E731

    page.goto(f"{site.url}/console/account")
    assert "/console/login?next=/console/account" in page.url, "strangers go to the login"
    page.get_by_label(t("email")).fill(email)
    page.get_by_label(t("console_password")).fill("not the password")
    page.get_by_role("button", name=t("console_login")).click()
    assert page.get_by_role("alert").inner_text() == t("console_error_login_failed")
    page.get_by_label(t("console_password")).fill(PASSWORD)
    page.get_by_role("button", name=t("console_login")).click()
    page.wait_for_url("**/console/account")
    assert page.get_by_role("heading", level=1).inner_text() == t("console_account")

    # A wrong current password: the error stands next to the field, in the page's language.
    page.get_by_label(t("console_current_password")).fill("wrong password")
    page.get_by_label(t("console_new_password")).fill("a much better passphrase")
    page.get_by_role("button", name=t("console_change_password")).click()
    current = page.get_by_label(t("console_current_password"))
    assert current.get_attribute("aria-invalid") == "true"
    assert page.locator("#e-current_password").is_visible()
    no_serious_axe(page, f"account with an error [{lang}]")

    page.get_by_label(t("console_current_password")).fill(PASSWORD)
    page.get_by_label(t("console_new_password")).fill("a much better passphrase")
    page.get_by_role("button", name=t("console_change_password")).click()
    # A new password ends every session, this one too: log in again with it.
    page.wait_for_url("**/console/login**")
    assert page.get_by_role("status").first.inner_text() == t(
        "console_notice_password_changed")
    b.log_in(page, site, email, "a much better passphrase", lang=lang)

    page.get_by_role("button", name=t("console_logout")).click()
    page.wait_for_url("**/console/login**")
    page.goto(f"{site.url}/console/account")
    assert "/console/login" in page.url, "logged out means logged out"
    assert actions(site, email) == ["login", "password_changed", "login", "logout"]


def test_the_second_factor_is_set_up_and_asked_for(site, orgs, pages):
    email = "nidankai@example.jp"
    user(site, email, locale="en")
    page = pages.page("en")
    t = lambda key: b.t(key, "en")  # noqa: E731
    b.log_in(page, site, email, lang="en")
    page.goto(f"{site.url}/console/account?lang=en")
    page.get_by_role("button", name=t("console_totp_set_up")).click()
    secret = page.locator("code.secret").inner_text().strip()
    page.get_by_label(t("console_code")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=t("console_totp_turn_on")).click()
    assert page.get_by_text(t("console_totp_on")).is_visible()
    codes = page.locator("ul.codes li").all_inner_texts()
    assert len(codes) >= 8, codes
    no_serious_axe(page, "account showing recovery codes [en]")

    page.get_by_role("button", name=t("console_logout")).click()
    page.goto(f"{site.url}/console/login?lang=en")
    page.get_by_label(t("email")).fill(email)
    page.get_by_label(t("console_password")).fill(PASSWORD)
    page.get_by_role("button", name=t("console_login")).click()
    page.wait_for_url("**/console/login/verify**")
    page.get_by_label(t("console_code")).fill("000000")
    page.get_by_role("button", name=t("console_verify")).click()
    assert page.get_by_label(t("console_code")).get_attribute("aria-invalid") == "true"
    no_serious_axe(page, "second factor refused [en]")
    page.get_by_label(t("console_code")).fill(codes[0].strip())
    page.get_by_role("button", name=t("console_verify")).click()
    page.wait_for_load_state()
    assert "/console/login" not in page.url, "a recovery code lets the owner in"
