"""Migrate gate: back up the database, upgrade it to head, verify the revision is head.

`migrate_with` and `revert_with` work through golive.migrations' interface (alembic or the
target's own commands), and run the manifest's seed after the upgrade; the alembic code they
wrap for alembic lives here.

Alembic runs as a subprocess with the target's interpreter (`Manifest.python`; its env.py and
revision files import the target's code, which golive's own environment need not have), in the
alembic.ini's folder: alembic resolves a relative `script_location` against its working folder,
so a relative one is relative to the ini's folder, as when the target's developers run it. The
revision that is head comes from `alembic heads` the same way. The SQL an upgrade
would run (alembic's offline mode) is kept as evidence, and `plan_sql` shows it without
touching the database. `revert_with` puts the database back at the revision it had before.
"""

from __future__ import annotations

import re
import shlex
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from golive import runner
from golive.backup import Backup, backup, restore
from golive.envfile import Redactor
from golive.errors import GoliveError, OperationFailed, ToolError
from golive.files import write_private
from golive.gates.outputs import MigrateOutput
from golive.results import GateResult, Status, failed, passed

if TYPE_CHECKING:  # golive.migrations wraps this module: no import cycle at run time
    from golive.migrations.interface import Migrations, Upgrade

GATE = "migrate"
RUNNING = re.compile(r"Running upgrade (\S*) -> ([^\s,]+)")
HEAD_LINE = re.compile(r"^(\w+)\b.*\(head\)", re.MULTILINE)


def head_revisions(
    alembic_ini: Path, timeout: float = 120, python: Path | None = None
) -> tuple[str, ...]:
    """The script folder's head revisions, as the target's alembic reads them (`alembic heads`
    imports every revision file, and those may import the target's own packages)."""
    done = alembic(alembic_ini, {}, "heads", timeout=timeout, python=python)
    if not done.ok:
        raise ToolError(f"alembic could not read the migrations' heads: {done.tail(1)}")
    return tuple(HEAD_LINE.findall(done.stdout))


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
    env: Mapping[str, str],
    *args: str,
    timeout: float,
    pass_env: Sequence[str] = (),
    python: Path | None = None,
) -> runner.Completed:
    """alembic, in the target's environment: its interpreter (`python`, default golive's), the
    whole env of the database it works on (the production env file's values, or a rehearsal's
    or a disposable database's: the target's env.py may build its URL from several keys) and
    the manifest's pass_env; in the ini's folder."""
    python = python or Path(sys.executable)
    argv = [str(python), "-m", "alembic", "-c", str(alembic_ini), *args]
    child = runner.target_env(pass_env, dict(env), python=python)
    done = runner.run(argv, cwd=alembic_ini.parent, timeout=timeout, env=child)
    if runner.missing_module(done, "alembic"):
        raise ToolError(
            f"the target's interpreter {python} has no alembic; install alembic in the target's"
            " environment (its migrations run with the target's own interpreter: target.python)"
        )
    return done


def seed(
    command: str,
    alembic_ini: Path,
    env: Mapping[str, str],
    timeout: float,
    pass_env: Sequence[str] = (),
    python: Path | None = None,
) -> runner.Completed:
    """The target's seed (`[database] seed`), where and as alembic runs: in the alembic
    config's folder, with the same env and interpreter."""
    child = runner.target_env(pass_env, dict(env), python=python)
    return runner.run(shlex.split(command), cwd=alembic_ini.parent, timeout=timeout, env=child)


