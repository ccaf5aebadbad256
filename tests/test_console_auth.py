"""Console accounts: logging in and out, sessions in the database, limits, the second factor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine

from events import accounts
from events.models import AuditEntry, ConsoleSession, User
from tests.databases import kaigi
from tests.factories import PASSWORD, csrf_of, log_in, make_org, make_user


async def test_pages_send_strangers_to_the_login_form(browser):
    response = await browser.get("/console/account?lang=en")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/account%3Flang%3Den"


async def test_log_in_and_out(browser):
    await make_user("kanri@example.jp", "admin")
    answer = await log_in(browser, "kanri@example.jp")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/account"
    cookie = answer.headers["set-cookie"]
    assert "kaigi_console=" in cookie
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/console"):
        assert flag.lower() in cookie.lower(), flag
    page = await browser.get("/console/account")
    assert page.status_code == 200 and "kanri@example.jp" in page.text
    assert page.headers["cache-control"] == "no-store"

    out = await browser.post("/console/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303
    assert (await browser.get("/console/account")).status_code == 303
    actions = [e.action for e in await AuditEntry.all().order_by("id")]
    assert actions == ["login", "logout"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
async def test_next_is_only_ever_a_local_path(browser, target):
    await make_user("a@example.jp", "admin")
    form = await browser.get("/console/login")
    answer = await browser.post("/console/login", data={
        "csrf_token": csrf_of(form.text), "email": "a@example.jp", "password": PASSWORD,
        "next": target})
    assert answer.headers["location"] == "/console/"


async def test_a_wrong_password_and_an_unknown_account_answer_alike(browser):
    await make_user("known@example.jp", "admin")
    wrong = await log_in(browser, "known@example.jp", "not the password")
    unknown = await log_in(browser, "nobody@example.jp", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    strip = [line for line in wrong.text.splitlines() if "csrf_token" not in line
             and "known@example.jp" not in line]
    assert strip == [line for line in unknown.text.splitlines() if "csrf_token" not in line
                     and "nobody@example.jp" not in line]
    assert "set-cookie" not in wrong.headers or "kaigi_console" not in wrong.headers.get(
        "set-cookie", "")


async def test_failed_logins_are_limited_per_account(browser):
    await make_user("target@example.jp", "admin")
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        assert (await log_in(browser, "target@example.jp", "guess")).status_code == 401
    blocked = await log_in(browser, "target@example.jp")
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    with time_machine.travel(datetime.now(UTC) + accounts.FAILURE_WINDOW + timedelta(
            seconds=5), tick=False):
        assert (await log_in(browser, "target@example.jp")).status_code == 303


async def test_failed_logins_are_limited_per_client_address(browser):
    await make_user("real@example.jp", "admin")
    for i in range(accounts.MAX_FAILURES_PER_CLIENT):
        await log_in(browser, f"spray{i}@example.jp", "guess")
    assert (await log_in(browser, "real@example.jp")).status_code == 429


async def test_sessions_end_when_idle_or_old(browser):
    await make_user("idle@example.jp", "admin")
    start = datetime(2030, 1, 6, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert (await log_in(browser, "idle@example.jp")).status_code == 303
    with time_machine.travel(start + timedelta(hours=11), tick=False):
        assert (await browser.get("/console/account")).status_code == 200
    with time_machine.travel(start + timedelta(hours=23, minutes=30), tick=False):
        assert (await browser.get("/console/account")).status_code == 303, "idle 12 h"

    with time_machine.travel(start, tick=False):
        await log_in(browser, "idle@example.jp")
    moment = start
    for _ in range(14):  # used every day, still ends after 14 days
        moment += timedelta(hours=11)
        with time_machine.travel(moment, tick=False):
            page = await browser.get("/console/account")
    assert page.status_code == 200
    with time_machine.travel(start + accounts.ABSOLUTE_TIMEOUT + timedelta(minutes=1),
                             tick=False):
        assert (await browser.get("/console/account")).status_code == 303


async def test_disabling_an_account_ends_its_sessions(browser):
    await make_user("leaver@example.jp", "admin")
    await log_in(browser, "leaver@example.jp")
    assert (await browser.get("/console/account")).status_code == 200
    await accounts.disable_user("leaver@example.jp", datetime.now(UTC))
    assert (await browser.get("/console/account")).status_code == 303
    assert (await log_in(browser, "leaver@example.jp")).status_code == 401


async def test_a_new_password_ends_every_session(browser, database):
    await make_user("pw@example.jp", "admin")
    await log_in(browser, "pw@example.jp")
    other = await accounts.login("pw@example.jp", PASSWORD, client="elsewhere",
                                 now=datetime.now(UTC))
    page = await browser.get("/console/account")
    bad = await browser.post("/console/account/password", data={
        "csrf_token": csrf_of(page.text), "current_password": "wrong",
        "password": "a much better password"})
    assert bad.status_code == 422 and "aria-invalid" in bad.text
    changed = await browser.post("/console/account/password", data={
        "csrf_token": csrf_of(page.text), "current_password": PASSWORD,
        "password": "a much better password"})
    assert changed.status_code == 303
    assert await accounts.session_user(other.session_id, datetime.now(UTC)) is None
    assert (await browser.get("/console/account")).status_code == 303
    assert (await log_in(browser, "pw@example.jp", "a much better password")).status_code == 303


async def test_the_second_factor(browser):
    await make_user("two@example.jp", "admin")
    await log_in(browser, "two@example.jp")
    page = await browser.get("/console/account")
    started = await browser.post("/console/account/totp/start",
                                 data={"csrf_token": csrf_of(page.text)})
    secret = started.text.split('name="secret" value="')[1].split('"')[0]
    on = await browser.post("/console/account/totp", data={
        "csrf_token": csrf_of(page.text), "secret": secret,
        "code": pyotp.TOTP(secret).now()})
    assert on.status_code == 200
    codes = [c.split("</code>")[0] for c in on.text.split("<li><code>")[1:]]
    assert len(codes) == accounts.RECOVERY_CODES
    await browser.post("/console/logout", data={"csrf_token": csrf_of(on.text)})

    half = await log_in(browser, "two@example.jp")
    assert half.headers["location"].startswith("/console/login/verify")
    assert (await browser.get("/console/account")).status_code == 303, "half a login"
    form = await browser.get(half.headers["location"])
    wrong = await browser.post("/console/login/verify", data={
        "csrf_token": csrf_of(form.text), "code": "000000", "next": "/console/account"})
    assert wrong.status_code == 422
    right = await browser.post("/console/login/verify", data={
        "csrf_token": csrf_of(form.text), "code": codes[0], "next": "/console/account"})
    assert right.status_code == 303
    assert (await browser.get("/console/account")).status_code == 200

    # A recovery code works once.
    await browser.post("/console/logout", data={"csrf_token": csrf_of(form.text)})
    await log_in(browser, "two@example.jp")
    again = await browser.post("/console/login/verify", data={
        "csrf_token": csrf_of(form.text), "code": codes[0], "next": "/console/account"})
    assert again.status_code == 422


async def test_a_reset_link_answers_alike_and_works_once(browser):
    user = await make_user("reset@example.jp", "admin")
    form = await browser.get("/console/password/forgot")
    answers = [await browser.post("/console/password/forgot", data={
        "csrf_token": csrf_of(form.text), "email": email})
        for email in ("reset@example.jp", "nobody@example.jp")]
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].text == answers[1].text

    raw = await accounts.issue_link(user, "reset", datetime.now(UTC))
    page = await browser.get(f"/console/password/{raw}")
    assert page.status_code == 200
    short = await browser.post(f"/console/password/{raw}", data={
        "csrf_token": csrf_of(page.text), "password": "short"})
    assert short.status_code == 422
    done = await browser.post(f"/console/password/{raw}", data={
        "csrf_token": csrf_of(page.text), "password": "a brand new password"})
    assert done.status_code == 303
    assert (await browser.get(f"/console/password/{raw}")).status_code == 404
    assert (await log_in(browser, "reset@example.jp", "a brand new password")).status_code == 303


async def test_an_invitation_expires_after_72_hours(browser):
    user = await make_user("new@example.jp", "admin", password=None)
    issued = datetime(2030, 3, 1, tzinfo=UTC)
    raw = await accounts.issue_link(user, "invite", issued)
    with time_machine.travel(issued + timedelta(hours=71), tick=False):
        assert (await browser.get(f"/console/password/{raw}")).status_code == 200
    with time_machine.travel(issued + timedelta(hours=73), tick=False):
        assert (await browser.get(f"/console/password/{raw}")).status_code == 404


async def test_users_from_the_command_line(database, tmp_path):
    await make_org("iajapan")
    env = {"KAIGI_DATABASE_URL": database.database_url, "KAIGI_SECRET_KEY": database.secret_key,
           "KAIGI_VAR_DIR": str(tmp_path)}
    made = kaigi("users", "create", "--email", "Staff@Example.jp", "--role", "organizer",
                 "--org", "iajapan", "--name", "事務局", "--password", "long enough password",
                 env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    no_org = kaigi("users", "create", "--email", "x@example.jp", "--role", "organizer",
                   "--password", "long enough password", env=env, cwd=tmp_path)
    assert no_org.returncode != 0 and "--org" in no_org.stderr
    no_tty = kaigi("users", "create", "--email", "y@example.jp", "--role", "admin",
                   env=env, cwd=tmp_path)
    assert no_tty.returncode != 0 and "--password" in no_tty.stderr
    listed = kaigi("users", "list", env=env, cwd=tmp_path)
    assert "staff@example.jp\torganizer\tiajapan\tactive" in listed.stdout
    assert kaigi("users", "disable", "staff@example.jp", env=env, cwd=tmp_path).returncode == 0
    assert (await User.get(email="staff@example.jp")).disabled_at is not None
    assert not await ConsoleSession.filter(ended_at=None).exists()


async def test_an_admin_can_require_the_second_factor_of_every_admin(browser):
    await make_user("boss@example.jp", "admin")
    await make_user("other@example.jp", "admin")
    await log_in(browser, "boss@example.jp")
    page = await browser.get("/console/account")
    done = await browser.post("/console/account/admin-totp",
                              data={"csrf_token": csrf_of(page.text), "on": "yes"})
    assert done.status_code == 303 and await accounts.admin_totp_required()
    assert await AuditEntry.filter(action="admin_totp_required").exists()
    await browser.post("/console/logout", data={"csrf_token": csrf_of(page.text)})

    await log_in(browser, "other@example.jp")
    held = await browser.get("/console/")
    assert held.status_code == 303
    assert held.headers["location"] == "/console/account?notice=totp_required"
    assert (await browser.get("/console/account")).status_code == 200


async def test_only_an_admin_may_require_it(browser):
    await make_org("jpnic")
    await make_user("org@example.jp", "organizer", org="jpnic")
    await log_in(browser, "org@example.jp")
    page = await browser.get("/console/account")
    refused = await browser.post("/console/account/admin-totp",
                                 data={"csrf_token": csrf_of(page.text), "on": "yes"})
    assert refused.status_code == 403
    assert not await accounts.admin_totp_required()
