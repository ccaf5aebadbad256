"""The directories of kaigi's templates and static files, however kaigi is installed.

`templates/` and `static/` at the top of the repository install as the packages
`kaigi_templates` and `kaigi_static` (pyproject.toml, [tool.setuptools.package-dir]): a
wheel carries them into site-packages, an editable install maps them to the checkout.
Pages, mail and /static/ all find them here, through importlib.resources. It lives in the
domain so that mail can read its templates without importing the web layer.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

PACKAGES = {"templates": "kaigi_templates", "static": "kaigi_static"}


def directory(name: Literal["templates", "static"]) -> Path:
    """The installed `templates/` or `static/` directory."""
    package = PACKAGES[name]
    try:
        root = files(package)
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"No module named {package!r} (the repository's {name}/): install kaigi, or "
            "reinstall it (`pip install -e .`) after a change to pyproject.toml",
            name=package) from exc
    if not isinstance(root, Path):  # a zipped install: Jinja and StaticFiles need files
        raise RuntimeError(f"{package} is not a directory on disk ({root!r})")
    return root