def plan_sql(
    alembic_ini: Path,
    env: Mapping[str, str],
    url: str,
    timeout: float = 120,
    pass_env: Sequence[str] = (),
    *,
    python: Path | None = None,
    heads: Sequence[str] | None = None,
) -> str:
    """The SQL `upgrade head` would run from the database's current revision ('' when at head).
    `heads`: the head revisions when already read (each `alembic heads` is a process of the
    target's interpreter, about a second); `()` renders from the current revision whatever the
    heads are (for a caller reading them side by side).

    Reads the current revision; changes nothing. OperationFailed (never quoting the URL) when
    the database cannot be read.
    """
    try:
        current = current_revision(url)
    except SQLAlchemyError as exc:
        raise OperationFailed(
            f"the database cannot be reached: {type(exc).__name__}; check the server and the URL"
        ) from None
    if heads is None:
        heads = head_revisions(alembic_ini, timeout, python)
    if current in heads:
        return ""
    span = f"{current}:head" if current else "head"
    done = alembic(
        alembic_ini,
        env,
        "upgrade",
        span,
        "--sql",
        timeout=timeout,
        pass_env=pass_env,
        python=python,
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
        # Side by side, all three read-only: reading the heads and rendering the SQL are each a
        # process of the target's interpreter (about a second), and the backup is pg_dump's.
        with ThreadPoolExecutor(max_workers=2) as pool:
            heads_read = pool.submit(tool.heads, url)
            backed_up = pool.submit(backup, url, backup_dir, timeout)
            try:
                sql = tool.plan_sql(url, ())  # from the current version, the heads unknown yet
            except GoliveError as exc:  # the upgrade itself then says which revision fails
                sql = f"-- {redact(str(exc))}\n"
            heads, saved = heads_read.result(), backed_up.result()
    except GoliveError as exc:
        raise GoliveError(redact(str(exc))) from None
    if sql is None:
        sql = f"-- no SQL preview: {tool.name} is not alembic\n"
    elif before in heads:
        sql = ""  # at head already: an upgrade runs nothing
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
    seed_command: str | None = None,
    backed_up: Callable[[MigrateOutput], None] | None = None,
) -> GateResult:
    """Upgrade to head with `tool`, after a backup into backup_dir; the planned SQL (alembic)
    goes to evidence_dir. Then the seed, if the manifest has one. `backed_up` is told of the
    backup before anything changes (so a recovery finds it should golive die meanwhile)."""
    started = time.monotonic()
    try:
        output, sql = _prepare(tool, url, backup_dir, redact, timeout)
    except GoliveError as exc:
        return failed(GATE, str(exc), duration_s=time.monotonic() - started)
    if backed_up is not None:
        backed_up(output)
    sql_path = write_private(evidence_dir / "upgrade.sql", redact(sql))
    evidence = [str(sql_path)] + ([str(output.backup.path)] if output.backup else [])
    try:
        upgraded = tool.upgrade(url)
    except GoliveError as exc:
        return failed(GATE, redact(str(exc)), output=output, duration_s=time.monotonic() - started)
    result = _judge(tool, upgraded, url, output, redact)
    if result.status is Status.PASSED and seed_command:
        result = _seeded(result, tool, seed_command, redact)
    return replace(result, evidence=evidence, duration_s=time.monotonic() - started)


def _seeded(upgraded: GateResult, tool: Migrations, command: str, redact: Redactor) -> GateResult:
    """The upgrade's result with the seed run after it: a failing seed fails the gate, and its
    output says so (`seeded=False`), so the undo restores the backup taken before."""
    assert isinstance(upgraded.output, MigrateOutput)
    try:
        done = tool.seed(command)
        why = "" if done.ok else f"exit {done.returncode}: {redact(done.tail(1))}"
    except GoliveError as exc:  # not found, timed out
        why = redact(str(exc))
    output = upgraded.output.model_copy(update={"seeded": not why})
    if why:
        summary = f"{upgraded.summary}; then the seed failed ({why})"
        return failed(GATE, summary, output=output, details=upgraded.details)
    return replace(upgraded, summary=f"{upgraded.summary}; seed ran", output=output)


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
    no way down or it fails. `partial`: the upgrade or the seed stopped part-way (failed, or
    golive died during it), and a downgrade undoes only whole versions, not what a step outside
    a transaction or a seed's rows left: the backup goes back
    (a downgrade only when there is none). Returns one line for the report."""
    target = before or "base"
    if partial and saved is not None:
        return _restore(url, saved, "the upgrade or the seed stopped part-way", redact, timeout)
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
    alembic_ini: Path,
    env: Mapping[str, str],
    timeout: float,
    pass_env: Sequence[str],
    python: Path | None,
) -> Migrations:
    # Imported here: golive.migrations.alembic wraps this module's alembic code.
    from golive.migrations.alembic import AlembicMigrations

    return AlembicMigrations(alembic_ini, dict(env), timeout, pass_env, python)


def migrate(
    alembic_ini: Path,
    env: Mapping[str, str],
    url: str,
    backup_dir: Path,
    evidence_dir: Path,
    redact: Redactor,
    timeout: float = 300,
    pass_env: Sequence[str] = (),
    seed_command: str | None = None,
    python: Path | None = None,
) -> GateResult:
    """`migrate_with` alembic. env: the database's whole env (see `alembic`)."""
    tool = _alembic_tool(alembic_ini, env, timeout, pass_env, python)
    return migrate_with(tool, url, backup_dir, evidence_dir, redact, timeout, seed_command)


def revert(
    alembic_ini: Path,
    env: Mapping[str, str],
    url: str,
    before: str | None,
    saved: Backup | None,
    redact: Redactor,
    timeout: float = 300,
    pass_env: Sequence[str] = (),
    restore_first: bool = False,
    python: Path | None = None,
) -> str:
    """`revert_with` alembic; restore_first (a failed seed wrote rows no downgrade removes):
    the backup, if there is one."""
    tool = _alembic_tool(alembic_ini, env, timeout, pass_env, python)
    return revert_with(tool, url, before, saved, redact, timeout, partial=restore_first)
