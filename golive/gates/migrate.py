"""Migrate gate: back up the database, `alembic upgrade head`, verify the revision is head.

Alembic runs as a subprocess with the target's interpreter (`Manifest.python`; its env.py and
revision files import the target's code, which golive's own environment need not have), in the
alembic.ini's folder: alembic resolves a relative `script_location` against its working folder,
so a relative one is relative to the ini's folder, as when the target's developers run it. The
revision that is head comes from `alembic heads` the same way. The SQL an upgrade
would run (alembic's offline mode) is kept as evidence, and `plan_sql` shows it without
touching the database. `revert` puts the database back at the revision it had before.
"""

from __future__ import annotations

import re
import shlex
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from golive import runner
from golive.backup import Backup, backup, restore
from golive.envfile import Redactor
from golive.errors import GoliveError, OperationFailed, ToolError
from golive.files import write_private
from golive.gates.outputs import MigrateOutput
from golive.results import GateResult, Status, failed, passed

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
) -> str:
    """The SQL `upgrade head` would run from the database's current revision ('' when at head).

    Reads the current revision; changes nothing. OperationFailed (never quoting the URL) when
    the database cannot be read.
    """
    try:
        current = current_revision(url)
    except SQLAlchemyError as exc:
        raise OperationFailed(
            f"the database cannot be reached: {type(exc).__name__}; check the server and the URL"
        ) from None
    if current in head_revisions(alembic_ini, timeout, python):
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


def planned_sql(
    alembic_ini: Path,
    env: Mapping[str, str],
    url: str,
    redact: Redactor,
    timeout: float,
    pass_env: Sequence[str],
    python: Path | None = None,
) -> str:
    """The SQL evidence. Offline mode runs each revision's code too, so a revision that raises
    fails here first; the upgrade itself then says which one, so this only notes it."""
    try:
        return plan_sql(alembic_ini, env, url, timeout, pass_env, python=python)
    except GoliveError as exc:
        return f"-- {redact(str(exc))}\n"


def _prepare(
    alembic_ini: Path,
    env: Mapping[str, str],
    url: str,
    backup_dir: Path,
    redact: Redactor,
    timeout: float,
    pass_env: Sequence[str],
    python: Path | None = None,
) -> tuple[MigrateOutput, str]:
    """Before anything changes: the current revision, the SQL the upgrade will run, a backup.

    Raises GoliveError (redacted) when the database cannot be reached or backed up.
    """
    try:
        before = current_revision(url)
        sql = planned_sql(alembic_ini, env, url, redact, timeout, pass_env, python)
        heads = head_revisions(alembic_ini, timeout, python)
        saved = backup(url, backup_dir, timeout)
    except SQLAlchemyError as exc:
        raise GoliveError(
            f"the database cannot be reached: {type(exc).__name__}; check the server and the URL"
        ) from None
    except GoliveError as exc:
        raise GoliveError(redact(str(exc))) from None
    return MigrateOutput(before=before, heads=heads, backup=saved), sql


def _judge(done: runner.Completed, url: str, output: MigrateOutput, redact: Redactor) -> GateResult:
    """The upgrade's outcome: the revisions it ran, and whether the database is at head."""
    steps = [
        {"revision": b, "from": a or "base"} for a, b in RUNNING.findall(done.stderr + done.stdout)
    ]
    after = current_revision(url)
    output = output.model_copy(update={"after": after})
    kw: dict[str, Any] = {"output": output, "details": steps}
    if not done.ok:
        where = f"revision {steps[-1]['revision']}" if steps else "start-up"
        summary = (
            f"alembic upgrade head failed at {where}: {redact(done.tail(1))}; "
            f"the database is at {after or 'an empty schema'}"
        )
        return failed(GATE, summary, **kw)
    if after not in output.heads:
        return failed(GATE, f"database is at {after}, not head {', '.join(output.heads)}", **kw)
    if not steps:
        return passed(GATE, f"already at head {after}", **kw)
    summary = f"upgraded {output.before or 'empty database'} -> {after} ({len(steps)} revisions)"
    return passed(GATE, summary, **kw)


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
    """Upgrade to head, after a backup into backup_dir; the planned SQL goes to evidence_dir.
    Then the seed, if the manifest has one. env: the database's whole env (see `alembic`);
    `python`: the target's interpreter (default golive's), which runs alembic and the seed."""
    started = time.monotonic()
    try:
        output, sql = _prepare(alembic_ini, env, url, backup_dir, redact, timeout, pass_env, python)
    except GoliveError as exc:
        return failed(GATE, str(exc), duration_s=time.monotonic() - started)
    sql_path = write_private(evidence_dir / "upgrade.sql", redact(sql))
    evidence = [str(sql_path)] + ([str(output.backup.path)] if output.backup else [])
    try:
        done = alembic(
            alembic_ini, env, "upgrade", "head", timeout=timeout, pass_env=pass_env, python=python
        )
        result = _judge(done, url, output, redact)
        if result.status is Status.PASSED and seed_command:
            result = _seeded(
                result, seed_command, alembic_ini, env, redact, timeout, pass_env, python
            )
    except GoliveError as exc:
        result = failed(GATE, redact(str(exc)), output=output)
    return replace(result, evidence=evidence, duration_s=time.monotonic() - started)


def _seeded(
    upgraded: GateResult,
    command: str,
    alembic_ini: Path,
    env: Mapping[str, str],
    redact: Redactor,
    timeout: float,
    pass_env: Sequence[str],
    python: Path | None = None,
) -> GateResult:
    """The upgrade's result with the seed run after it: a failing seed fails the gate, and its
    output says so (`seeded=False`), so the undo restores the backup taken before."""
    assert isinstance(upgraded.output, MigrateOutput)
    try:
        done = seed(command, alembic_ini, env, timeout, pass_env, python)
        why = "" if done.ok else f"exit {done.returncode}: {redact(done.tail(1))}"
    except GoliveError as exc:  # not found, timed out
        why = redact(str(exc))
    output = upgraded.output.model_copy(update={"seeded": not why})
    if why:
        summary = f"{upgraded.summary}; then the seed failed ({why})"
        return failed(GATE, summary, output=output, details=upgraded.details)
    return replace(upgraded, summary=f"{upgraded.summary}; seed ran", output=output)


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
    """Put the database back at `before`: downgrade, or restore the backup where that fails.
    restore_first (a failed seed wrote rows no downgrade removes): the backup, if there is one.

    Returns one line for the report.
    """
    target = before or "base"
    if restore_first and saved is not None:
        try:
            restore(url, saved, timeout)
            return f"database: restored the backup {saved.path.name} (the seed failed)"
        except GoliveError as exc:
            return f"database: restore after the failed seed FAILED: {redact(str(exc))}"
    try:
        done = alembic(
            alembic_ini, env, "downgrade", target, timeout=timeout, pass_env=pass_env, python=python
        )
    except ToolError as exc:  # alembic cannot run at all: the backup is what is left
        done = runner.Completed((), 127, "", str(exc))
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
