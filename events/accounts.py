"""Console accounts: passwords (argon2id), sessions in the database, a second factor (TOTP),
single-use links for invitations and resets, and limits on failed logins.

Every answer about a login is the same whether the account exists or not; the limits live
in the database, so they hold across every worker.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.transactions import in_transaction

from events import outbox
from events.errors import Code, Conflict, FieldError, Invalid, NotFound, Refused
from events.inputs import deliverable, is_slug
from events.models import (
    AccountToken,
    ConsoleSession,
    LoginFailure,
    Organization,
    SiteOption,
    User,
)

UserRole = Literal["admin", "organizer"]
USER_ROLES: tuple[str, ...] = ("admin", "organizer")
IDLE_TIMEOUT = timedelta(hours=12)
ABSOLUTE_TIMEOUT = timedelta(days=14)
LINK_VALID = {"invite": timedelta(hours=72), "reset": timedelta(hours=2)}
# Failed logins: at most this many per account, and per client address, in the window.
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
MIN_PASSWORD = 10
RECOVERY_CODES = 8

_hasher = PasswordHasher()
# Verified against when the account does not exist, so both answers take as long.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


# ---- accounts -------------------------------------------------------------------------------

def check_password(password: str, *, field: str = "password") -> list[FieldError]:
    if len(password) < MIN_PASSWORD:
        return [FieldError.of(field, "password_short", min=MIN_PASSWORD)]
    if len(password) > 1000:
        return [FieldError.of(field, "too_long", max=1000)]
    return []


async def create_user(email: str, role: str, *, now: datetime, org_slug: str | None = None,
                      name: str = "", password: str | None = None,
                      locale: str = "ja") -> User:
    """A new account; without a password it can only be entered through an invitation."""
    errors: list[FieldError] = []
    email = normalize_email(email)
    if not deliverable(email):
        errors.append(FieldError.of("email", "email"))
    if role not in USER_ROLES:
        errors.append(FieldError.of("role", "one_of", choices=", ".join(USER_ROLES)))
    organization = None
    if role == "organizer":
        if not org_slug:
            errors.append(FieldError.of("org", "user_needs_organization"))
        elif not is_slug(org_slug) or (
                organization := await Organization.get_or_none(slug=org_slug)) is None:
            errors.append(FieldError.of("org", "unknown_organization", slug=org_slug))
    if password is not None:
        errors += check_password(password)
    if errors:
        raise Invalid(errors)
    if await User.filter(email=email).exists():
        raise Conflict(f"An account for {email} exists already.", field="email")
    return await User.create(
        email=email, role=role, organization=organization, name=name.strip()[:200],
        password_hash=_hasher.hash(password) if password else "", locale=locale,
        created_at=now, password_changed_at=now if password else None)


async def invite(email: str, *, org_slug: str, inviter: User, link_base: str, now: datetime,
                 name: str = "", locale: str = "ja") -> User:
    """A new organizer of `org_slug`, without a password, and the invitation mailed to them
    (a link to /console/password/…): account, link and message in one transaction."""
    async with in_transaction() as conn:
        user = await create_user(email, "organizer", now=now, org_slug=org_slug, name=name,
                                 locale=locale)
        raw = await issue_link(user, "invite", now)
        await outbox.queue_account_mail(user, "account_invite",
                                        f"{link_base}/console/password/{raw}", now,
                                        conn=conn, inviter=inviter)
    return user


async def list_users(organization_id: int | None = None) -> list[User]:
    query = User.all().prefetch_related("organization").order_by("email")
    if organization_id is not None:
        query = query.filter(organization_id=organization_id)
    return await query


async def disable_user(email: str, now: datetime) -> User:
    user = await User.get_or_none(email=normalize_email(email))
    if user is None:
        raise NotFound(f"No account {email!r}.")
    async with in_transaction() as conn:
        await User.filter(id=user.id).using_db(conn).update(disabled_at=now)
        await ConsoleSession.filter(user_id=user.id, ended_at=None).using_db(conn).update(
            ended_at=now)
    user.disabled_at = now
    return user


async def set_password(user: User, password: str, now: datetime) -> None:
    """A new password ends every session of the account but the caller's next one."""
    if errors := check_password(password):
        raise Invalid(errors)
    async with in_transaction() as conn:
        await User.filter(id=user.id).using_db(conn).update(
            password_hash=_hasher.hash(password), password_changed_at=now)
        await ConsoleSession.filter(user_id=user.id, ended_at=None).using_db(conn).update(
            ended_at=now)


