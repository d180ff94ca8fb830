"""Migrate gate task and its undo: never cached, the database is checked as it is now."""

from __future__ import annotations

from prefect import task

from golive.backup import Backup
from golive.context import LaunchContext
from golive.gates.migrate import migrate, revert
from golive.ledger import open_ledger
from golive.results import Category, GateResult, failed


def database_url(ctx: LaunchContext) -> str:
    return ctx.env_values().get(ctx.manifest.database.url_env, "")


@task(name="migrate")
def migrate_gate(ctx: LaunchContext) -> GateResult:
    m = ctx.manifest
    url = database_url(ctx)
    if not url:
        return failed(
            "migrate",
            Category.DATABASE,
            f"{m.env.production}: {m.database.url_env} is not set; the database URL is needed",
        )
    result = migrate(
        m.path(m.database.alembic_ini),
        m.database.url_env,
        url,
        ctx.environment_dir / "backups",
        ctx.evidence_dir("migrate"),
        ctx.redactor(),
        m.database.timeout,
    )
    saved = result.data.get("backup")
    if saved:
        open_ledger().record_backup(
            ctx.launch_id, ctx.environment, Backup.from_dict(saved), result.data.get("before")
        )
    return result


def applied_revisions(result: GateResult) -> bool:
    return "after" in result.data and result.data["after"] != result.data.get("before")


@task(name="revert-database")
def revert_database(ctx: LaunchContext, migrated: GateResult) -> str:
    """After a NO-GO: the database back at the revision it had before this launch."""
    m = ctx.manifest
    saved = migrated.data.get("backup")
    return revert(
        m.path(m.database.alembic_ini),
        m.database.url_env,
        database_url(ctx),
        migrated.data.get("before"),
        Backup.from_dict(saved) if saved else None,
        ctx.redactor(),
        m.database.timeout,
    )
