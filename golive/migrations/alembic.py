"""Migrations by alembic: golive.gates.migrate's alembic code behind the Migrations interface."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from golive import runner
from golive.gates import migrate as alembic_code
from golive.migrations.interface import MigrationError, Upgrade


@dataclass(frozen=True)
class AlembicMigrations:
    alembic_ini: Path
    url_env: str
    timeout: float
    pass_env: Sequence[str] = ()
    name: str = "alembic"

    def _run(self, url: str, *args: str) -> runner.Completed:
        return alembic_code.alembic(
            self.alembic_ini, self.url_env, url, *args, timeout=self.timeout, pass_env=self.pass_env
        )

    def current(self, url: str) -> str | None:
        try:
            return alembic_code.current_revision(url)
        except SQLAlchemyError as exc:
            raise MigrationError(
                f"database in {self.url_env} cannot be reached: "
                f"{type(exc).__name__}; check the server and the URL"
            ) from None

    def heads(self, url: str) -> tuple[str, ...]:
        return alembic_code.head_revisions(self.alembic_ini)

    def plan_sql(self, url: str) -> str | None:
        try:
            return alembic_code.plan_sql(
                self.alembic_ini, self.url_env, url, self.timeout, self.pass_env
            )
        except SQLAlchemyError as exc:
            raise MigrationError(f"database in {self.url_env}: {type(exc).__name__}") from None

    def upgrade(self, url: str) -> Upgrade:
        done = self._run(url, "upgrade", "head")
        found = alembic_code.RUNNING.findall(done.stderr + done.stdout)
        return Upgrade(done, tuple({"revision": b, "from": a or "base"} for a, b in found))

    def downgrade(self, url: str, revision: str | None) -> runner.Completed:
        return self._run(url, "downgrade", revision or "base")
