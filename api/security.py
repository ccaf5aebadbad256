"""Headers every response carries, and CSRF protection for HTML forms."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
# Pages use no inline script except JSON-LD data (not executed), and no CDN.
CSP = (b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in HEADERS if h[0] not in names]
                if any(n == b"content-type" and v.startswith(b"text/html") for n, v in headers):
                    headers.append((b"content-security-policy", CSP))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ---- CSRF: a signed double-submit token ------------------------------------------------------

CSRF_COOKIE = "kaigi_csrf"
CSRF_FIELD = "csrf_token"


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def csrf_token(request: Request) -> str:
    """The browser's token (from its cookie when valid, else a new one)."""
    secret = request.app.state.settings.secret_key
    current = request.cookies.get(CSRF_COOKIE, "")
    nonce, _, mac = current.partition(".")
    if nonce and hmac.compare_digest(mac, _sign(secret, nonce)):
        return current
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_sign(secret, nonce)}"


def set_csrf_cookie(response: Response, token: str, request: Request) -> None:
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", path="/",
                            secure=request.url.scheme == "https")


def token_valid(secret: str, cookie: str, submitted: str) -> bool:
    """The form's token equals the cookie's and carries our signature; anything else
    (missing, forged, not ASCII) is simply invalid."""
    if not (cookie.isascii() and submitted.isascii()):
        return False
    nonce, _, mac = cookie.partition(".")
    return bool(nonce) and hmac.compare_digest(cookie.encode(), submitted.encode()) and (
        hmac.compare_digest(mac.encode(), _sign(secret, nonce).encode()))


def same_site(scope: Scope, base_url: str) -> bool:
    """Whether the browser says the request comes from our own pages."""
    headers = Headers(scope=scope)
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    if origin and origin != "null":
        request = Request(scope)
        return origin in {base_url, f"{request.url.scheme}://{request.url.netloc}"}
    return True


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# JSON calls: a browser cannot send application/json cross-site without a CORS preflight,
# which kaigi never grants. The one-click unsubscribe POST (RFC 8058) comes from mail
# providers without cookies; its URL is its own credential.
EXEMPT = re.compile(r"^/(api/|unsubscribe/)")
# Forms whose handler shows the form again, with what was typed, when the token failed.
KEEPS_TYPED = re.compile(r"^/events/[^/]+/register$")
MAX_FORM = 1_000_000


def _routed(scope: Scope) -> bool:
    """Whether a route takes this method here (else routing answers 404 or 405)."""
    return any(route.matches(scope)[0] == Match.FULL for route in scope["app"].router.routes)


class CSRFMiddleware:
    """Every unsafe request to a page or form carries our signed token (form field
    `csrf_token` or header `X-CSRF-Token`) and comes from our own pages, or it is refused
    with 403 before any handler runs, so no handler can forget the check."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in UNSAFE
                or EXEMPT.match(scope["path"]) or not _routed(scope)):
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM:
                response = Response("Request too large.\n", status_code=413,
                                    media_type="text/plain")
                await response(scope, receive, send)
                return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        settings = scope["app"].state.settings
        request = Request(scope, replay)
        submitted = request.headers.get("x-csrf-token", "")
        if not submitted and request.headers.get("content-type", "").startswith((
                "application/x-www-form-urlencoded", "multipart/form-data")):
            try:
                submitted = str((await request.form()).get(CSRF_FIELD, "") or "")
            except Exception:  # a malformed form is a failed check, not a crash
                submitted = ""
            replayed = False
        ok = token_valid(settings.secret_key, request.cookies.get(CSRF_COOKIE, ""),
                         submitted) and same_site(scope, settings.base_url)
        scope.setdefault("state", {})["csrf_failed"] = not ok
        if not ok and not KEEPS_TYPED.match(scope["path"]):
            from api.pages import render_error

            response = render_error(Request(scope), 403, "refused_csrf_failed")
            await response(scope, receive, send)
            return
        await self.app(scope, replay, send)
