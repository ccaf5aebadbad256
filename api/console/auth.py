"""Logging in and out, the second factor, passwords, invitations and resets."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from api.console.common import (
    SESSION_COOKIE,
    Console,
    clear_session_cookie,
    language,
    page,
    safe_next,
    set_session_cookie,
)
from api.docs import console_form, console_page, form_post, html_page
from api.limits import client as client_address
from api.pages import render
from api.requests import now
from api.security import CSRF_FIELD, csrf_token, set_csrf_cookie
from events import accounts, audit, outbox
from events.access import Actor
from events.errors import Invalid, NotFound, Refused
from events.models import User
from events.vocabulary import translate


def _public(request: Request, template: str, *, status: int = 200,
            **context: Any) -> HTMLResponse:
    """A console page for someone not logged in (yet)."""
    token = csrf_token(request)
    response = render(request, template, language(request, None), status=status,
                      csrf_field=CSRF_FIELD, csrf=token, me=None, **context)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    set_csrf_cookie(response, token, request)
    return response


def _stranger(email: str) -> Actor:
    return Actor(label=email[:254])


# ---- logging in -----------------------------------------------------------------------------

@html_page("The console's login form", errors=())
async def login_form(request: Request) -> Response:
    return _public(request, "console/login.html", next=safe_next(
        request.query_params.get("next")), email="", error=None)


@form_post("Log in to the console", fields=("email", "password", "next"),
           errors=(401, 403, 429))
async def login_submit(request: Request) -> Response:
    form = await request.form()
    email, password = str(form.get("email", ""))[:300], str(form.get("password", ""))[:1000]
    target = safe_next(str(form.get("next", "")))
    moment, client = now(), client_address(request)
    try:
        login = await accounts.login(email, password, client=client, now=moment)
    except Refused as exc:
        await audit.record("login_failed", actor=_stranger(email), now=moment, client=client,
                           details={"reason": exc.code})
        status = 429 if exc.code == "too_many_attempts" else 401
        refused = _public(request, "console/login.html", status=status, next=target,
                       email=email, error=exc.code)
        if status == 429:
            refused.headers["Retry-After"] = str(exc.extra.get("retry_after", 900))
        return refused
    if login.needs_second_factor:
        response = RedirectResponse(f"/console/login/verify?next={quote(target)}",
                                    status_code=303)
    else:
        await audit.record("login", actor=Actor(role=login.user.role, user_id=login.user.id,
                                                organization_id=login.user.organization_id,
                                                label=login.user.email),
                           now=moment, client=client)
        response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, login.session_id, request)
    return response


@html_page("The second step of a login: a code from the authenticator app", errors=())
async def verify_form(request: Request) -> Response:
    return _public(request, "console/verify.html",
                   next=safe_next(request.query_params.get("next")), error=None)


@form_post("Finish logging in with a TOTP or recovery code", fields=("code", "next"),
           errors=(401, 403, 422, 429))
async def verify_submit(request: Request) -> Response:
    form = await request.form()
    target = safe_next(str(form.get("next", "")))
    moment, client = now(), client_address(request)
    try:
        user = await accounts.verify_second_factor(
            request.cookies.get(SESSION_COOKIE, ""), str(form.get("code", ""))[:50],
            client=client, now=moment)
    except Invalid:
        return _public(request, "console/verify.html", status=422, next=target,
                       error="invalid_totp_wrong")
    except Refused as exc:
        status = 429 if exc.code == "too_many_attempts" else 401
        return _public(request, "console/login.html", status=status, next=target, email="",
                       error=exc.code)
    await audit.record("login", actor=Actor(role=user.role, user_id=user.id,
                                            organization_id=user.organization_id,
                                            label=user.email),
                       now=moment, client=client, details={"second_factor": True})
    return RedirectResponse(target, status_code=303)


@console_form("Log out (ends this session everywhere)", errors=(403,))
async def logout(request: Request) -> Response:
    raw = request.cookies.get(SESSION_COOKIE, "")
    moment = now()
    found = await accounts.session_user(raw, moment) if raw else None
    await accounts.logout(raw, moment)
    if found is not None:
        _, user = found
        await audit.record("logout", actor=Actor(role=user.role, user_id=user.id,
                                                 organization_id=user.organization_id,
                                                 label=user.email),
                           now=moment, client=client_address(request))
    response = RedirectResponse("/console/login?notice=logged_out", status_code=303)
    clear_session_cookie(response, request)
    return response


# ---- the account: password and second factor ------------------------------------------------

@console_page("Your account: password, second factor")
@page
async def account(c: Console) -> Response:
    return await _account_page(c)


async def _account_page(c: Console, *, status: int = 200,
                        errors: dict[str, str] | None = None, totp_secret: str = "",
                        recovery_codes: list[str] | None = None) -> Response:
    uri = accounts.totp_uri(totp_secret, c.user.email, "kaigi") if totp_secret else ""
    return c.render("console/account.html", status=status, errors=errors or {},
                    totp_secret=totp_secret, totp_uri=uri, recovery_codes=recovery_codes,
                    notice=c.request.query_params.get("notice"),
                    admin_totp=c.actor.is_admin and await accounts.admin_totp_required())


@console_form("Change your password", fields=("current_password", "password"))
@page
async def change_password(c: Console) -> Response:
    form = await c.request.form()
    try:
        await accounts.change_password(c.user, str(form.get("current_password", "")),
                                       str(form.get("password", "")), c.now)
    except Invalid as exc:
        return await _account_page(c, status=422, errors={
            e.field: e.text(c.lang) for e in exc.errors})
    await audit.record("password_changed", actor=c.actor, now=c.now, client=c.client)
    # Every session ended with the old password; this browser logs in again.
    response = RedirectResponse("/console/login?notice=password_changed", status_code=303)
    clear_session_cookie(response, c.request)
    return response


@console_form("Start turning on the second factor: show a new secret", fields=())
@page
async def totp_start(c: Console) -> Response:
    return await _account_page(c, totp_secret=accounts.new_totp_secret())


@console_form("Turn on the second factor with the first code", fields=("secret", "code"))
@page
async def totp_enable(c: Console) -> Response:
    form = await c.request.form()
    secret = str(form.get("secret", ""))[:64]
    try:
        codes = await accounts.enable_totp(c.user, secret, str(form.get("code", "")), c.now)
    except Invalid as exc:
        return await _account_page(c, status=422, totp_secret=secret,
                             errors={e.field: e.text(c.lang) for e in exc.errors})
    await audit.record("totp_enabled", actor=c.actor, now=c.now, client=c.client)
    return await _account_page(c, recovery_codes=codes)


@console_form("(Admins) require a second factor of every admin", fields=("on",))
@page
async def admin_totp(c: Console) -> Response:
    c.actor.require_admin()
    on = (await c.request.form()).get("on") == "yes"
    await accounts.require_admin_totp(on, c.now)
    await audit.record("admin_totp_required" if on else "admin_totp_optional", actor=c.actor,
                       now=c.now, client=c.client)
    return c.back("/console/account", "admin_totp_on" if on else "admin_totp_off")


@console_form("Turn off the second factor", fields=("current_password",))
@page
async def totp_disable(c: Console) -> Response:
    form = await c.request.form()
    if not accounts.password_ok(c.user, str(form.get("current_password", ""))):
        return await _account_page(c, status=422, errors={
            "current_password": translate("invalid_wrong_password", c.lang)})
    await accounts.disable_totp(c.user)
    await audit.record("totp_disabled", actor=c.actor, now=c.now, client=c.client)
    return c.back("/console/account", "totp_disabled")


# ---- forgotten passwords and invitations ------------------------------------------------------

@html_page("Ask for a password reset link", errors=())
async def forgot_form(request: Request) -> Response:
    return _public(request, "console/forgot.html", sent=False)


@form_post("Mail a reset link (the answer is the same for any address)", fields=("email",),
           errors=(403,))
async def forgot_submit(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email", ""))[:300]
    moment = now()
    found = await accounts.reset_requested(email, moment)
    if found is not None:
        user, raw = found
        base = request.app.state.settings.base_url
        await outbox.queue_account_mail(user, "account_reset",
                                        f"{base}/console/password/{raw}", moment)
        await audit.record("password_reset_requested", actor=_stranger(user.email),
                           now=moment, client=client_address(request))
    return _public(request, "console/forgot.html", sent=True)


async def _link_user(request: Request) -> User:
    user = await accounts.link_user(request.path_params["token"], now())
    if user is None:
        raise NotFound("link_invalid")
    return user


@html_page("Set a password through an invitation or reset link", errors=(404,))
async def link_form(request: Request) -> Response:
    user = await _link_user(request)
    return _public(request, "console/set_password.html", user=user, errors={})


@form_post("Set the password; the link works once", fields=("password",),
           errors=(403, 404, 422))
async def link_submit(request: Request) -> Response:
    user = await _link_user(request)
    form = await request.form()
    moment = now()
    try:
        await accounts.use_link(request.path_params["token"], str(form.get("password", "")),
                                moment)
    except Invalid as exc:
        lang = language(request, user)
        return _public(request, "console/set_password.html", status=422, user=user,
                       errors={e.field: e.text(lang) for e in exc.errors})
    await audit.record("password_reset", actor=Actor(role=user.role, user_id=user.id,
                                                     organization_id=user.organization_id,
                                                     label=user.email),
                       now=moment, client=client_address(request))
    return RedirectResponse("/console/login?notice=password_set", status_code=303)


routes = [
    Route("/console/login", login_form, methods=["GET"]),
    Route("/console/login", login_submit, methods=["POST"]),
    Route("/console/login/verify", verify_form, methods=["GET"]),
    Route("/console/login/verify", verify_submit, methods=["POST"]),
    Route("/console/logout", logout, methods=["POST"]),
    Route("/console/account", account, methods=["GET"]),
    Route("/console/account/password", change_password, methods=["POST"]),
    Route("/console/account/totp/start", totp_start, methods=["POST"]),
    Route("/console/account/totp", totp_enable, methods=["POST"]),
    Route("/console/account/totp/off", totp_disable, methods=["POST"]),
    Route("/console/account/admin-totp", admin_totp, methods=["POST"]),
    Route("/console/password/forgot", forgot_form, methods=["GET"]),
    Route("/console/password/forgot", forgot_submit, methods=["POST"]),
    Route("/console/password/{token}", link_form, methods=["GET"]),
    Route("/console/password/{token}", link_submit, methods=["POST"]),
]
