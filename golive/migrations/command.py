"""Migrations by the target's own commands (`[database] tool = "command"`): knex, Django,
Prisma-style tools, `npm run db:setup`.

`upgrade` migrates to the latest version; `current` prints the applied version (the last
non-empty line of its stdout; for an empty database nothing at all, or `none`); `downgrade`
(optional) goes back to `{revision}`; `head` (optional) prints the version upgrade will
reach, so the gate can check it was reached. Without `head` the version `current` prints
after a successful upgrade is taken as the head. There is no SQL preview (alembic's offline
mode has one).

The commands run without a shell in the manifest's folder (or `workdir`), with the target's
env (the env file's values, the database URL as this environment has it) on top of golive's
minimal host environment; everything they print is redacted before it is shown.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from golive import runner
from golive.envfile import Redactor
from golive.migrations.interface import MigrationError, Upgrade

BASE = "base"  # what {revision} becomes when the database had no version
NONE = "none"  # what `current` may print for an empty database (knex says so too)
# A line naming an error ("Error: …", "RuntimeError: …", "failed with error: …"), not a stack
# frame: Node and Python print their stack traces after (or around) the message.
ERROR_LINE = re.compile(r"(error|exception)\b[^:]*:\s*\S", re.IGNORECASE)
FRAME = re.compile(r"^(at |File \"|\^|Node\.js v)")


def failure_line(done: runner.Completed) -> str:
    """The last line of stderr (else stdout) that names an error; '' when none does."""
    for text in (done.stderr, done.stdout):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        named = [line for line in lines if ERROR_LINE.search(line) and not FRAME.match(line)]
        if named:
            return named[-1]
    return ""


@dataclass(frozen=True)
class CommandMigrations:
    upgrade_command: str
    current_command: str
    workdir: Path
    url_env: str | None  # the key holding the URL; None: it is composed (`[database] url`)
    env_values: dict[str, str]  # the target's env file values, as this environment has them
    redact: Redactor
    timeout: float
    downgrade_command: str | None = None
    head_command: str | None = None
    pass_env: Sequence[str] = ()
    python: Path | None = None  # the target's interpreter, first on PATH
    name: str = field(default="the upgrade command")

    def _run(self, command: str, url: str, revision: str | None = None) -> runner.Completed:
        argv = shlex.split(command)
        if revision is not None:  # argv, no shell: a version cannot inject anything
            argv = [word.replace("{revision}", revision) for word in argv]
        return runner.run(argv, cwd=self.workdir, timeout=self.timeout, env=self._env(url))

    def _env(self, url: str) -> dict[str, str]:
        # A composed URL's keys already point at this environment's database (env_values).
        values = {**self.env_values, **({self.url_env: url} if self.url_env else {})}
        return runner.target_env(self.pass_env, values, python=self.python)

    def _version(self, command: str, url: str, what: str) -> str | None:
        done = self._run(command, url)
        if not done.ok:
            why = failure_line(done) or done.tail(1)
            raise MigrationError(
                f"{what} command `{command}` failed (exit {done.returncode}): {self.redact(why)}"
            )
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
        return lines[-1] if lines and lines[-1] != NONE else None

    def current(self, url: str) -> str | None:
        return self._version(self.current_command, url, "current")

    def heads(self, url: str) -> tuple[str, ...]:
        if self.head_command is None:
            return ()
        head = self._version(self.head_command, url, "head")
        return (head,) if head else ()

    def plan_sql(self, url: str, heads: tuple[str, ...] | None = None) -> str | None:
        return None

    def upgrade(self, url: str) -> Upgrade:
        done = self._run(self.upgrade_command, url)
        return Upgrade(done, why="" if done.ok else failure_line(done))

    def downgrade(self, url: str, revision: str | None) -> runner.Completed | None:
        if self.downgrade_command is None:
            return None
        return self._run(self.downgrade_command, url, revision or BASE)

    def seed(self, command: str) -> runner.Completed:
        argv = shlex.split(command)
        url = self.env_values.get(self.url_env, "") if self.url_env else ""
        return runner.run(argv, cwd=self.workdir, timeout=self.timeout, env=self._env(url))
