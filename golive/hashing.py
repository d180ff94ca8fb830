"""Content hashes for cache keys: the same bytes give the same key, on any machine."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

# Generated or machine-local files that never change what a build or a test run means.
IGNORED_PARTS = {
    "__pycache__",
    ".pytest_cache",
    ".golive-reports",
    ".golive",
    ".mypy_cache",
    ".venv",
    "venv",
    ".git",
    # Env files: golive hands a service its configuration itself; a copy inside a release
    # would put production secrets into the shared release store.
    ".env",
}
IGNORED_SUFFIXES = {".pyc", ".db", ".sqlite", ".log", ".env"}


def _files(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if (
            path.is_file()
            and not IGNORED_PARTS.intersection(rel.parts)
            and path.suffix not in IGNORED_SUFFIXES
        ):
            yield path


def tree_digest(*roots: Path, extra: Iterable[str] = ()) -> str:
    """sha256 over the relative paths and bytes of every file under roots, plus extra strings."""
    digest = hashlib.sha256()
    for root in roots:
        digest.update(f"root:{root.name}\0".encode())
        for path in _files(root):
            rel = path.relative_to(root) if root.is_dir() else Path(path.name)
            digest.update(f"{rel.as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for item in extra:
        digest.update(f"extra:{item}\0".encode())
    return digest.hexdigest()
