"""The target's git commit at launch time: what lead time for changes is measured from.

A target that is not a git checkout (or a machine without git) has no commit: lead time then
reads "n/a" with that reason, and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from golive.errors import GoliveError
from golive.runner import child_env, run


@dataclass(frozen=True)
class Commit:
    sha: str
    committed_at: datetime  # UTC, naive, as the ledger stores times


def target_commit(folder: Path, timeout: float = 15) -> Commit | None:
    """The last commit of the checkout `folder` is in (None: not a checkout, or no git)."""
    try:
        done = run(
            ["git", "log", "-1", "--format=%H %cI"], cwd=folder, timeout=timeout, env=child_env()
        )
    except GoliveError:  # git missing or hung: lead time is simply not known
        return None
    words = done.stdout.split()
    if not done.ok or len(words) != 2:
        return None
    try:
        when = datetime.fromisoformat(words[1])
    except ValueError:
        return None
    return Commit(words[0], when.astimezone(UTC).replace(tzinfo=None))
