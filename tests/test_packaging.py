"""kaigi as a package: its templates and static files found as installed, the layers apart.

The wheel itself is built, installed and served by .ci/wheel-smoke.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from api.static import PackageFiles
from events import resources


def test_templates_and_static_files_come_from_their_packages():
    templates, static = resources.directory("templates"), resources.directory("static")
    assert (templates / "base.html").is_file() and (templates / "email" / "layout.txt").is_file()
    assert (static / "kaigi.css").is_file() and (static / "vendor" / "jsQR.js").is_file()
    assert Path(sys.modules["kaigi_templates"].__file__).parent == templates
    assert Path(sys.modules["kaigi_static"].__file__).parent == static


def test_a_missing_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(resources.PACKAGES, "static", "kaigi_no_such_package")
    with pytest.raises(ModuleNotFoundError, match=r"pip install -e \."):
        resources.directory("static")


async def test_static_serves_files_but_not_the_python_that_makes_the_package(tmp_path):
    (tmp_path / "__init__.py").write_text('"""static"""\n')
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "x.js").write_text("1;\n")
    app = Starlette(routes=[Mount("/", PackageFiles(directory=tmp_path))])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        assert (await c.get("/vendor/x.js")).status_code == 200
        for path in ("/__init__.py", "/__pycache__/__init__.cpython-311.pyc"):
            assert (await c.get(path)).status_code == 404, path


async def test_the_app_serves_the_installed_static_files(client):
    assert (await client.get("/static/kaigi.css")).status_code == 200
    assert (await client.get("/static/__init__.py")).status_code == 404


def test_the_domain_imports_neither_the_web_layer_nor_starlette():
    code = (
        "import importlib, pkgutil, sys, events\n"
        "for m in pkgutil.walk_packages(events.__path__, 'events.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'api', 'starlette', 'uvicorn'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
