"""The README's commands work as written, against a demo, the way a newcomer types them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.databases import ROOT, kaigi

pytestmark = pytest.mark.slow

README = (ROOT / "README.md").read_text()
# Blocks a test cannot run as such: the two set-up commands (CI runs them) and the suite.
NOT_HERE = ("pip install", "pytest")


def shell_blocks() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    return [b for b in blocks if not any(word in b for word in NOT_HERE)]


def clean_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAIGI_")}
    bin_dir = str(Path(sys.executable).parent)
    return {**env, "PATH": f"{bin_dir}:{env.get('PATH', '')}", "PYTHONPATH": str(ROOT),
            "KAIGI_VAR_DIR": str(var_dir)}


def command() -> list[str]:
    script = Path(sys.executable).with_name("kaigi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_the_readme_lists_its_shell_examples():
    blocks = shell_blocks()
    assert any("curl" in b for b in blocks) and any("kaigi users create" in b for b in blocks)


def test_demo_stopped_with_sigterm_stops_its_mail_worker(tmp_path):
    port = free_port()
    demo = subprocess.Popen([*command(), "demo", "--port", str(port)], cwd=tmp_path,
                            env=clean_env(tmp_path / "var"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", demo)
        [worker] = children(demo.pid)
        assert alive(worker)
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
        deadline = time.monotonic() + 20
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker), "the demo's mail worker outlived it"
    finally:
        demo.kill()
        demo.wait()


def test_readme_commands_work_against_the_demo(tmp_path):
    var_dir = tmp_path / "var"
    env = {"KAIGI_VAR_DIR": str(var_dir)}
    loaded = kaigi("demo", "--no-serve", env=env, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    [key] = re.findall(r"admin API key \(shown once\): (\S+)", loaded.stdout)

    # The commands the README names, typed where the demo ran, with nothing else set.
    for args in (["keys", "create", "--role", "checkin", "--event", "interop-tokyo-2021",
                  "--name", "door 1"],
                 ["keys", "list"], ["worker", "--once"], ["users", "list"], ["migrate"]):
        done = kaigi(*args, env=env, cwd=tmp_path)
        assert done.returncode == 0, (args, done.stderr)

    port = free_port()
    server = subprocess.Popen([*command(), "serve", "--port", str(port)], cwd=tmp_path,
                              env=clean_env(var_dir), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", server)
        for block in shell_blocks():
            script = block.replace("KEY=…", f"KEY={key}").replace("localhost:8000",
                                                                  f"localhost:{port}")
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path,
                                  env=clean_env(var_dir), capture_output=True, text=True,
                                  timeout=120, check=False)
            assert done.returncode == 0, (block, done.stdout, done.stderr)
            assert '"status":4' not in done.stdout.replace(" ", ""), (block, done.stdout)
        event = httpx.get(f"http://127.0.0.1:{port}/api/v1/events/ipv6-summit").json()
        assert event["registrations"]["venue"]["confirmed"] == 1
    finally:
        server.terminate()
        server.wait(timeout=30)

    # The worker of the README delivers the confirmation into ./var/outbox/.
    delivered = kaigi("worker", "--once", env=env, cwd=tmp_path)
    assert delivered.returncode == 0, delivered.stderr
    assert list((var_dir / "outbox").glob("*.eml"))
