"""Migrate gate task and its undo: never cached, the database is checked as it is now."""

from __future__ import annotations

import contextlib

from prefect import task
from sqlalchemy.exc import SQLAlchemyError

from golive import settings
from golive.context import LaunchContext
from golive.gates.migrate import current_revision, migrate, revert
from golive.gates.outputs import MigrateOutput
from golive.ledger import open_ledger
from golive.results import GateResult, failed


def database_url(ctx: LaunchContext) -> str:
    """The production env file's database URL (placed in this environment), or ""."""
    return ctx.database_url()


@task(name="migrate")
def migrate_gate(ctx: LaunchContext) -> GateResult:
    """Back the database up and upgrade it to head; the backup is recorded in the ledger (with
    the revision it holds) so `golive restore` can put it back."""
    m = ctx.manifest
    url = database_url(ctx)
    if not url:
        return failed(
            "migrate",
            f"{m.env.production}: {m.database.source.source} is not set; the database URL is"
            " needed",
        )
    record_revision_before(ctx, url)
    result = migrate(
        m.path(m.database.alembic_ini),
        ctx.env_values(),
        url,
        settings.backup_dir(ctx.environment),
        ctx.evidence_dir("migrate"),
        ctx.redactor(),
        m.database.timeout,
        pass_env=m.env.pass_env,
        seed_command=m.database.seed,
        python=m.python,
    )
    output = result.output
    if isinstance(output, MigrateOutput) and output.backup is not None:
        open_ledger().record_backup(ctx.launch_id, ctx.environment, output.backup, output.before)
    return result


def record_revision_before(ctx: LaunchContext, url: str) -> None:
    """The revision before anything changes, in the ledger: what a recovery puts back if this
    launch dies mid-way (an unreadable database fails the gate itself, just after)."""
    with contextlib.suppress(SQLAlchemyError):
        open_ledger().record_revision_before(ctx.launch_id, current_revision(url))


@task(name="revert-database")
def revert_database(ctx: LaunchContext, migrated: MigrateOutput) -> str:
    """After a NO-GO: the database back at the revision it had before this launch."""
    m = ctx.manifest
    return revert(
        m.path(m.database.alembic_ini),
        ctx.env_values(),
        database_url(ctx),
        migrated.before,
        migrated.backup,
        ctx.redactor(),
        m.database.timeout,
        pass_env=m.env.pass_env,
        restore_first=migrated.seeded is False,
        python=m.python,
    )
