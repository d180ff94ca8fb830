"""What golive's after-launch reports ask the ledger: the target commit each launch ran (for
lead time), the facts DORA metrics are computed from, and the previous rehearsal a rehearsal
is compared with (golive.drift).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update

from golive.commit import Commit, target_commit
from golive.dora import LaunchFacts
from golive.ledger.models import GateRun, Launch, Release
from golive.ledger.store import Ledger
from golive.results import GateResult

# Verdicts of launches that ran (REFUSED ones never started a gate).
RAN = ("GO", "NO-GO", "CRASHED")


def record_commit(ledger: Ledger, launch_id: int, commit: Commit) -> None:
    """The target's commit this launch runs: what its lead time is measured from."""
    with ledger.session() as s:
        s.execute(
            update(Launch)
            .where(Launch.id == launch_id)
            .values(commit_sha=commit.sha, committed_at=commit.committed_at)
        )


def record_target_commit(ledger: Ledger, launch_id: int, folder: Path) -> None:
    """The commit of the checkout the target's folder is in, if it is in one."""
    commit = target_commit(folder)
    if commit is not None:
        record_commit(ledger, launch_id, commit)


def launch_facts(ledger: Ledger, environment: str | None, since: datetime) -> list[LaunchFacts]:
    """Every non-rehearsal launch that finished since `since` (in `environment`, if given)."""
    with ledger.session() as s:
        query = select(Launch).where(
            Launch.rehearsal.is_(False),
            Launch.verdict.in_(RAN),
            Launch.finished_at >= since,
        )
        if environment is not None:
            query = query.where(Launch.environment == environment)
        launches = list(s.scalars(query.order_by(Launch.id)))
        ids = [launch.id for launch in launches]
        releases = s.execute(
            select(Release.launch_id, Release.status).where(Release.launch_id.in_(ids))
        ).all()
        # A deploy that failed part-way records no release but still changed what ran.
        deploys = set(
            s.scalars(
                select(GateRun.launch_id).where(
                    GateRun.launch_id.in_(ids),
                    GateRun.gate == "deploy",
                    GateRun.status != "skipped",
                )
            )
        )
    with_release = {launch_id for launch_id, _ in releases}
    rolled = {launch_id for launch_id, status in releases if status == "rolled_back"}
    return [
        LaunchFacts(
            launch_id=launch.id,
            environment=launch.environment,
            verdict=str(launch.verdict),
            finished_at=launch.finished_at or launch.started_at,
            deployed=launch.id in with_release or launch.id in deploys,
            rolled_back=launch.id in rolled,
            committed_at=launch.committed_at,
        )
        for launch in launches
    ]


@dataclass(frozen=True)
class PastRun:
    """A finished launch and the gate results it recorded (typed outputs included)."""

    launch_id: int
    variant: str
    verdict: str
    finished_at: datetime
    results: list[GateResult]


def previous_rehearsal(ledger: Ledger, launch_id: int) -> PastRun | None:
    """The last rehearsal of the same target and environment before this launch that ran its
    gates (any verdict), or None: the first rehearsal has nothing to be compared with."""
    current = ledger.launch(launch_id)
    if current is None:
        return None
    with ledger.session() as s:
        earlier = s.scalars(
            select(Launch)
            .where(
                Launch.rehearsal.is_(True),
                Launch.target == current.target,
                Launch.environment == current.environment,
                Launch.id < launch_id,
                Launch.verdict.in_(RAN),
            )
            .order_by(Launch.id.desc())
            .limit(5)  # a crashed one may have recorded nothing: look a little further back
        ).all()
    for launch in earlier:
        results = ledger.gate_results(launch.id)
        if results:
            return PastRun(
                launch.id,
                launch.variant,
                str(launch.verdict),
                launch.finished_at or launch.started_at,
                results,
            )
    return None
