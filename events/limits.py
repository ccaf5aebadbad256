"""Rate limits shared by every web worker: counters in the database, or in Redis.

Each limit is a fixed window per key: the first hit opens a window of the rate's period,
every hit in it adds one, and the hit past the budget is refused until the window ends.
One row (or one Redis key) per client and limit, updated by one atomic statement, so
any number of workers count together; the window starts at the client's first request
rather than on the clock's hour, so clients do not all come back at once. The price of a
fixed window is that a client may spend a budget at the end of one window and another at
the start of the next; for abuse limits that bound is good enough.

Nothing here knows HTTP: callers pass the client's address as text.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from events.errors import Code, DomainError

if TYPE_CHECKING:
    from events.config import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNITS = {"s": 1, "second": 1, "sec": 1, "m": 60, "min": 60, "minute": 60,
         "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
RATE_RE = re.compile(r"^\s*(\d{1,9})\s*/\s*(\d{1,6})?\s*([a-z]+?)s?\s*$")

# The limits a client's requests are counted against, with their defaults.
REGISTRATIONS = "registrations"  # per client address and event
LOOKUPS = "lookups"  # check-in searches, per API key
TICKET_LINKS = "ticket_links"  # "send me my ticket link" forms, per client address
DEFAULT_RATES = {REGISTRATIONS: "20/hour", LOOKUPS: "60/minute", TICKET_LINKS: "5/hour"}


@dataclass(frozen=True)
class Rate:
    """At most `count` hits per `period`."""

    count: int
    period: timedelta

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`20/hour`, `60/minute`, `5/10min`, `100/day`; ValueError otherwise."""
        match = RATE_RE.match(text.lower())
        if not match or match.group(3) not in UNITS or int(match.group(1)) < 1:
            raise ValueError(f"expected a rate like 20/hour, got {text!r}")
        seconds = int(match.group(2) or 1) * UNITS[match.group(3)]
        if seconds < 1:
            raise ValueError(f"expected a period of at least a second, got {text!r}")
        return cls(int(match.group(1)), timedelta(seconds=seconds))

    def __str__(self) -> str:
        return f"{self.count}/{int(self.period.total_seconds())}s"


