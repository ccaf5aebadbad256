"""Local state (the SQLite file, the dev secret, the mail outbox) is readable by kaigi alone.

Modes are set explicitly after creation, so a permissive umask cannot widen them.
"""

from __future__ import annotations

import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and any missing parent) as 0700; an existing directory is left as is."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIRECTORY_MODE)
        except FileExistsError:  # another process made it first
            continue
        os.chmod(directory, DIRECTORY_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create an empty `path` as 0600 unless it exists (e.g. before SQLite opens it: its
    journal and WAL files take the database file's mode)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return path
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` as 0600, atomically: readers see the old file or the new one."""
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb", closefd=False) as f:
            f.write(data)
    finally:
        os.close(fd)
    os.replace(temporary, path)
