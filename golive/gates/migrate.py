"""Migrate gate: back up the database, upgrade it to head, verify the revision is head.

`migrate_with` and `revert_with` work through golive.migrations' interface (alembic or the
target's own commands); the alembic code they wrap for alembic lives here.

Alembic runs as a subprocess (the target's env.py imports the target's code, not ours); golive
only reads the script folder in-process to know which revision is head. The SQL an upgrade
would run (alembic's offline mode) is kept as evidence, and `plan_sql` shows it without
touching the database. `revert` puts the database back at the revision it had before.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, text

from golive import runner
from golive.backup import Backup, backup, restore
from golive.envfile import Redactor
from golive.errors import GoliveError, ToolError
from golive.files import write_private
from golive.gates.outputs import MigrateOutput
from golive.results import GateResult, failed, passed

if TYPE_CHECKING:  # golive.migrations wraps this module: no import cycle at run time
    from golive.migrations.interface import Migrations, Upgrade

GATE = "migrate"
RUNNING = re.compile(r"Running upgrade (\S*) -> ([^\s,]+)")


def head_revisions(alembic_ini: Path) -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(Config(str(alembic_ini))).get_heads())


def current_revision(url: str) -> str | None:
    """The revision stamped in the database, or None for an empty database (a SQLite file that
    does not exist yet is not created here: alembic creates it, private)."""
    parsed = make_url(url)
    sqlite_file = parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    )
    if sqlite_file and not Path(str(parsed.database)).exists():
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not conn.dialect.has_table(conn, "alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def alembic(
    alembic_ini: Path,
    url_env: str,
    url: str,
    *args: str,
    timeout: float,
    pass_env: Sequence[str] = (),
) -> runner.Completed:
    """alembic, in the target's environment: the database URL and the manifest's pass_env."""
    argv = [sys.executable, "-m", "alembic", "-c", str(alembic_ini), *args]
    env = runner.target_env(pass_env, {url_env: url})
    return runner.run(argv, cwd=alembic_ini.parent, timeout=timeout, env=env)


def plan_sql(
    alembic_ini: Path, url_env: str, url: str, timeout: float = 120, pass_env: Sequence[str] = ()
) -> str:
    """The SQL `upgrade head` would run from the database's current revision ('' when at head).

    Reads the current revision; changes nothing.
    """
    current = current_revision(url)
    if current in head_revisions(alembic_ini):
        return ""
    span = f"{current}:head" if current else "head"
    done = alembic(
        alembic_ini, url_env, url, "upgrade", span, "--sql", timeout=timeout, pass_env=pass_env
    )
    if not done.ok:
        raise ToolError(f"alembic could not render the upgrade SQL: {done.tail(1)}")
    return done.stdout


def _prepare(
    tool: Migrations, url: str, backup_dir: Path, redact: Redactor, timeout: float
) -> tuple[MigrateOutput, str]:
    """Before anything changes: the current version, the SQL the upgrade will run (alembic
    only), a backup. Raises GoliveError (redacted) when the database cannot be read or backed up.
    """
    try:
        before = tool.current(url)
        heads = tool.heads(url)
        try:
            sql = tool.plan_sql(url)
        except GoliveError as exc:  # the upgrade itself then says which revision fails
            sql = f"-- {redact(str(exc))}\n"
        saved = backup(url, backup_dir, timeout)
    except GoliveError as exc:
        raise GoliveError(redact(str(exc))) from None
    if sql is None:
        sql = f"-- no SQL preview: {tool.name} is not alembic\n"
    return MigrateOutput(before=before, heads=heads, backup=saved), sql


def _judge(
    tool: Migrations, upgraded: Upgrade, url: str, output: MigrateOutput, redact: Redactor
) -> GateResult:
    """The upgrade's outcome: the revisions it ran, and whether the database is at head."""
    done, steps = upgraded.done, list(upgraded.steps)
    try:
        after = tool.current(url)
    except GoliveError as exc:
        return failed(GATE, redact(str(exc)), output=output, details=steps)
    output = output.model_copy(update={"after": after, "upgrade_failed": not done.ok})
    kw: dict[str, Any] = {"output": output, "details": steps}
    if not done.ok:
        where = f" at revision {steps[-1]['revision']}" if steps else ""
        summary = (
            f"{tool.name} failed{where} (exit {done.returncode}): {redact(upgraded.problem)}; "
            f"the database is at {after or 'an empty schema'}"
        )
        return failed(GATE, summary, **kw)
    if output.heads and after not in output.heads:
        return failed(GATE, f"database is at {after}, not head {', '.join(output.heads)}", **kw)
    if after is None:
        return failed(GATE, f"{tool.name} succeeded but no version is applied", **kw)
    if after == output.before:
        return passed(GATE, f"already at head {after}", **kw)
    many = f" ({len(steps)} revisions)" if steps else ""
    summary = f"upgraded {output.before or 'empty database'} -> {after}{many}"
    return passed(GATE, summary, **kw)


