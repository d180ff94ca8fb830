"""Migrate gate task and its undo: never cached, the database is checked as it is now."""

from __future__ import annotations

import contextlib

from prefect import task

from golive import settings
from golive.context import LaunchContext
from golive.errors import GoliveError
from golive.gates.migrate import migrate_with, revert_with
from golive.gates.outputs import MigrateOutput
from golive.ledger import open_ledger
from golive.migrations import Migrations, open_migrations
from golive.results import GateResult, failed


def database_url(ctx: LaunchContext) -> str:
    """The production env file's database URL (placed in this environment), or ""."""
    return ctx.database_url()


def migrations_of(ctx: LaunchContext) -> Migrations:
    """The manifest's migration tool, with this environment's env values."""
    return open_migrations(ctx.manifest, ctx.env_values(), ctx.redactor())


@task(name="migrate")
def migrate_gate(ctx: LaunchContext) -> GateResult:
    """Back the database up and upgrade it to head (then the seed); the backup is recorded in
    the ledger (with the revision it holds) as soon as it is taken, so `golive restore` can put
    it back and a recovery finds it should the launch die during the upgrade or the seed."""
    m = ctx.manifest
    url = database_url(ctx)
    if not url:
        return failed(
            "migrate",
            f"{m.env.production}: {m.database.source.source} is not set; the database URL is"
            " needed",
        )
    tool = migrations_of(ctx)
    record_revision_before(ctx, tool, url)
    return migrate_with(
        tool,
        url,
        settings.backup_dir(ctx.environment),
        ctx.evidence_dir("migrate"),
        ctx.redactor(),
        m.database.timeout,
        seed_command=m.database.seed,
        backed_up=lambda taken: record_backup(ctx, taken),
    )


def record_backup(ctx: LaunchContext, taken: MigrateOutput) -> None:
    """The backup taken before the upgrade, in the ledger with the revision it holds."""
    if taken.backup is not None:
        open_ledger().record_backup(ctx.launch_id, ctx.environment, taken.backup, taken.before)


def record_revision_before(ctx: LaunchContext, tool: Migrations, url: str) -> None:
    """The revision before anything changes, in the ledger: what a recovery puts back if this
    launch dies mid-way (an unreadable database fails the gate itself, just after)."""
    with contextlib.suppress(GoliveError):
        open_ledger().record_revision_before(ctx.launch_id, tool.current(url))


@task(name="revert-database")
def revert_database(ctx: LaunchContext, migrated: MigrateOutput) -> str:
    """After a NO-GO: the database back at the revision it had before this launch. A failed
    seed or an upgrade that failed part-way left rows no downgrade removes: the backup."""
    return revert_with(
        migrations_of(ctx),
        database_url(ctx),
        migrated.before,
        migrated.backup,
        ctx.redactor(),
        ctx.manifest.database.timeout,
        partial=migrated.left_partial,
    )
