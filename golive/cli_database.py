"""`golive sql` and `golive restore`: an environment's database, read (the SQL the migrate gate
would run) or put back (a launch's pre-migration backup)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from golive import settings
from golive.errors import InputError

if TYPE_CHECKING:
    from golive.context import LaunchContext


def database_of(manifest: Path, environment: str) -> tuple[LaunchContext, str]:
    """A context for an environment of the target, and that environment's database URL."""
    from golive import validate
    from golive.context import LaunchContext
    from golive.manifest import load as load_manifest

    settings.check_environment(environment)
    validate.check_target(load_manifest(manifest), manifest)
    ctx = LaunchContext(0, manifest.resolve(), environment, "full", False)
    url = ctx.database_url()
    if not url:
        source = ctx.manifest.database.source.source
        raise InputError(f"{ctx.manifest.env.production}: {source} is not set")
    return ctx, url


def sql_command(
    manifest: Annotated[Path, typer.Option(help="the target's launch.toml")] = Path("launch.toml"),
    environment: Annotated[str, typer.Option(help="whose database")] = "production",
) -> None:
    """Show the SQL the migrate gate would run now, without touching the database (alembic
    only: a migration command has no preview)."""
    from golive.migrations import open_migrations

    ctx, url = database_of(manifest, environment)
    tool = open_migrations(ctx.manifest, ctx.env_values(), ctx.redactor())
    text = tool.plan_sql(url)
    if text is None:
        raise InputError(
            f"{manifest}: database.tool: the SQL preview is alembic's; "
            f"{ctx.manifest.database.tool!r} migrations have none"
        )
    print(text or "-- the database is at head: nothing to run")


def restore_command(
    launch: Annotated[int, typer.Option(help="the launch whose pre-migration backup to restore")],
    manifest: Annotated[Path, typer.Option(help="the target's launch.toml")] = Path("launch.toml"),
    environment: Annotated[
        str | None, typer.Option(help="the launch's environment, checked before restoring")
    ] = None,
) -> None:
    """Restore the database backup a launch took before migrating."""
    from rich.console import Console

    from golive import rehearsal, validate
    from golive.backup import restore as restore_backup
    from golive.ledger import open_ledger
    from golive.manifest import load as load_manifest

    if environment is not None:
        settings.check_environment(environment)
    validate.check_target(load_manifest(manifest), manifest)
    found = open_ledger().backup_of(launch)
    if found is None:
        raise InputError(f"launch {launch} has no database backup in the ledger")
    row, saved, revision = found
    if environment is not None and row.environment != environment:
        raise InputError(
            f"--environment {environment}: launch {launch} was in {row.environment}; "
            "check the launch id (golive history)"
        )
    if row.rehearsal:
        raise InputError(
            f"launch {launch} was a rehearsal: its backup ({saved.path.name}) is of the "
            "rehearsal's own database, and golive never restores it onto "
            f"{rehearsal.production_of(row.environment)}"
        )
    _, url = database_of(manifest, row.environment)
    restore_backup(url, saved)
    Console().print(
        f"restored {saved.path.name} into {row.environment}: "
        f"database back at {revision or 'an empty schema'}"
    )
