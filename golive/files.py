"""Writing what may hold data so that only its owner can read it: files 0600, folders 0700.

Everything golive writes under `GOLIVE_HOME` goes through these helpers: the ledger, reports,
evidence (service logs copied as it is kept), database backups, logs, run state. Folders they
create are 0700; a folder that already exists is tightened only by `private_dir`. Children golive
starts create their files the same way (`golive.runner` runs them under `CHILD_UMASK`), so what
a service, pg_dump or locust writes is private too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700
CHILD_UMASK = 0o077  # what a child golive starts creates is its owner's only


def _make_dirs(path: Path) -> None:
    """Create `path` and its missing parents, each 0700; folders that exist are left alone."""
    missing: list[Path] = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=DIR_MODE)
        os.chmod(folder, DIR_MODE)  # mkdir's mode goes through the umask


def private_dir(path: Path) -> Path:
    """`path` as a folder of golive's own, 0700: created with its missing parents, or tightened
    if it exists (only for folders golive owns: never one a user or the system chose)."""
    _make_dirs(path)
    os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """`path` as an existing 0600 file (created empty if missing), for another program to fill:
    a database backup, SQLite's target, the ledger. Missing folders are created 0700."""
    _make_dirs(path.parent)
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT, FILE_MODE))
    if stat.S_IMODE(path.stat().st_mode) != FILE_MODE:  # made before, by an older golive
        os.chmod(path, FILE_MODE)
    return path


def write_private(path: Path, data: str | bytes) -> Path:
    """Replace `path` with `data` atomically (a temporary file renamed over it), mode 0600.

    Missing folders are created 0700; existing ones are left as they are (the path may be one
    the user chose, such as `--report-json`).
    """
    _make_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


@contextlib.contextmanager
def append_private(path: Path) -> Iterator[IO[bytes]]:
    """`path` opened for appending bytes, 0600, missing folders created 0700 (a log file)."""
    _make_dirs(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    with os.fdopen(fd, "ab") as handle:
        yield handle


def copy_private(src: Path, dest: Path, redact: Callable[[str], str] | None = None) -> Path:
    """Copy a file to `dest`, 0600; with `redact`, its text goes through it on the way."""
    if redact is None:
        shutil.copyfile(src, private_file(dest))  # an existing file keeps its mode
        return dest
    return write_private(dest, redact(src.read_text(encoding="utf-8", errors="replace")))


def copy_tree_private(src: Path, dest: Path, redact: Callable[[str], str] | None = None) -> None:
    """Copy a folder's files (as `copy_private` does) into `dest`, folders 0700."""
    for path in sorted(src.rglob("*")):
        if path.is_file():
            copy_private(path, dest / path.relative_to(src), redact)


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Held by one process at a time (a private lock file, flock'd): released when the file is
    closed, so even when its holder crashes."""
    handle = os.open(private_file(path), os.O_RDWR)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)
