"""DORA metrics of an environment over a window, computed from the ledger's launches.

Pure: it reads `LaunchFacts` (one per finished, non-rehearsal launch, as golive.ledger.history
gathers them) and a clock, and returns numbers. Rehearsals never count: they change nothing
anyone uses.

- deployment frequency: GO launches in the window, per day and per week;
- lead time for changes: median time from the target's commit (when it is a git checkout) to
  the GO that put it live;
- change failure rate: launches that deployed and then ended NO-GO (or crashed) or were rolled
  back, over launches that deployed;
- time to restore: median time from a failed change's end to the next GO's end in the same
  environment.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

_SINCE = re.compile(r"^(\d+)([hdw])$")
_UNIT_S = {"h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str) -> timedelta:
    """`30d`, `12h` or `2w` as a timedelta; ValueError naming the accepted form otherwise."""
    found = _SINCE.match(text.strip())
    if found is None or int(found.group(1)) == 0:
        raise ValueError(f"{text!r} is not a window like 30d, 12h or 2w")
    return timedelta(seconds=int(found.group(1)) * _UNIT_S[found.group(2)])


@dataclass(frozen=True)
class LaunchFacts:
    """What the metrics need of one finished launch (times UTC, naive as the ledger's)."""

    launch_id: int
    environment: str
    verdict: str
    finished_at: datetime
    deployed: bool  # it changed what ran: a deploy gate ran, or releases were recorded
    rolled_back: bool  # some of its releases were rolled back
    committed_at: datetime | None = None

    @property
    def failed_change(self) -> bool:
        return self.deployed and (self.verdict != "GO" or self.rolled_back)

    @property
    def went_live(self) -> bool:
        return self.verdict == "GO" and not self.rolled_back


@dataclass(frozen=True)
class DoraMetrics:
    environment: str | None  # None: every environment
    since: datetime
    until: datetime
    launches: int
    deployments: int  # GO launches
    deployed: int  # launches that changed what ran
    failed_changes: int
    lead_time_s: float | None
    lead_time_note: str  # how it was measured, or why it is n/a
    restore_s: float | None
    restores: int  # failed changes followed by a GO
    unrestored: int  # failed changes with no GO after them (yet)

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400

    @property
    def per_day(self) -> float:
        return self.deployments / self.days if self.days > 0 else 0.0

    @property
    def change_failure_rate(self) -> float | None:
        return self.failed_changes / self.deployed if self.deployed else None

    def as_dict(self) -> dict[str, Any]:
        rate = self.change_failure_rate
        return {
            "environment": self.environment,
            "since": self.since.isoformat(timespec="seconds"),
            "until": self.until.isoformat(timespec="seconds"),
            "launches": self.launches,
            "deployment_frequency": {
                "deployments": self.deployments,
                "per_day": round(self.per_day, 4),
                "per_week": round(self.per_day * 7, 4),
            },
            "lead_time": {"median_s": _rounded(self.lead_time_s), "note": self.lead_time_note},
            "change_failure_rate": {
                "rate": None if rate is None else round(rate, 4),
                "failed": self.failed_changes,
                "deployed": self.deployed,
            },
            "time_to_restore": {
                "median_s": _rounded(self.restore_s),
                "restored": self.restores,
                "unrestored": self.unrestored,
            },
        }

    def rows(self) -> list[dict[str, str]]:
        """One row per metric, for the CLI's table and the `dora-metrics` artifact."""
        rate = self.change_failure_rate
        return [
            {
                "metric": "deployment frequency",
                "value": f"{self.per_day:.2f}/day ({self.per_day * 7:.2f}/week)",
                "detail": f"{self.deployments} GO launches in {self.days:g} days",
            },
            {
                "metric": "lead time for changes",
                "value": duration(self.lead_time_s),
                "detail": self.lead_time_note,
            },
            {
                "metric": "change failure rate",
                "value": "n/a" if rate is None else f"{rate:.0%}",
                "detail": f"{self.failed_changes} of {self.deployed} deploying launches failed"
                " (NO-GO, crashed or rolled back)",
            },
            {
                "metric": "time to restore",
                "value": duration(self.restore_s),
                "detail": f"median of {self.restores} failed change(s) followed by a GO"
                + (f"; {self.unrestored} not yet followed by one" if self.unrestored else ""),
            },
        ]

    def markdown(self) -> str:
        where = self.environment or "every environment"
        lines = [
            f"# DORA metrics: {where}",
            "",
            f"From {self.since:%Y-%m-%d %H:%M} to {self.until:%Y-%m-%d %H:%M} UTC, "
            f"{self.launches} launches (rehearsals excluded).",
            "",
            "| metric | value | detail |",
            "|---|---|---|",
        ]
        lines += [f"| {r['metric']} | {r['value']} | {r['detail']} |" for r in self.rows()]
        return "\n".join(lines) + "\n"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def duration(seconds: float | None) -> str:
    """`n/a`, `42s`, `12.5 min`, `3.2 h` or `1.5 d`: short enough for a table cell."""
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def compute(
    facts: list[LaunchFacts], since: datetime, until: datetime, environment: str | None
) -> DoraMetrics:
    """The metrics of the launches that finished in [since, until]."""
    inside = sorted(
        (f for f in facts if since <= f.finished_at <= until), key=lambda f: f.finished_at
    )
    gos = [f for f in inside if f.verdict == "GO"]
    lead, note = lead_time(gos)
    failed = [f for f in inside if f.failed_change]
    waits = [w for w in (restore_wait(f, inside) for f in failed) if w is not None]
    return DoraMetrics(
        environment=environment,
        since=since,
        until=until,
        launches=len(inside),
        deployments=len(gos),
        deployed=sum(f.deployed for f in inside),
        failed_changes=len(failed),
        lead_time_s=lead,
        lead_time_note=note,
        restore_s=statistics.median(waits) if waits else None,
        restores=len(waits),
        unrestored=len(failed) - len(waits),
    )


def lead_time(gos: list[LaunchFacts]) -> tuple[float | None, str]:
    """The median commit-to-GO time, and how it was measured (or why it is n/a)."""
    if not gos:
        return None, "n/a: no GO launch in the window"
    known = [(g.finished_at - g.committed_at).total_seconds() for g in gos if g.committed_at]
    if not known:
        return None, "n/a: no GO launch recorded a commit (the target is not a git checkout)"
    unknown = len(gos) - len(known)
    note = f"median of {len(known)} GO launch(es), commit time to GO"
    return statistics.median(known), note + (f"; {unknown} without a commit" if unknown else "")


def restore_wait(failure: LaunchFacts, launches: list[LaunchFacts]) -> float | None:
    """Seconds from a failed change's end to the next GO's end in its environment, if any."""
    after = (
        f
        for f in launches
        if f.environment == failure.environment
        and f.went_live
        and f.finished_at > failure.finished_at
    )
    nxt = min(after, key=lambda f: f.finished_at, default=None)
    return None if nxt is None else (nxt.finished_at - failure.finished_at).total_seconds()
