"""What the benchmarks share: ports, servers under uvicorn, wrk, the bare Starlette ceiling.

kaigi and the bare baseline are started by the same `uvicorn_command`: uvloop, httptools,
no access log, the same number of workers. The loop and the parser are named rather than
left to uvicorn's `auto`, which quietly falls back to asyncio and h11 (about 2.5 times
slower here) when the interpreter lacks them; named, a missing one stops the run.

`Load.plan` pins the servers to the first cores this process may use and wrk to the
others when there are more cores than workers; otherwise wrk shares the servers' cores
and the setup line says so. Each wrk run also measures the CPU the server, wrk and the
rest of the machine used meanwhile, so a table shows which side was the limit, and a
ceiling measured while other processes took the cores is called out.

Importing this module puts the project root on sys.path, for `events` and `api`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import multiprocessing
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-0123456789-0123456789-abcdef"
HOST = "127.0.0.1"
UVICORN_FLAGS = ("--loop", "uvloop", "--http", "httptools", "--no-access-log",
                 "--log-level", "error")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
BUSY_ELSEWHERE = 0.25  # cores taken by other processes that make a ceiling suspect

T = TypeVar("T")
A = TypeVar("A")


# ---- processes -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def require_wrk() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed as the load generator (apt-get install wrk)")


def _pinned(cores: Sequence[int]) -> Callable[[], None] | None:
    if not cores or not hasattr(os, "sched_setaffinity"):
        return None
    return functools.partial(os.sched_setaffinity, 0, set(cores))


@dataclass
class Server:
    """A server subprocess answering on HOST:port."""

    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def _wait_ready(server: Server, ready: str | None, deadline: float, log: Any) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log.seek(0)
            tail = "\n".join(log.read().decode(errors="replace").splitlines()[-20:])
            raise SystemExit(f"server on port {server.port} exited "
                             f"({server.process.returncode}):\n{tail}")
        try:
            if ready is None:
                socket.create_connection((HOST, server.port), timeout=1).close()
                return
            if httpx.get(server.url + ready, timeout=1, trust_env=False).status_code < 500:
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"server on port {server.port} did not answer within the time allowed")


@contextlib.contextmanager
def serve(command: Sequence[str], port: int, *, env: Mapping[str, str] | None = None,
          cores: Sequence[int] = (), ready: str | None = "/healthz",
          timeout: float = 30.0) -> Iterator[Server]:
    """Start `command` (listening on `port`), wait until it answers, stop it afterwards.

    `ready` is a path that must answer below 500, or None for a bare TCP connect. The
    process is pinned to `cores` (none: wherever the OS puts it); its stderr is shown if
    it exits before answering.
    """
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(list(command), env={**os.environ, **(env or {})}, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=log,
                                   preexec_fn=_pinned(cores))
        server = Server(process, port)
        try:
            _wait_ready(server, ready, time.monotonic() + timeout, log)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def uvicorn_command(target: str, port: int, workers: int = 1, *, factory: bool = False,
                    app_dir: Path | None = None) -> list[str]:
    """The one way every HTTP server of the benchmarks is started."""
    cmd = [sys.executable, "-m", "uvicorn", target, "--host", HOST, "--port", str(port),
           "--workers", str(workers), *UVICORN_FLAGS]
    if app_dir is not None:
        cmd += ["--app-dir", str(app_dir)]
    return cmd + (["--factory"] if factory else [])


# ---- the bare baseline -----------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    """One route of the bare Starlette app (bench/bare.py): a constant answer."""

    path: str
    methods: tuple[str, ...] = ("GET",)
    status: int = 200
    json: Any = None  # a JSON body, rendered on every request as kaigi does
    file: str | None = None  # otherwise these bytes, read once at start
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    read_body: bool = False  # read the request body first, as a JSON API does


# ---- kaigi -----------------------------------------------------------------------------------

def kaigi_env(database_url: str, var_dir: Path, base_url: str = f"http://{HOST}"
              ) -> dict[str, str]:
    # One load generator is one client address: the per-client rate limits would measure
    # themselves, not kaigi.
    return {"KAIGI_DATABASE_URL": database_url, "KAIGI_SECRET_KEY": SECRET,
            "KAIGI_BASE_URL": base_url, "KAIGI_VAR_DIR": str(var_dir),
            "KAIGI_RATE_LIMITS": "off"}


async def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema: everything in that database is lost."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


def _run(fn: Callable[[A], Awaitable[T]], arg: A) -> T:
    return asyncio.run(fn(arg))  # type: ignore[arg-type]


def fresh(fn: Callable[[A], Awaitable[T]], arg: A) -> T:
    """asyncio.run(fn(arg)) in a new process: the ORM keeps per-process state of one
    database, so each database is prepared and read back in a process of its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_run, fn, arg).result()


