"""Database backups before a migration, and restoring them: pg_dump / pg_restore for
PostgreSQL, SQLite's backup API for SQLite.

Credentials reach pg_dump and pg_restore through libpq's environment variables, never argv,
so they do not show in a process list or in a failed command's message.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from golive import runner
from golive.errors import BackupError
from golive.files import private_dir, private_file, write_private


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    sha256: str
    kind: str  # "pg_dump" or "sqlite"

    def as_dict(self) -> dict[str, str | int]:
        return {"path": str(self.path), "size": self.size, "sha256": self.sha256, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: dict[str, str | int]) -> Backup:
        return cls(
            Path(str(data["path"])), int(data["size"]), str(data["sha256"]), str(data["kind"])
        )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _described(path: Path, kind: str) -> Backup:
    return Backup(path, path.stat().st_size, sha256_of(path), kind)


def libpq_env(url: URL) -> dict[str, str]:
    parts = {
        "PGHOST": url.host or "",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "",
        "PGPASSWORD": url.password or "",
        "PGDATABASE": url.database or "",
    }
    # The operator's libpq settings (PGSSLMODE, PGPASSFILE, …), then the URL's parts over them.
    settings = [key for key in os.environ if key.startswith("PG")]
    return runner.child_env({k: v for k, v in parts.items() if v}, pass_env=settings)


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def backup(url: str, dest_dir: Path, timeout: float = 600) -> Backup | None:
    """Back up the database at url into dest_dir; None when there is nothing to back up yet."""
    parsed = make_url(url)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    private_dir(dest_dir)
    if parsed.get_backend_name() == "sqlite":
        source = Path(parsed.database or "")
        if not source.is_file():
            return None
        target = private_file(dest_dir / f"{source.stem}-{stamp}.db")
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dest:
            src.backup(dest)
        return _described(target, "sqlite")
    if parsed.get_backend_name() == "postgresql":
        target = private_file(dest_dir / f"{parsed.database}-{stamp}.dump")  # pg_dump keeps 0600
        done = runner.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={target}"],
            env=libpq_env(parsed),
            timeout=timeout,
        )
        if not done.ok:
            raise BackupError(f"pg_dump of database {parsed.database!r} failed: {done.tail(1)}")
        return _described(target, "pg_dump")
    raise BackupError(
        f"no backup method for {parsed.get_backend_name()} databases; "
        "golive backs up PostgreSQL and SQLite"
    )


def restore(url: str, saved: Backup, timeout: float = 600) -> None:
    """Put the database back as it was in the backup, after checking the file is intact."""
    if not saved.path.is_file():
        raise BackupError(f"backup {saved.path} is missing")
    if sha256_of(saved.path) != saved.sha256:
        raise BackupError(
            f"backup {saved.path} does not match its recorded checksum; not restoring"
        )
    parsed = make_url(url)
    if saved.kind == "sqlite":
        with sqlite3.connect(saved.path) as src, sqlite3.connect(parsed.database or "") as dest:
            src.backup(dest)
        return
    # Exactly as it was, or not at all: recreate the public schema (dropping what later revisions
    # added, which `pg_restore --clean` would leave) and replay the dump, in one transaction.
    script = saved.path.with_suffix(".restore.sql")
    prelude = saved.path.with_suffix(".prelude.sql")
    write_private(prelude, "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
    try:
        done = runner.run(
            ["pg_restore", "--no-owner", f"--file={script}", str(saved.path)], timeout=timeout
        )
        if done.ok:
            done = runner.run(
                [
                    "psql",
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "--single-transaction",
                    "-f",
                    str(prelude),
                    "-f",
                    str(script),
                ],
                env=libpq_env(parsed),
                timeout=timeout,
            )
    finally:
        script.unlink(missing_ok=True)
        prelude.unlink(missing_ok=True)
    if not done.ok:
        raise BackupError(
            f"restore into {parsed.database!r} failed, nothing changed: {done.tail(1)}"
        )