def migrate_with(
    tool: Migrations,
    url: str,
    backup_dir: Path,
    evidence_dir: Path,
    redact: Redactor,
    timeout: float = 300,
) -> GateResult:
    """Upgrade to head with `tool`, after a backup into backup_dir; the planned SQL (alembic)
    goes to evidence_dir."""
    started = time.monotonic()
    try:
        output, sql = _prepare(tool, url, backup_dir, redact, timeout)
    except GoliveError as exc:
        return failed(GATE, str(exc), duration_s=time.monotonic() - started)
    sql_path = write_private(evidence_dir / "upgrade.sql", redact(sql))
    evidence = [str(sql_path)] + ([str(output.backup.path)] if output.backup else [])
    try:
        upgraded = tool.upgrade(url)
    except GoliveError as exc:
        return failed(GATE, redact(str(exc)), output=output, duration_s=time.monotonic() - started)
    result = _judge(tool, upgraded, url, output, redact)
    return replace(result, evidence=evidence, duration_s=time.monotonic() - started)


def revert_with(
    tool: Migrations,
    url: str,
    before: str | None,
    saved: Backup | None,
    redact: Redactor,
    timeout: float = 300,
    partial: bool = False,
) -> str:
    """Put the database back at `before`: downgrade, or restore the backup where the tool has
    no way down or it fails. `partial`: the upgrade failed part-way, and a downgrade undoes only
    whole versions, not what a failed step outside a transaction left: the backup goes back
    (a downgrade only when there is none). Returns one line for the report."""
    target = before or "base"
    if partial and saved is not None:
        return _restore(url, saved, "the upgrade failed part-way", redact, timeout)
    try:
        done = tool.downgrade(url, before)
        reached = done is not None and done.ok and tool.current(url) == before
        why = "no downgrade command" if done is None else redact(done.tail(1))
    except GoliveError as exc:
        reached, why = False, redact(str(exc))
    if reached:
        return f"database: downgraded to {target}"
    why = f"downgrade to {target} failed ({why or 'revision not reached'})"
    if saved is None:
        return f"database: {why} and there is no backup to restore: FAILED"
    return _restore(url, saved, why, redact, timeout)


def _restore(url: str, saved: Backup, why: str, redact: Redactor, timeout: float) -> str:
    try:
        restore(url, saved, timeout)
    except GoliveError as exc:
        return f"database: {why}; restore FAILED too: {redact(str(exc))}"
    return f"database: {why}; restored the backup {saved.path.name}"


def _alembic_tool(
    alembic_ini: Path, url_env: str, timeout: float, pass_env: Sequence[str]
) -> Migrations:
    # Imported here: golive.migrations.alembic wraps this module's alembic code.
    from golive.migrations.alembic import AlembicMigrations

    return AlembicMigrations(alembic_ini, url_env, timeout, pass_env)


def migrate(
    alembic_ini: Path,
    url_env: str,
    url: str,
    backup_dir: Path,
    evidence_dir: Path,
    redact: Redactor,
    timeout: float = 300,
    pass_env: Sequence[str] = (),
) -> GateResult:
    """`migrate_with` alembic."""
    tool = _alembic_tool(alembic_ini, url_env, timeout, pass_env)
    return migrate_with(tool, url, backup_dir, evidence_dir, redact, timeout)


def revert(
    alembic_ini: Path,
    url_env: str,
    url: str,
    before: str | None,
    saved: Backup | None,
    redact: Redactor,
    timeout: float = 300,
    pass_env: Sequence[str] = (),
) -> str:
    """`revert_with` alembic."""
    tool = _alembic_tool(alembic_ini, url_env, timeout, pass_env)
    return revert_with(tool, url, before, saved, redact, timeout)