# ---- CPU accounting --------------------------------------------------------------------------

def _machine_busy() -> float | None:
    """CPU seconds all processes have used since boot, plus what the hypervisor stole
    (Linux). Interrupt time is left out: loopback traffic is counted there on some kernels
    rather than charged to the processes that make it."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = fields
    return (user + nice + system + steal) / CLOCK_TICKS


def _tree_cpu(pid: int) -> float | None:
    """CPU seconds used so far by a process and its live descendants (Linux)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return None
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        rest = text[text.rindex(")") + 2:].split()
        parents[int(entry.name)] = int(rest[1])
        used[int(entry.name)] = (int(rest[11]) + int(rest[12])) / CLOCK_TICKS
    if pid not in used:
        return None
    tree, frontier = {pid}, [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier and p not in tree]
        tree.update(children)
        frontier = children
    return sum(used[p] for p in tree)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class CpuUse:
    """Cores busy on average during one run: the server, wrk, and the rest of the machine
    (PostgreSQL, whatever else runs there, and time the hypervisor stole)."""

    server: float | None
    wrk: float
    rest: float | None

    @staticmethod
    def mean(uses: Sequence[CpuUse]) -> CpuUse:
        def avg(values: list[float | None]) -> float | None:
            return None if None in values else statistics.fmean(values)  # type: ignore[arg-type]

        return CpuUse(avg([u.server for u in uses]), statistics.fmean(u.wrk for u in uses),
                      avg([u.rest for u in uses]))


# ---- wrk -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WrkResult:
    rps: float
    total: int
    non_2xx: int  # wrk counts non-2xx-or-3xx answers
    socket_errors: int
    p50: float  # ms
    p99: float  # ms
    cpu: CpuUse
    output: str = field(repr=False)

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0,
                           "h": 3_600_000.0}[unit]


