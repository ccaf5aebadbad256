"""/static/: the files of the `kaigi_static` package, but not the Python that makes it one."""

from __future__ import annotations

import os
from pathlib import PurePath

from starlette.staticfiles import StaticFiles

from events import resources


class PackageFiles(StaticFiles):
    """Static files from a package directory: its __init__.py and bytecode are not served."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        parts = PurePath(path).parts
        if "__pycache__" in parts or path.endswith((".py", ".pyc")):
            return "", None
        return super().lookup_path(path)


def files() -> StaticFiles:
    return PackageFiles(directory=resources.directory("static"))
