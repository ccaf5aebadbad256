"""The `kaigi` command: serve, migrate, demo, keys, worker."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from events import db
from events.config import Settings, SettingsError
from events.errors import DomainError, Invalid
from events.models import KEY_ROLES
from events.vocabulary import LANGUAGES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kaigi",
        description="kaigi: an async event and symposium manager. Settings come from "
                    "KAIGI_* environment variables (see the README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_server_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1", help="address to listen on "
                       "(default 127.0.0.1)")
        p.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000),
                       help="port (default $PORT or 8000)")
        p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")

    serve = commands.add_parser(
        "serve", help="run the web server",
        description="Run kaigi under uvicorn. On SQLite, pending migrations are applied first.")
    add_server_options(serve)

    commands.add_parser("migrate", help="apply database migrations",
                        description="Apply pending migrations to KAIGI_DATABASE_URL.")

    demo = commands.add_parser(
        "demo", help="serve with demo data (dev mode, SQLite by default)",
        description="Turn on dev mode, migrate, load the demo events, print the URLs and "
                    "an admin API key, then serve.")
    add_server_options(demo)
    demo.add_argument("--no-serve", action="store_true",
                      help="load the demo data and print the key, but do not serve")
    demo.add_argument("--no-worker", action="store_true",
                      help="do not start a mail worker alongside the server")

    worker = commands.add_parser(
        "worker", help="deliver queued mail (the outbox)",
        description="Claim due messages from the outbox and send them with SMTP "
                    "(KAIGI_SMTP_URL), or write them as .eml files under KAIGI_VAR_DIR/outbox/ "
                    "when no SMTP URL is set. Queues session reminders. Run as many as you "
                    "like; SIGTERM finishes the message in hand and exits.")
    worker.add_argument("--once", action="store_true",
                        help="deliver what is due now, then exit (for cron or tests)")
    worker.add_argument("--batch", type=int, default=20,
                        help="messages claimed at a time (default 20)")
    worker.add_argument("--lease", type=float, default=120.0,
                        help="seconds a claim lasts before another worker may take the "
                             "messages over (default 120)")
    worker.add_argument("--poll", type=float, default=1.0,
                        help="seconds between looks at an empty outbox (default 1)")

    purge = commands.add_parser(
        "purge", help="anonymise registrations past their retention period",
        description="Anonymise the registrations of every event whose retention period "
                    "(privacy.retention_days, else KAIGI_RETENTION_DAYS, counted from the "
                    "day after the event's last day) has run out: names, kana, email, "
                    "affiliation and membership are emptied, mail payloads and .eml copies "
                    "deleted; counts, check-ins and the audit log stay. `kaigi worker` does "
                    "this on its own; each purge is in the audit log.")
    purge.add_argument("--dry-run", action="store_true",
                       help="only list what would go, change nothing")
    purge.add_argument("--now", metavar="ISO",
                       help="purge as of this time (ISO 8601, default: now)")

    keys = commands.add_parser("keys", help="manage API keys",
                               description="Create, list and revoke API keys.")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = key_commands.add_parser(
        "create", help="create a key and print it once, on the last line",
        description="Create an API key. Only its hash is stored: the key is printed once.")
    create.add_argument("--role", required=True, choices=KEY_ROLES)
    create.add_argument("--name", required=True, help="who or what the key is for")
    create.add_argument("--org", help="organization slug (organizer and partner keys)")
    create.add_argument("--event", help="event slug (checkin keys)")
    key_commands.add_parser("list", help="list keys (never the keys themselves)")
    revoke = key_commands.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id", type=int)

    users = commands.add_parser("users", help="manage console accounts",
                                description="Create, list and disable console accounts.")
    user_commands = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    create_user = user_commands.add_parser(
        "create", help="create a console account",
        description="Create an account for the console at /console/. Without --password "
                    "the password is asked for (twice) on the terminal.")
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--role", required=True, choices=("admin", "organizer"))
    create_user.add_argument("--org", help="organization slug (organizers)")
    create_user.add_argument("--name", default="", help="the person's name")
    create_user.add_argument("--password", help="the password (non-interactive use)")
    create_user.add_argument("--locale", default="ja", choices=LANGUAGES,
                             help="console and mail language (default ja)")
    user_commands.add_parser("list", help="list accounts")
    disable = user_commands.add_parser("disable", help="disable an account and end its "
                                       "sessions")
    disable.add_argument("email")

    commands.add_parser("makemigrations", help="(developers) write a migration for model "
                        "changes into events/migrations")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command in ("serve", "demo") and not os.environ.get("KAIGI_BASE_URL"):
        # Links in pages and feeds should point where this server actually listens.
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
        os.environ["KAIGI_BASE_URL"] = f"http://{host}:{args.port}"
    try:
        settings = Settings.from_env(
            dev=True if args.command in ("demo", "makemigrations") else None)
    except SettingsError as exc:
        sys.exit(str(exc))
    try:
        if args.command == "serve":
            if settings.is_sqlite:
                report_migrations(asyncio.run(db.migrate(settings)))
            serve(settings, args)
        elif args.command == "migrate":
            report_migrations(asyncio.run(db.migrate(settings)))
        elif args.command == "demo":
            report_migrations(asyncio.run(db.migrate(settings)))
            asyncio.run(load_demo(settings, args))
            if not args.no_serve:
                with demo_worker(settings, enabled=not args.no_worker):
                    serve(settings, args)
        elif args.command == "worker":
            asyncio.run(worker_command(settings, args))
        elif args.command == "purge":
            asyncio.run(purge_command(settings, args))
        elif args.command == "keys":
            asyncio.run(keys_command(settings, args))
        elif args.command == "users":
            if args.users_command == "create" and args.password is None:
                args.password = ask_password()
            asyncio.run(users_command(settings, args))
        elif args.command == "makemigrations":
            asyncio.run(make_migrations(settings))
    except Invalid as exc:
        sys.exit("; ".join(f"--{e.field}: {e.message}" for e in exc.errors))
    except DomainError as exc:
        sys.exit(exc.message)


def report_migrations(applied: list[str]) -> None:
    for name in applied:
        print(f"applied migration {name}")


def serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    # Worker processes build their own Settings from the same environment.
    if settings.dev:
        os.environ["KAIGI_DEV"] = "1"
    from api.access_log import log_config

    # The access log never shows a token (api.access_log); no Server header to fingerprint.
    uvicorn.run("api.asgi:create", factory=True, host=args.host, port=args.port,
                workers=args.workers, proxy_headers=True, log_level="info",
                log_config=log_config(), server_header=False)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def demo_worker(settings: Settings, *, enabled: bool) -> Iterator[None]:
    """The demo delivers its mail too: a `kaigi worker` process beside the server."""
    if not enabled:
        yield
        return
    os.environ["KAIGI_DEV"] = "1"  # the same generated secret as the server
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "worker"])
    # uvicorn re-raises the SIGTERM it caught once it has shut down; with the default
    # handler that kills this process before `finally`, orphaning the worker.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


async def worker_command(settings: Settings, args: argparse.Namespace) -> None:
    import logging
    from datetime import timedelta

    from events.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    where = "SMTP" if settings.smtp_url else f"files in {settings.var_dir / 'outbox'}"
    async with db.connected(settings):
        worker = Worker(settings, batch=args.batch, lease=timedelta(seconds=args.lease),
                        poll=args.poll)
        print(f"mail worker {worker.name}: delivering to {where}", flush=True)
        await worker.run(stop, once=args.once)
    print(f"mail worker {worker.name} stopped: {worker.stats}", flush=True)


async def purge_command(settings: Settings, args: argparse.Namespace) -> None:
    from events import privacy

    moment = datetime.now(UTC)
    if args.now:
        try:
            moment = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
        except ValueError:
            sys.exit(f"--now: expected an ISO 8601 time, got {args.now!r}")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(settings.default_timezone))
    outbox = privacy.outbox_dir(settings)
    async with db.connected(settings):
        due = await privacy.due_purges(moment, default_days=settings.retention_days,
                                       outbox=outbox, limit=10_000)
        verb = "would anonymise" if args.dry_run else "anonymised"
        for item in due:
            if not args.dry_run:
                await privacy.purge(item, moment, outbox=outbox)
            print(f"{item.event.slug}\tdue {item.due_at.isoformat()}\t{verb} "
                  f"{item.registrations} registrations, {item.messages} messages, "
                  f"{len(item.files)} .eml files", flush=True)
    print(f"{len(due)} event(s) {'due' if args.dry_run else 'purged'} as of "
          f"{moment.isoformat()}" + (" (dry run: nothing changed)" if args.dry_run else ""))


async def load_demo(settings: Settings, args: argparse.Namespace) -> None:
    from events import access, demo

    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(settings.default_timezone)).date()
    async with db.connected(settings):
        added = await demo.load(today, now, settings.default_timezone)
        _, raw = await access.create_key("demo admin", "admin")
        console = await demo_console_account(now)
    base = settings.base_url
    print(f"demo data: {added} events added")
    print(f"  pages:   {base}/   ({base}/?lang=en)")
    print(f"  API:     {base}/api/v1/events")
    print(f"  OpenAPI: {base}/api/openapi.json")
    print(f"  admin API key (shown once): {raw}")
    if console:
        print(f"  console: {base}/console/  log in as {console[0]} / {console[1]}")
    where = "by SMTP" if settings.smtp_url else f"as .eml files in {settings.var_dir / 'outbox'}/"
    if args.no_serve:
        print(f"  mail:    run `kaigi worker` to deliver queued mail ({where})")
    elif not args.no_worker:
        print(f"  mail:    a `kaigi worker` runs alongside and delivers {where}")


async def demo_console_account(now: datetime) -> tuple[str, str] | None:
    """A console admin for the demo (dev mode only), with a new password each run."""
    import secrets

    from events import accounts
    from events.models import User

    email = "demo-admin@example.jp"
    password = secrets.token_urlsafe(12)
    user = await User.get_or_none(email=email)
    if user is None:
        await accounts.create_user(email, "admin", now=now, name="Demo admin",
                                   password=password)
    else:
        await accounts.set_password(user, password, now)
    return email, password


async def keys_command(settings: Settings, args: argparse.Namespace) -> None:
    from events import access
    from events.models import ApiKey

    async with db.connected(settings):
        if args.keys_command == "create":
            key, raw = await access.create_key(args.name, args.role, org_slug=args.org,
                                               event_slug=args.event)
            print(f"created key {key.id} ({key.role}) for {key.name!r}; store it now, "
                  "it is not shown again:")
            print(raw)
        elif args.keys_command == "list":
            for key in await ApiKey.all().order_by("id").prefetch_related(
                    "organization", "event"):
                scope = (key.organization.slug if key.organization else
                         key.event.slug if key.event else "-")
                state = "revoked" if key.revoked_at else "active"
                used = key.last_used_at.isoformat() if key.last_used_at else "never"
                print(f"{key.id}\t{key.role}\t{scope}\t{key.prefix}…\t{state}\t"
                      f"last used {used}\t{key.name}")
        elif args.keys_command == "revoke":
            await access.revoke_key(args.id, datetime.now(UTC))
            print(f"revoked key {args.id}")


def ask_password() -> str:
    """Twice, without echo; refuses when there is no terminal to ask on."""
    if not sys.stdin.isatty():
        sys.exit("--password: is required when there is no terminal to ask on")
    first = getpass.getpass("Password (at least 10 characters): ")
    if getpass.getpass("Again: ") != first:
        sys.exit("--password: the two entries differ")
    return first


async def users_command(settings: Settings, args: argparse.Namespace) -> None:
    from events import accounts

    async with db.connected(settings):
        moment = datetime.now(UTC)
        if args.users_command == "create":
            user = await accounts.create_user(
                args.email, args.role, now=moment, org_slug=args.org, name=args.name,
                password=args.password, locale=args.locale)
            print(f"created {user.role} {user.email}; log in at {settings.base_url}/console/")
        elif args.users_command == "list":
            for user in await accounts.list_users():
                org = user.organization.slug if user.organization else "-"
                state = "disabled" if user.disabled_at else "active"
                factor = "totp" if user.totp_secret else "-"
                print(f"{user.id}\t{user.email}\t{user.role}\t{org}\t{state}\t{factor}\t"
                      f"{user.name}")
        elif args.users_command == "disable":
            user = await accounts.disable_user(args.email, moment)
            print(f"disabled {user.email}; its sessions have ended")


async def make_migrations(settings: Settings) -> None:
    import json
    import tempfile

    from tortoise.cli.cli import CLIContext, makemigrations

    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(db.tortoise_config(settings), f, default=lambda _: None)
        f.flush()
        await makemigrations(CLIContext(config=None, config_file=f.name), (), False, None)

if __name__ == "__main__":
    main()