def parse_wrk(out: str, cpu: CpuUse) -> WrkResult:
    if not (rps := re.search(r"Requests/sec:\s+([\d.]+)", out)):
        raise SystemExit(f"wrk printed no rate:\n{out}")
    total = re.search(r"(\d+) requests in", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    percentiles = {p: _ms(v, unit) for p, v, unit in
                   re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m|h)\s*$", out, re.MULTILINE)}
    return WrkResult(rps=float(rps.group(1)), total=int(total.group(1)) if total else 0,
                     non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
                     socket_errors=sum(int(x) for x in sock.groups()) if sock else 0,
                     p50=percentiles.get("50", float("nan")),
                     p99=percentiles.get("99", float("nan")), cpu=cpu, output=out)


def run_wrk(url: str, seconds: int, connections: int, *, script: Path | None = None,
            headers: Mapping[str, str] | None = None, threads: int = 1,
            cores: Sequence[int] = (), server: Server | None = None) -> WrkResult:
    """One wrk run (pinned to `cores`), parsed; `server` is the one whose CPU is counted."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script is not None:
        cmd += ["-s", str(script)]
    server_before = _tree_cpu(server.process.pid) if server else None
    machine_before, wrk_before = _machine_busy(), _children_cpu()
    started = time.monotonic()
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True,
                         preexec_fn=_pinned(cores)).stdout
    elapsed = time.monotonic() - started
    wrk = (_children_cpu() - wrk_before) / elapsed
    machine_after = _machine_busy()
    server_after = _tree_cpu(server.process.pid) if server else None
    server_cores = (None if server_before is None or server_after is None
                    else (server_after - server_before) / elapsed)
    rest = None
    if machine_before is not None and machine_after is not None:
        rest = max(0.0, (machine_after - machine_before) / elapsed - wrk - (server_cores or 0))
    return parse_wrk(out, CpuUse(server_cores, wrk, rest))


# ---- one benchmark's setup -------------------------------------------------------------------

@dataclass(frozen=True)
class Load:
    """How every target of one benchmark is served and loaded, baseline and kaigi alike."""

    seconds: int
    connections: int
    workers: int = 1
    threads: int = 1
    server_cores: tuple[int, ...] = ()  # empty: not pinned
    wrk_cores: tuple[int, ...] = ()
    cores: int = field(default_factory=lambda: len(_usable_cores()))
    load_average: float | None = field(default_factory=lambda: _load_average())

    @classmethod
    def plan(cls, seconds: int, connections: int, workers: int = 1, threads: int = 1,
             pin: bool = True) -> Load:
        usable = _usable_cores()
        if pin and hasattr(os, "sched_setaffinity") and len(usable) > workers:
            return cls(seconds, connections, workers, threads, tuple(usable[:workers]),
                       tuple(usable[workers:]))
        return cls(seconds, connections, workers, threads)

    def describe(self) -> str:
        served = (f"setup: kaigi and the bare baseline alike under uvicorn "
                  f"{' '.join(UVICORN_FLAGS[:5])} --workers {self.workers}\n       ")
        if self.server_cores:
            placed = (f"servers pinned to core(s) {_cores(self.server_cores)}, wrk -t{self.threads}"
                      f" to core(s) {_cores(self.wrk_cores)} (of {self.cores})")
        else:
            placed = (f"not pinned: wrk -t{self.threads} shares the {self.cores} core(s) with "
                      f"the servers")
        load = ("" if self.load_average is None
                else f"; load average {self.load_average:.2f} before the first run")
        return served + placed + load

    def serve_kaigi(self, env: Mapping[str, str]) -> contextlib.AbstractContextManager[Server]:
        port = free_port()
        return serve(uvicorn_command("api.asgi:create", port, self.workers, factory=True), port,
                     env=env, cores=self.server_cores)

    def serve_bare(self, answers: Sequence[Answer]) -> contextlib.AbstractContextManager[Server]:
        port = free_port()
        routes = json.dumps([asdict(a) for a in answers])
        return serve(uvicorn_command("bare:app", port, self.workers, app_dir=BENCH), port,
                     env={"BENCH_BARE_ROUTES": routes}, cores=self.server_cores)

    def wrk(self, server: Server, path: str = "", *, script: Path | None = None,
            headers: Mapping[str, str] | None = None) -> WrkResult:
        return run_wrk(server.url + path, self.seconds, self.connections, script=script,
                       headers=headers, threads=self.threads, cores=self.wrk_cores,
                       server=server)


def _usable_cores() -> list[int]:
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _cores(cores: Sequence[int]) -> str:
    return ",".join(str(c) for c in cores)


# ---- reporting -------------------------------------------------------------------------------

Row = tuple[str, WrkResult, Mapping[str, object]]


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("nan")


def print_table(rows: Sequence[Row], extra: Sequence[tuple[str, int]] = ()) -> None:
    """req/s, ratio to the first row (the baseline of the same run), p50/p99, errors, then
    the `extra` columns (header, width) from each row's mapping ('-' where missing)."""
    baseline = rows[0][1]
    print(f"{'target':26} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
          + "".join(f" {header:>{width}}" for header, width in extra))
    for label, r, values in rows:
        print(f"{label:26} {r.rps:8.0f} {ratio(r.rps, baseline.rps):6.2f} {r.p50:8.1f} "
              f"{r.p99:8.1f} {r.errors:7d}"
              + "".join(f" {values.get(header, '-')!s:>{width}}" for header, width in extra))


def _fmt(value: float | None) -> str:
    return "   -" if value is None else f"{value:4.2f}"


def print_cpu(load: Load, rows: Sequence[tuple[str, CpuUse]], baselines: Sequence[str],
              width: int = 26) -> None:
    """Cores used during each run, and a warning for every baseline that was not a clean
    ceiling: other processes took cores, or wrk rather than the server was the limit."""
    print(f"CPU during each run, in cores of {load.cores}: server / wrk / rest of the machine "
          "(PostgreSQL, other processes)")
    for label, cpu in rows:
        print(f"  {label:{width}} {_fmt(cpu.server)} / {_fmt(cpu.wrk)} / {_fmt(cpu.rest)}")
    for label, cpu in rows:
        if label not in baselines:
            continue
        if cpu.rest is not None and cpu.rest > BUSY_ELSEWHERE:
            print(f"warning: other processes kept {cpu.rest:.2f} core(s) busy during "
                  f"'{label}': that ceiling, and every ratio to it, is understated")
        if cpu.wrk > 0.9 * load.threads:
            print(f"warning: wrk used {cpu.wrk:.2f} core(s) during '{label}': the load "
                  "generator, not the server, was the limit")


# ---- command-line options --------------------------------------------------------------------

def add_postgres_option(parser: argparse.ArgumentParser, fallback: str) -> None:
    parser.add_argument("--postgres",
                        default=os.environ.get("KAIGI_BENCH_POSTGRES_URL", fallback),
                        help="PostgreSQL URL (its public schema is dropped!); empty to skip "
                             f"(default: $KAIGI_BENCH_POSTGRES_URL, else {fallback!r})")


def add_pin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="let the OS place the servers and wrk instead of giving wrk "
                             "cores of its own")
