"""What every request and answer goes through: the allowed hosts, a bounded body, the
headers every response carries, and CSRF protection for HTML forms."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events.config import Settings
from events.errors import Code, DomainError

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
# Pages use no inline script except JSON-LD data (not executed), and no CDN.
CSP = (b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


HSTS = (b"strict-transport-security", b"max-age=31536000")
# Pages that show or take one person's data; the API's answers to a key, a token or a change.
PERSONAL_PAGES = re.compile(r"^/(console|tickets|checkin|unsubscribe)(/|$)")
SAFE = {"GET", "HEAD"}


def personal(scope: Scope) -> bool:
    """Whether the answer may hold personal data, so no cache may keep it."""
    if scope["method"] not in SAFE:
        return True
    if not scope["path"].startswith("/api/"):
        return bool(PERSONAL_PAGES.match(scope["path"]))
    credentials = Headers(scope=scope).get("authorization") or b"token=" in scope.get(
        "query_string", b"")
    return bool(credentials)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def from_base_url(location: bytes, scope: Scope, base_url: str) -> bytes:
    """A redirect to this site, built from the request's Host (Starlette's trailing-slash
    redirects are), is rebuilt on KAIGI_BASE_URL; a path, or another site, is kept."""
    text = location.decode("latin-1")
    parts = urlsplit(text)
    if not parts.scheme or _origin(text) == _origin(base_url):
        return location
    host = Headers(scope=scope).get("host", "").lower()
    if parts.netloc.lower() != host:
        return location
    rest = text[len(f"{parts.scheme}://{parts.netloc}"):] or "/"
    return (base_url + rest).encode("latin-1")


class SecurityHeadersMiddleware:
    """Headers for every answer: no sniffing, framing or referrer leaks; a CSP on pages;
    HSTS when the site is https; `Cache-Control: no-store` on anything personal unless the
    handler chose a policy; and redirects that point at KAIGI_BASE_URL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings: Settings = scope["app"].state.settings
        https = settings.base_url.startswith("https://")
        private = personal(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(n, v) for n, v in message.get("headers", []) if n.lower() != b"server"]
                names = {name.lower() for name, _ in headers}
                headers += [h for h in HEADERS if h[0] not in names]
                if any(n == b"content-type" and v.startswith(b"text/html") for n, v in headers):
                    headers.append((b"content-security-policy", CSP))
                if https:
                    headers.append(HSTS)
                if private and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                headers = [(n, from_base_url(v, scope, settings.base_url)
                            if n.lower() == b"location" else v) for n, v in headers]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ---- refusals before any handler runs ----------------------------------------------------------

class TooLarge(DomainError):
    code = Code.TOO_LARGE

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit} bytes.", max_bytes=limit)


class UnknownHost(DomainError):
    code = Code.UNKNOWN_HOST

    def __init__(self) -> None:
        super().__init__("This site does not answer to the Host this request names.")


async def refuse(scope: Scope, receive: Receive, send: Send, exc: DomainError,
                 headers: dict[str, str] | None = None) -> None:
    """problem+json for the API, a page in the reader's language otherwise."""
    from api.errors import problem, status_for, wants_html
    from api.pages import render_error

    request = Request(scope)
    status = status_for(exc)
    if wants_html(request):
        response = render_error(request, status, f"refused_{exc.code}")
    else:
        extra: dict[str, Any] = {k: v for k, v in exc.extra.items()
                                 if isinstance(v, str | int)}
        response = problem(status, exc.message, code=exc.code, **extra)
    response.headers.update(headers or {})
    await response(scope, receive, send)


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower()
    return any(name == a or (a.startswith("*.") and name.endswith(a[1:])) for a in allowed)


class AllowedHostsMiddleware:
    """With KAIGI_ALLOWED_HOSTS set, a request naming any other Host (and not the host of
    KAIGI_BASE_URL) is answered 400 before routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings: Settings = scope["app"].state.settings
        if scope["type"] in ("http", "websocket") and settings.allowed_hosts:
            allowed = (*settings.allowed_hosts, settings.host.lower())
            if not host_allowed(Headers(scope=scope).get("host", ""), allowed):
                if scope["type"] == "http":
                    await refuse(scope, receive, send, UnknownHost())
                return
        await self.app(scope, receive, send)


class BoundedBodyMiddleware:
    """No body larger than KAIGI_MAX_BODY_BYTES is read: a Content-Length past it is
    refused at once, and a body without one (chunked) is counted as it streams in and
    refused when it passes the limit, so a worker's memory stays flat. 413, and the
    connection is closed rather than reading the rest."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = scope["app"].state.settings.max_body_bytes
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            await refuse(scope, receive, send, TooLarge(limit), CLOSE)
            return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if received > limit:  # a handler's own answer to TooLarge
                    message = {**message, "headers": [*message.get("headers", []),
                                                      (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, bounded_receive, watched_send)
        except TooLarge as exc:  # raised where no exception handler runs (the CSRF check)
            if started:
                raise
            await refuse(scope, receive, send, exc, CLOSE)


CLOSE = {"Connection": "close"}


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
KEEPS_TYPED = re.compile(r"^/events/[^/]+/(register|ticket-link)$")


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
        chunks = []
        more = True
        while more:  # BoundedBodyMiddleware keeps this under KAIGI_MAX_BODY_BYTES
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)

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
