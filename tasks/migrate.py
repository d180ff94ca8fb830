"""Migrate gate task: never cached, the database is checked as it is now."""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.migrate import migrate
from golive.results import Category, GateResult, failed


@task(name="migrate")
def migrate_gate(ctx: LaunchContext) -> GateResult:
    m = ctx.manifest
    values = ctx.env_values()
    url = values.get(m.database.url_env, "")
    if not url:
        return failed(
            "migrate",
            Category.DATABASE,
            f"{m.env.production}: {m.database.url_env} is not set; the database URL is needed",
        )
    return migrate(
        m.path(m.database.alembic_ini),
        m.database.url_env,
        url,
        ctx.environment_dir / "backups",
        ctx.redactor(),
        m.database.timeout,
    )