@dataclass(frozen=True)
class Window:
    """A counter after a hit: how many in the current window, and when it ends."""

    count: int
    ends_at: datetime

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the window ends (at least one)."""
        return max(1, int((self.ends_at - now).total_seconds() + 0.999))


class RateLimited(DomainError):
    """Too many requests from one client (or key); `retry_after` seconds until it may."""

    code = Code.RATE_LIMITED

    def __init__(self, limit: str, retry_after: int):
        super().__init__(f"Too many requests; try again in {retry_after} seconds.",
                         retry_after=retry_after, limit=limit)
        self.limit = limit
        self.retry_after = retry_after


class Counters(Protocol):
    async def hit(self, key: str, period: timedelta, now: datetime) -> Window: ...

    async def peek(self, key: str, now: datetime) -> int: ...

    async def close(self) -> None: ...


def _sqlite_time(moment: datetime) -> str:
    # As the ORM writes it, so text comparison orders instants on SQLite.
    return moment.astimezone(UTC).isoformat(sep=" ", timespec="microseconds")


class DatabaseCounters:
    """Counters in the `rate_counter` table; one upsert per hit, atomic on SQLite and
    PostgreSQL alike (INSERT … ON CONFLICT DO UPDATE … RETURNING)."""

    HIT = (
        'INSERT INTO rate_counter ("key", "count", window_ends_at) VALUES ({0}, 1, {1}) '
        'ON CONFLICT ("key") DO UPDATE SET '
        '"count" = CASE WHEN rate_counter.window_ends_at <= {2} THEN 1 '
        'ELSE rate_counter."count" + 1 END, '
        "window_ends_at = CASE WHEN rate_counter.window_ends_at <= {2} "
        "THEN excluded.window_ends_at ELSE rate_counter.window_ends_at END "
        'RETURNING "count", window_ends_at')
    PEEK = 'SELECT "count" FROM rate_counter WHERE "key" = {0} AND window_ends_at > {1}'
    FORGET = "DELETE FROM rate_counter WHERE window_ends_at <= {0}"

    def _run(self, sql: str, *values: Any) -> tuple[Any, str, list[Any]]:
        from tortoise.connection import get_connection

        conn = get_connection("default")
        if conn.capabilities.dialect == "sqlite":
            params = [_sqlite_time(v) if isinstance(v, datetime) else v for v in values]
            return conn, sql.format(*(f"?{n}" for n in range(1, len(values) + 1))), params
        return conn, sql.format(*(f"${n}" for n in range(1, len(values) + 1))), list(values)

    async def hit(self, key: str, period: timedelta, now: datetime) -> Window:
        conn, sql, params = self._run(self.HIT, key, now + period, now)
        # A dict query: the plain one drops what an INSERT returns on PostgreSQL.
        rows = await conn.execute_query_dict(sql, params)
        count, ends_at = rows[0]["count"], rows[0]["window_ends_at"]
        if isinstance(ends_at, str):
            ends_at = datetime.fromisoformat(ends_at)
        return Window(int(count), ends_at)

    async def peek(self, key: str, now: datetime) -> int:
        conn, sql, params = self._run(self.PEEK, key, now)
        rows = await conn.execute_query_dict(sql, params)
        return int(rows[0]["count"]) if rows else 0

    async def forget_expired(self, now: datetime) -> int:
        """Delete the counters whose window has ended; how many went."""
        conn, sql, params = self._run(self.FORGET, now)
        count, _ = await conn.execute_query(sql, params)
        return int(count)

    async def close(self) -> None:
        return None


async def forget_expired(now: datetime) -> int:
    """Delete the database counters whose window has ended; how many went."""
    return await DatabaseCounters().forget_expired(now)


class RedisCounters:
    """Counters in Redis: SET NX with the period as expiry, then INCR, in one MULTI.

    Redis's own clock ends the window; `now` only turns its TTL into an instant.
    """

    def __init__(self, url: str):
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url)

    async def hit(self, key: str, period: timedelta, now: datetime) -> Window:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, px=int(period.total_seconds() * 1000), nx=True)
            pipe.incr(key)
            pipe.pttl(key)
            _, count, ttl = await pipe.execute()
        return Window(int(count), now + timedelta(milliseconds=max(int(ttl), 0)))

    async def peek(self, key: str, now: datetime) -> int:
        value = await self.redis.get(key)
        return int(value) if value is not None else 0

    async def close(self) -> None:
        await self.redis.aclose()


class Limiter:
    """The rate limits of one site, over counters every worker shares.

    `enabled=False` (KAIGI_RATE_LIMITS=off) lets every request through and counts
    nothing; `once` (single use of a challenge) holds regardless.
    """

    def __init__(self, counters: Counters, rates: dict[str, Rate], *, enabled: bool = True,
                 prefix: str = "kaigi:"):
        self.counters = counters
        self.rates = rates
        self.enabled = enabled
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings, *, prefix: str = "kaigi:") -> Limiter:
        counters: Counters = (RedisCounters(settings.redis_url) if settings.redis_url
                              else DatabaseCounters())
        return cls(counters, dict(settings.rates), enabled=settings.rate_limits, prefix=prefix)

    def _key(self, limit: str, subject: str) -> str:
        return f"{self.prefix}{limit}:{subject}"[:255]

    async def take(self, limit: str, subject: str, now: datetime) -> Window | None:
        """Count one request of `subject` against `limit`; RateLimited past its budget."""
        if not self.enabled:
            return None
        rate = self.rates[limit]
        window = await self.counters.hit(self._key(limit, subject), rate.period, now)
        if window.count > rate.count:
            raise RateLimited(limit, window.retry_after(now))
        return window

    async def used(self, limit: str, subject: str, now: datetime) -> int:
        """How much of its budget `subject` has spent in the current window (0 when off)."""
        if not self.enabled:
            return 0
        return await self.counters.peek(self._key(limit, subject), now)

    async def near(self, limit: str, subject: str, now: datetime) -> bool:
        """Over half of the budget spent: time to ask for proof of work."""
        return await self.used(limit, subject, now) * 2 >= self.rates[limit].count

    async def once(self, key: str, until: datetime, now: datetime) -> bool:
        """True the first time `key` is seen before `until`; False for every replay."""
        period = max(until - now, timedelta(seconds=1))
        window = await self.counters.hit(self._key("once", key), period, now)
        return window.count == 1

    async def close(self) -> None:
        await self.counters.close()


# ---- who is asking ---------------------------------------------------------------------

def parse_networks(text: str) -> tuple[Network, ...]:
    """A comma list of addresses or CIDRs; ValueError naming the first bad one."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"not an address or CIDR: {item!r}") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
             proxies: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(peer: str, forwarded_for: Iterable[str],
                   proxies: Sequence[Network]) -> str:
    """The address a limit counts: the peer, or behind trusted proxies the rightmost
    X-Forwarded-For entry that is not a trusted proxy (the ones left of it are whatever
    the client wrote). IPv6 clients count per /64, the block one subscriber gets."""
    found = _address(peer)
    if found is not None and _trusted(found, proxies):
        hops = [hop for header in forwarded_for for hop in header.split(",")]
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break  # garbled: keep the last hop a trusted proxy vouched for
            found = address
            if not _trusted(address, proxies):
                break
    if found is None:
        return peer or "unknown"
    if found.version == 6 and not (isinstance(found, ipaddress.IPv6Address)
                                   and found.ipv4_mapped):
        return str(ipaddress.ip_network(f"{found}/64", strict=False))
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped:
        return str(found.ipv4_mapped)
    return str(found)
