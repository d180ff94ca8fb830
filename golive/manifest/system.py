"""The manifest's sections about the target itself: its name, database and env files."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from golive.database_url import DatabaseUrl, UrlTemplateError
from golive.manifest.fields import Command, EnvKey, Name, Strict


class Target(Strict):
    name: Name
    description: str = ""
    python: Path | None = Field(
        None,
        description="the target's own interpreter (e.g. .venv/bin/python, relative to the"
        " manifest): alembic, the suites, the services and locust run with it; without it,"
        " golive's own interpreter",
    )


class Database(Strict):
    url_env: EnvKey | None = Field(
        None, description="env key holding the database URL (DATABASE_URL when url is not set)"
    )
    url: str | None = Field(
        None,
        description="the URL composed from env keys, e.g. postgresql+psycopg://${POSTGRES_USER}:"
        "${POSTGRES_PASSWORD}@${POSTGRES_SERVER}:${POSTGRES_PORT}/${POSTGRES_DB}",
    )
    seed: Command | None = Field(
        None,
        description="run after the upgrade in the alembic config's folder, with alembic's env;"
        " idempotent by contract; its failure is a migrate NO-GO",
    )
    alembic_ini: Path = Field(description="the target's alembic.ini")
    timeout: float = Field(300, gt=0)
    rehearsal_data: Literal["copy", "empty"] = Field(
        "copy",
        description="a rehearsal's own database starts as a copy of production's, or empty",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_source(cls, data: object) -> object:
        if isinstance(data, dict):
            if "url" in data and "url_env" in data:
                raise ValueError("give url_env or url, not both")
            if "url" not in data and "url_env" not in data:
                data = {**data, "url_env": "DATABASE_URL"}
        return data

    @model_validator(mode="after")
    def _template_parses(self) -> Database:
        if self.url is not None:
            source = self.source
            if not source.keys:
                raise ValueError("url: name the env keys it is made of, as ${KEY}")
            try:
                if source.key_of("database") is None:
                    raise UrlTemplateError(
                        "url: the database name must be one ${KEY} of its own (e.g. "
                        "/${POSTGRES_DB}), so rehearsals and suites get databases of their own"
                    )
            except UrlTemplateError as exc:
                raise ValueError(
                    str(exc) if str(exc).startswith("url") else f"url: {exc}"
                ) from None
        return self

    @property
    def source(self) -> DatabaseUrl:
        """Where the database URL comes from (golive.database_url)."""
        return DatabaseUrl(self.url_env, self.url)


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
    optional: list[str] = Field(
        default_factory=list,
        description="keys (globs, e.g. SMTP_*) that may be empty or left out of the production"
        " file without a finding",
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
