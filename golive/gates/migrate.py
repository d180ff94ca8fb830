"""Migrate gate: back up the database, `alembic upgrade head`, verify the revision is head.

Alembic runs as a subprocess (the target's env.py imports the target's code, not ours); golive
only reads the script folder in-process to know which revision is head.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import time
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from golive import runner
from golive.envfile import Redactor
from golive.errors import ToolError
from golive.results import Category, GateResult, failed, passed

GATE = "migrate"
RUNNING = re.compile(r"Running upgrade (\S*) -> ([^\s,]+)")


def head_revisions(alembic_ini: Path) -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(Config(str(alembic_ini))).get_heads())


def current_revision(url: str) -> str | None:
    """The revision stamped in the database, or None for an empty database."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not conn.dialect.has_table(conn, "alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def backup_sqlite(url: str, backup_dir: Path) -> Path | None:
    """A consistent copy through SQLite's backup API; None when there is nothing to back up yet."""
    db_path = Path(make_url(url).database or "")
    if not db_path.is_file():
        return None
    backup_dir.mkdir(parents=True, exist_ok=True)
    target = backup_dir / f"{db_path.stem}-{time.strftime('%Y%m%dT%H%M%S')}.db"
    with sqlite3.connect(db_path) as source, sqlite3.connect(target) as dest:
        source.backup(dest)
    return target


def migrate(
    alembic_ini: Path,
    url_env: str,
    url: str,
    backup_dir: Path,
    redact: Redactor,
    timeout: float = 300,
) -> GateResult:
    started = time.monotonic()

    def elapsed() -> float:
        return time.monotonic() - started

    heads = head_revisions(alembic_ini)
    try:
        before = current_revision(url)
    except SQLAlchemyError as exc:
        return failed(
            GATE,
            Category.DATABASE,
            f"database in {url_env} cannot be reached: "
            f"{type(exc).__name__}; check the server and the URL",
            duration_s=elapsed(),
        )
    backup = backup_sqlite(url, backup_dir) if url.startswith("sqlite") else None
    argv = [sys.executable, "-m", "alembic", "-c", str(alembic_ini), "upgrade", "head"]
    try:
        done = runner.run(
            argv, cwd=alembic_ini.parent, timeout=timeout, env=runner.child_env({url_env: url})
        )
    except ToolError as exc:
        return failed(GATE, Category.DATABASE, str(exc), duration_s=elapsed())
    data = {"before": before, "heads": list(heads), "backup": str(backup) if backup else None}
    evidence = [str(backup)] if backup else []
    if not done.ok:
        steps = RUNNING.findall(done.stderr + done.stdout)
        where = f"revision {steps[-1][1]}" if steps else "start-up"
        summary = f"alembic upgrade head failed at {where}: {redact(done.tail(1))}"
        return failed(
            GATE,
            Category.DATABASE,
            summary,
            data=data,
            evidence=evidence,
            details=[{"revision": s[1], "from": s[0] or "base"} for s in steps],
            duration_s=elapsed(),
        )
    after = current_revision(url)
    data["after"] = after
    applied = [
        {"revision": b, "from": a or "base"} for a, b in RUNNING.findall(done.stderr + done.stdout)
    ]
    if after not in heads:
        return failed(
            GATE,
            Category.DATABASE,
            f"database is at {after}, not head {', '.join(heads)}",
            data=data,
            details=applied,
            evidence=evidence,
            duration_s=elapsed(),
        )
    summary = (
        f"upgraded {before or 'empty database'} -> {after} ({len(applied)} revisions)"
        if applied
        else f"already at head {after}"
    )
    return passed(
        GATE,
        Category.DATABASE,
        summary,
        data=data,
        details=applied,
        evidence=evidence,
        duration_s=elapsed(),
    )
