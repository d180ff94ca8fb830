"""How the target's database is migrated: alembic or the target's own commands, chosen once
from the manifest's `[database] tool` (`open_migrations`)."""

from __future__ import annotations

from pathlib import Path

from golive.envfile import Redactor
from golive.manifest import Manifest
from golive.migrations.alembic import AlembicMigrations
from golive.migrations.command import CommandMigrations
from golive.migrations.interface import MigrationError, Migrations, Upgrade

__all__ = [
    "AlembicMigrations",
    "CommandMigrations",
    "MigrationError",
    "Migrations",
    "Upgrade",
    "open_migrations",
]


def open_migrations(m: Manifest, env_values: dict[str, str], redact: Redactor) -> Migrations:
    """The manifest's migration tool. env_values: the env file's values as the environment
    has them (its database URL included); only the command tool passes them on."""
    db = m.database
    if db.tool == "alembic":
        assert db.alembic_ini is not None  # the manifest requires it for alembic
        return AlembicMigrations(m.path(db.alembic_ini), db.url_env, db.timeout, m.env.pass_env)
    assert db.upgrade is not None and db.current is not None  # required for command
    return CommandMigrations(
        upgrade_command=db.upgrade,
        current_command=db.current,
        workdir=m.path(db.workdir if db.workdir is not None else Path(".")),
        url_env=db.url_env,
        env_values=env_values,
        redact=redact,
        timeout=db.timeout,
        downgrade_command=db.downgrade,
        head_command=db.head,
        pass_env=m.env.pass_env,
    )
