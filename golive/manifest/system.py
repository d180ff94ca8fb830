"""The manifest's sections about the target itself: its name, database and env files."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from golive.manifest.fields import Command, EnvKey, Name, Strict


class Target(Strict):
    name: Name
    description: str = ""


class Database(Strict):
    url_env: EnvKey = Field("DATABASE_URL", description="env key holding the database URL")
    tool: Literal["alembic", "command"] = Field(
        "alembic", description="alembic, or the target's own migration commands"
    )
    alembic_ini: Path | None = Field(None, description="the target's alembic.ini (tool alembic)")
    upgrade: Command | None = Field(None, description="tool command: migrates to the latest")
    current: Command | None = Field(
        None, description="tool command: prints the applied version (its last non-empty line)"
    )
    downgrade: Command | None = Field(
        None, description="tool command, optional: back to {revision}; without it, the backup"
    )
    head: Command | None = Field(
        None, description="tool command, optional: prints the version upgrade will reach"
    )
    workdir: Path | None = Field(
        None, description="tool command: where the commands run (default: the manifest's folder)"
    )
    timeout: float = Field(300, gt=0)
    rehearsal_data: Literal["copy", "empty"] = Field(
        "copy",
        description="a rehearsal's own database starts as a copy of production's, or empty",
    )

    @model_validator(mode="after")
    def _tool_fields(self) -> Database:
        commands = {"upgrade", "current", "downgrade", "head", "workdir"} & self.model_fields_set
        if self.tool == "alembic":
            if self.alembic_ini is None:
                raise ValueError("alembic_ini: required with tool = 'alembic' (the default)")
            if commands:
                raise ValueError(f"{sorted(commands)[0]}: only for tool = 'command'")
            return self
        if self.alembic_ini is not None:
            raise ValueError("alembic_ini: only for tool = 'alembic'")
        for name in ("upgrade", "current"):
            if getattr(self, name) is None:
                raise ValueError(f"{name}: required with tool = 'command'")
        if self.downgrade is not None and "{revision}" not in self.downgrade:
            raise ValueError("downgrade: must name the version to go back to as {revision}")
        return self


class EnvFiles(Strict):
    template: Path = Field(description="the committed template, e.g. .env.example")
    production: Path = Field(description="the production env file checked and deployed")
    payment_secret_key: str = "PAYMENT_SECRET_KEY"
    payment_publishable_key: str = "PAYMENT_PUBLISHABLE_KEY"
    secret_keys: list[str] = Field(
        default_factory=list, description="keys whose values must be strong secrets"
    )
    generate: list[EnvKey] = Field(
        default_factory=list,
        description="secret keys the configure gate fills with strong random values when they"
        " are missing, empty or a placeholder (the file is rewritten with mode 0600)",
    )
    allowed_redirect_domains: list[str] = Field(
        default_factory=list,
        description="domains (and their subdomains) OAuth redirect URLs may point at;"
        " empty: any https host",
    )
    database_timeout: float = Field(
        3,
        gt=0,
        le=60,
        description="seconds the configure gate waits for a TCP connect to a network database",
    )
    pass_env: list[EnvKey] = Field(
        default_factory=list,
        description="keys of golive's own environment that services (and the target's suites,"
        " alembic and locust) get too; nothing else of the operator's environment reaches them"
        " but PATH, HOME, LANG, LC_ALL and TZ",
    )

    @property
    def declared_secrets(self) -> list[str]:
        """Keys whose values the manifest says are secrets."""
        return [*self.secret_keys, *self.generate, self.payment_secret_key]
