"""The migration tool boundary: what the migrate gate, a NO-GO's undo, recovery and `golive sql`
need from whatever migrates the target's database.

Two implementations: alembic (golive.migrations.alembic, wrapping golive.gates.migrate's
alembic code) and the target's own commands (golive.migrations.command: knex, Django, Prisma,
`npm run db:setup`...). Versions are opaque strings the tool prints; None is an empty database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from golive import runner
from golive.errors import OperationFailed


class MigrationError(OperationFailed):
    """The tool could not read or change the database (the message is safe to show)."""


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade ran: the command's outcome and the steps it reported, in order."""

    done: runner.Completed
    steps: tuple[dict[str, str], ...] = field(default_factory=tuple)
    why: str = ""  # the line saying why it failed, when the output's last line does not

    @property
    def problem(self) -> str:
        return self.why or self.done.tail(1)


class Migrations(Protocol):
    @property
    def name(self) -> str:
        """What summaries call the tool: "alembic", "the upgrade command"."""
        ...

    def current(self, url: str) -> str | None:
        """The applied version, None for an empty database. Raises MigrationError."""
        ...

    def heads(self, url: str) -> tuple[str, ...]:
        """The version(s) an upgrade reaches; () when the tool cannot say beforehand."""
        ...

    def plan_sql(self, url: str, heads: tuple[str, ...] | None = None) -> str | None:
        """The SQL an upgrade would run ('' at head), None when the tool cannot preview it;
        `heads`, when `heads()` was just read, spares reading it again, and `()` renders from the
        current version without them (the caller reads them side by side). Changes nothing.
        Raises GoliveError when the preview fails."""
        ...

    def upgrade(self, url: str) -> Upgrade:
        """Migrate to the latest version. Raises GoliveError when the tool cannot run."""
        ...

    def downgrade(self, url: str, revision: str | None) -> runner.Completed | None:
        """Back to `revision` (None: empty); None when the tool has no way down (the backup
        is restored instead). Raises GoliveError when the tool cannot run."""
        ...

    def seed(self, command: str) -> runner.Completed:
        """The manifest's seed, where and as the migrations run (their folder, env and
        interpreter). Raises GoliveError when it cannot start or times out."""
        ...
