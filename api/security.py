"""Headers every response carries, and CSRF protection for HTML forms."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events.errors import Code, Forbidden

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


def check_csrf(request: Request, submitted: str) -> None:
    """The form's token must equal the cookie's, carry our signature, and come from us."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    nonce, _, mac = cookie.partition(".")
    secret = request.app.state.settings.secret_key
    ok = bool(nonce) and hmac.compare_digest(cookie, submitted or "") and hmac.compare_digest(
        mac, _sign(secret, nonce))
    origin = request.headers.get("origin")
    if origin and origin != "null":
        own = {request.app.state.settings.base_url, f"{request.url.scheme}://{request.url.netloc}"}
        ok = ok and origin in own
    if not ok:
        raise Forbidden("The form has expired or did not come from this site. "
                        "Please reload the page and send it again.", code=Code.CSRF_FAILED)
