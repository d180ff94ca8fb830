"""Migrations by alembic: golive.gates.migrate's alembic code behind the Migrations interface."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from golive import runner
from golive.gates import migrate as alembic_code
from golive.migrations.interface import MigrationError, Upgrade

UNREACHABLE = "the database cannot be reached: {}; check the server and the URL"


@dataclass(frozen=True)
class AlembicMigrations:
    alembic_ini: Path
    env: dict[str, str]  # the whole env of the database worked on (production's, a rehearsal's…)
    timeout: float
    pass_env: Sequence[str] = ()
    python: Path | None = None  # the target's interpreter; None: golive's
    name: str = "alembic"

    def _run(self, *args: str) -> runner.Completed:
        return alembic_code.alembic(
            self.alembic_ini,
            self.env,
            *args,
            timeout=self.timeout,
            pass_env=self.pass_env,
            python=self.python,
        )

    def current(self, url: str) -> str | None:
        try:
            return alembic_code.current_revision(url)
        except SQLAlchemyError as exc:
            raise MigrationError(UNREACHABLE.format(type(exc).__name__)) from None

    def heads(self, url: str) -> tuple[str, ...]:
        return alembic_code.head_revisions(self.alembic_ini, self.timeout, self.python)

    def plan_sql(self, url: str, heads: tuple[str, ...] | None = None) -> str | None:
        try:
            return alembic_code.plan_sql(
                self.alembic_ini,
                self.env,
                url,
                self.timeout,
                self.pass_env,
                python=self.python,
                heads=heads,
            )
        except SQLAlchemyError as exc:
            raise MigrationError(UNREACHABLE.format(type(exc).__name__)) from None

    def upgrade(self, url: str) -> Upgrade:
        done = self._run("upgrade", "head")
        found = alembic_code.RUNNING.findall(done.stderr + done.stdout)
        return Upgrade(done, tuple({"revision": b, "from": a or "base"} for a, b in found))

    def downgrade(self, url: str, revision: str | None) -> runner.Completed:
        return self._run("downgrade", revision or "base")

    def seed(self, command: str) -> runner.Completed:
        return alembic_code.seed(
            command, self.alembic_ini, self.env, self.timeout, self.pass_env, self.python
        )
