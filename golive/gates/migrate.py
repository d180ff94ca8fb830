"""Migrate gate: back up the database, `alembic upgrade head`, verify the revision is head.

Alembic runs as a subprocess (the target's env.py imports the target's code, not ours); golive
only reads the script folder in-process to know which revision is head. The SQL an upgrade
would run (alembic's offline mode) is kept as evidence, and `plan_sql` shows it without
touching the database. `revert` puts the database back at the revision it had before.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from golive import runner
from golive.backup import Backup, backup, restore
from golive.envfile import Redactor
from golive.errors import GoliveError
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


def alembic(
    alembic_ini: Path, url_env: str, url: str, *args: str, timeout: float
) -> runner.Completed:
    argv = [sys.executable, "-m", "alembic", "-c", str(alembic_ini), *args]
    return runner.run(
        argv, cwd=alembic_ini.parent, timeout=timeout, env=runner.child_env({url_env: url})
    )


def plan_sql(alembic_ini: Path, url_env: str, url: str, timeout: float = 120) -> str:
    """The SQL `upgrade head` would run from the database's current revision ('' when at head).

    Reads the current revision; changes nothing.
    """
    current = current_revision(url)
    if current in head_revisions(alembic_ini):
        return ""
    span = f"{current}:head" if current else "head"
    done = alembic(alembic_ini, url_env, url, "upgrade", span, "--sql", timeout=timeout)
    if not done.ok:
        raise GoliveError(f"alembic could not render the upgrade SQL: {done.tail(1)}")
    return done.stdout


def planned_sql(alembic_ini: Path, url_env: str, url: str, redact: Redactor, timeout: float) -> str:
    """The SQL evidence. Offline mode runs each revision's code too, so a revision that raises
    fails here first; the upgrade itself then says which one, so this only notes it."""
    try:
        return plan_sql(alembic_ini, url_env, url, timeout)
    except GoliveError as exc:
        return f"-- {redact(str(exc))}\n"


def migrate(
    alembic_ini: Path,
    url_env: str,
    url: str,
    backup_dir: Path,
    evidence_dir: Path,
    redact: Redactor,
    timeout: float = 300,
) -> GateResult:
    """Upgrade to head, after a backup into backup_dir; the planned SQL goes to evidence_dir."""
    started = time.monotonic()

    def done_in() -> float:
        return time.monotonic() - started

    heads = head_revisions(alembic_ini)
    try:
        before = current_revision(url)
        sql = planned_sql(alembic_ini, url_env, url, redact, timeout)
        saved = backup(url, backup_dir, timeout)
    except SQLAlchemyError as exc:
        return failed(
            GATE,
            Category.DATABASE,
            f"database in {url_env} cannot be reached: "
            f"{type(exc).__name__}; check the server and the URL",
            duration_s=done_in(),
        )
    except GoliveError as exc:
        return failed(GATE, Category.DATABASE, redact(str(exc)), duration_s=done_in())
    sql_path = evidence_dir / "upgrade.sql"
    sql_path.parent.mkdir(parents=True, exist_ok=True)
    sql_path.write_text(sql)
    data: dict[str, Any] = {
        "before": before,
        "heads": list(heads),
        "backup": saved.as_dict() if saved else None,
    }
    evidence = [str(sql_path)] + ([str(saved.path)] if saved else [])
    try:
        done = alembic(alembic_ini, url_env, url, "upgrade", "head", timeout=timeout)
    except GoliveError as exc:
        return failed(GATE, Category.DATABASE, str(exc), data=data, duration_s=done_in())
    steps = [
        {"revision": b, "from": a or "base"} for a, b in RUNNING.findall(done.stderr + done.stdout)
    ]
    if not done.ok:
        where = f"revision {steps[-1]['revision']}" if steps else "start-up"
        data["after"] = current_revision(url)
        return failed(
            GATE,
            Category.DATABASE,
            f"alembic upgrade head failed at {where}: {redact(done.tail(1))}; "
            f"the database is at {data['after'] or 'an empty schema'}",
            data=data,
            evidence=evidence,
            details=steps,
            duration_s=done_in(),
        )
    after = current_revision(url)
    data["after"] = after
    if after not in heads:
        return failed(
            GATE,
            Category.DATABASE,
            f"database is at {after}, not head {', '.join(heads)}",
            data=data,
            details=steps,
            evidence=evidence,
            duration_s=done_in(),
        )
    summary = (
        f"upgraded {before or 'empty database'} -> {after} ({len(steps)} revisions)"
        if steps
        else f"already at head {after}"
    )
    return passed(
        GATE,
        Category.DATABASE,
        summary,
        data=data,
        details=steps,
        evidence=evidence,
        duration_s=done_in(),
    )


def revert(
    alembic_ini: Path,
    url_env: str,
    url: str,
    before: str | None,
    saved: Backup | None,
    redact: Redactor,
    timeout: float = 300,
) -> str:
    """Put the database back at `before`: downgrade, or restore the backup where that fails.

    Returns one line for the report.
    """
    target = before or "base"
    done = alembic(alembic_ini, url_env, url, "downgrade", target, timeout=timeout)
    if done.ok and current_revision(url) == before:
        return f"database: downgraded to {target}"
    why = redact(done.tail(1)) or "revision not reached"
    if saved is None:
        return f"database: downgrade to {target} FAILED ({why}) and there is no backup to restore"
    try:
        restore(url, saved, timeout)
    except GoliveError as exc:
        return f"database: downgrade FAILED ({why}); restore FAILED too: {redact(str(exc))}"
    return f"database: downgrade to {target} failed ({why}); restored the backup {saved.path.name}"
