"""How the target's database is migrated: alembic or the target's own commands, chosen once
from the manifest's `[database] tool` (`open_migrations`)."""

from __future__ import annotations

from collections.abc import Mapping
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


def open_migrations(m: Manifest, env_values: Mapping[str, str], redact: Redactor) -> Migrations:
    """The manifest's migration tool. env_values: the env file's values as the environment
    has them (its database placed: production's, a rehearsal's or a disposable one's); every
    migration command, alembic and the seed get them whole."""
    db = m.database
    if db.tool == "alembic":
        assert db.alembic_ini is not None  # the manifest requires it for alembic
        ini = m.path(db.alembic_ini)
        return AlembicMigrations(ini, dict(env_values), db.timeout, m.env.pass_env, m.python)
    assert db.upgrade is not None and db.current is not None  # required for command
    return CommandMigrations(
        upgrade_command=db.upgrade,
        current_command=db.current,
        workdir=m.path(db.workdir if db.workdir is not None else Path(".")),
        url_env=db.url_env,
        env_values=dict(env_values),
        redact=redact,
        timeout=db.timeout,
        downgrade_command=db.downgrade,
        head_command=db.head,
        pass_env=m.env.pass_env,
        python=m.python,
    )