async def change_password(user: User, current: str, new: str, now: datetime) -> None:
    if not _verify(user.password_hash, current):
        raise Invalid([FieldError.of("current_password", "wrong_password")])
    await set_password(user, new, now)


def password_ok(user: User, password: str) -> bool:
    return _verify(user.password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(password_hash) and _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# ---- logging in -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Login:
    """A started session: the raw id for the cookie, and whether a second factor is due."""

    session_id: str
    user: User
    needs_second_factor: bool


async def _failures(key: str, now: datetime) -> int:
    return await LoginFailure.filter(key=key, at__gt=now - FAILURE_WINDOW).count()


async def login(email: str, password: str, *, client: str, now: datetime) -> Login:
    """Check the password and start a session; refusals never tell whether the account exists."""
    email = normalize_email(email)[:254]
    account_key, client_key = f"account:{email}", f"client:{client}"
    if (await _failures(account_key, now) >= MAX_FAILURES_PER_ACCOUNT
            or await _failures(client_key, now) >= MAX_FAILURES_PER_CLIENT):
        raise Refused(Code.TOO_MANY_ATTEMPTS, "Too many failed logins; try again later.",
                      retry_after=int(FAILURE_WINDOW.total_seconds()))
    user = await User.get_or_none(email=email)
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or user.disabled_at is not None:
        await LoginFailure.bulk_create([LoginFailure(key=account_key, at=now),
                                        LoginFailure(key=client_key, at=now)])
        raise Refused(Code.LOGIN_FAILED, "The email address or password is wrong.")
    if _hasher.check_needs_rehash(user.password_hash):
        await User.filter(id=user.id).update(password_hash=_hasher.hash(password))
    await LoginFailure.filter(key=account_key).delete()
    session_id = await _start_session(user, client=client, now=now,
                                      verified=not user.totp_secret)
    return Login(session_id, user, needs_second_factor=bool(user.totp_secret))


async def _start_session(user: User, *, client: str, now: datetime, verified: bool) -> str:
    raw = secrets.token_urlsafe(32)
    await ConsoleSession.create(key_hash=digest(raw), user=user, verified=verified,
                                client=client[:100], created_at=now, last_seen_at=now)
    return raw


async def session_user(raw: str, now: datetime, *, verified: bool = True
                       ) -> tuple[ConsoleSession, User] | None:
    """The live session behind a cookie, touched; None when ended, idle or too old."""
    if not raw or len(raw) > 100:
        return None
    session = await ConsoleSession.get_or_none(key_hash=digest(raw), ended_at=None
                                               ).prefetch_related("user")
    if session is None:
        return None
    user = session.user
    expired = (now - session.last_seen_at > IDLE_TIMEOUT
               or now - session.created_at > ABSOLUTE_TIMEOUT)
    if expired or user.disabled_at is not None:
        await ConsoleSession.filter(id=session.id).update(ended_at=now)
        return None
    if session.verified != verified:  # half a login opens only the second-factor page
        return None
    # One write a minute at most keeps the idle clock without a write per page.
    if now - session.last_seen_at > timedelta(minutes=1):
        await ConsoleSession.filter(id=session.id).update(last_seen_at=now)
    return session, user


async def logout(raw: str, now: datetime) -> None:
    await ConsoleSession.filter(key_hash=digest(raw), ended_at=None).update(ended_at=now)


# ---- the second factor ----------------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _totp_ok(secret: str, code: str, now: datetime) -> bool:
    code = "".join(code.split())
    return bool(secret) and code.isdigit() and pyotp.TOTP(secret).verify(
        code, for_time=now, valid_window=1)


async def enable_totp(user: User, secret: str, code: str, now: datetime) -> list[str]:
    """Turn the second factor on once the app shows the right code; returns recovery codes."""
    if not _totp_ok(secret, code, now):
        raise Invalid([FieldError.of("code", "totp_wrong")])
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    await User.filter(id=user.id).update(totp_secret=secret,
                                         recovery_codes=[digest(c) for c in codes])
    return codes


async def disable_totp(user: User) -> None:
    await User.filter(id=user.id).update(totp_secret="", recovery_codes=[])


async def verify_second_factor(raw: str, code: str, *, client: str, now: datetime) -> User:
    """Finish a login with a TOTP code or a recovery code (each recovery code works once)."""
    found = await session_user(raw, now, verified=False)
    if found is None:
        raise Refused(Code.LOGIN_FAILED, "The login has expired; log in again.")
    session, user = found
    if await _failures(f"account:{user.email}", now) >= MAX_FAILURES_PER_ACCOUNT:
        raise Refused(Code.TOO_MANY_ATTEMPTS, "Too many failed logins; try again later.",
                      retry_after=int(FAILURE_WINDOW.total_seconds()))
    compact = "".join(code.split()).lower()
    if _totp_ok(user.totp_secret, compact, now):
        pass
    elif digest(compact) in user.recovery_codes:
        remaining = [c for c in user.recovery_codes if c != digest(compact)]
        await User.filter(id=user.id).update(recovery_codes=remaining)
    else:
        await LoginFailure.bulk_create([LoginFailure(key=f"account:{user.email}", at=now),
                                        LoginFailure(key=f"client:{client}", at=now)])
        raise Invalid([FieldError.of("code", "totp_wrong")])
    await ConsoleSession.filter(id=session.id).update(verified=True, last_seen_at=now)
    return user


# ---- single-use links -----------------------------------------------------------------------

async def issue_link(user: User, purpose: Literal["invite", "reset"], now: datetime) -> str:
    """A new link token (only its hash is kept); earlier unused ones of the purpose lapse."""
    raw = secrets.token_urlsafe(32)
    async with in_transaction() as conn:
        await AccountToken.filter(user_id=user.id, purpose=purpose, used_at=None).using_db(
            conn).update(used_at=now)
        await AccountToken.create(token_hash=digest(raw), user=user, purpose=purpose,
                                  created_at=now, expires_at=now + LINK_VALID[purpose],
                                  using_db=conn)
    return raw


async def link_user(raw: str, now: datetime) -> User | None:
    """The account a still-valid link belongs to."""
    if not raw or len(raw) > 100:
        return None
    token = await AccountToken.get_or_none(token_hash=digest(raw), used_at=None,
                                           expires_at__gt=now).prefetch_related("user")
    if token is None or token.user.disabled_at is not None:
        return None
    return token.user


async def use_link(raw: str, password: str, now: datetime) -> User:
    """Set the password through a link; the link works once."""
    user = await link_user(raw, now)
    if user is None:
        raise NotFound("This link is not valid any more.")
    if errors := check_password(password):
        raise Invalid(errors)
    if not await AccountToken.filter(token_hash=digest(raw), used_at=None).update(used_at=now):
        raise NotFound("This link is not valid any more.")
    await set_password(user, password, now)
    return user


async def reset_requested(email: str, now: datetime) -> tuple[User, str] | None:
    """A reset link for an active account, or None; the caller answers the same either way."""
    user = await User.get_or_none(email=normalize_email(email)[:254], disabled_at=None)
    if user is None:
        return None
    return user, await issue_link(user, "reset", now)


# ---- site-wide rules ------------------------------------------------------------------------

ADMIN_TOTP = "require_admin_totp"


async def admin_totp_required() -> bool:
    option = await SiteOption.get_or_none(key=ADMIN_TOTP)
    return bool(option and option.value.get("on"))


async def require_admin_totp(on: bool, now: datetime) -> None:
    """When on, an admin without a second factor can open only their account page."""
    await SiteOption.update_or_create(key=ADMIN_TOTP,
                                      defaults={"value": {"on": on}, "updated_at": now})


async def must_set_up_totp(user: User) -> bool:
    return user.role == "admin" and not user.totp_secret and await admin_totp_required()
