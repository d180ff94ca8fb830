"""The launch report: what the CLI prints, the JSON file scripts read, the Markdown artifact."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.drift import DriftReport
from golive.files import write_private
from golive.results import GateResult
from golive.scorecard import Scorecard


class NoGo(Exception):
    """The answer NO-GO, not a crash: what a NO-GO launch's Failed state carries (Prefect
    expects a failed state's data to be an exception), with the report as a dict."""

    def __init__(self, summary: str, report: dict[str, Any]) -> None:
        super().__init__(summary, report)  # both in args, so it pickles as a result
        self.summary, self.report = summary, report

    def __str__(self) -> str:
        return self.summary


@dataclass(frozen=True)
class LaunchReport:
    launch_id: int
    target: str
    environment: str
    variant: str
    rehearsal: bool
    scorecard: Scorecard
    results: list[GateResult]
    rollback: list[str] = field(default_factory=list)
    drift: DriftReport | None = None  # a rehearsal's, against the previous rehearsal
    resumed_from: int | None = None  # the launch this one resumed (golive.resume)
    resume: list[str] = field(default_factory=list)  # per reusable gate: reused or runs, why

    @property
    def verdict(self) -> str:
        return self.scorecard.verdict

    def as_dict(self) -> dict[str, Any]:
        return {
            "launch_id": self.launch_id,
            "target": self.target,
            "environment": self.environment,
            "variant": self.variant,
            "rehearsal": self.rehearsal,
            "verdict": self.verdict,
            "reasons": self.scorecard.reasons,
            "score": self.scorecard.overall,
            "scorecard": [row.as_dict() for row in self.scorecard.rows],
            # Each gate's whole table (every configure finding, every smoke check): redacted
            # like the rest, and what a script reads where the summary names only some.
            "gates": [{**r.as_dict(), "details": r.details} for r in self.results],
            "rollback": self.rollback,
            "drift": self.drift.as_dict() if self.drift else None,
            "resumed_from": self.resumed_from,
            "resume": self.resume,
        }

    def write_json(self, path: Path) -> None:
        write_private(path, json.dumps(self.as_dict(), indent=2, default=str) + "\n")

    def markdown(self) -> str:
        kind = "rehearsal" if self.rehearsal else "launch"
        lines = [
            f"# {self.verdict}: {self.target} {self.variant} {kind} to {self.environment}",
            "",
            f"Launch {self.launch_id}, readiness score {self.scorecard.overall}/100.",
            "",
        ]
        if self.drift:  # a rehearsal's report leads with what changed since the last one
            lines += [self.drift.markdown(level=2)]
        if self.resumed_from is not None:
            lines += [f"## Resumed from launch {self.resumed_from}", ""]
            lines += [f"- {line}" for line in self.resume] + [""]
        if self.scorecard.reasons:
            lines += ["## Why NO-GO", ""] + [f"- {r}" for r in self.scorecard.reasons] + [""]
        lines += [
            "## Scorecard",
            "",
            "| category | score | blocking | gates |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r.category} | {r.score} | {'yes' if r.blocking else 'no'} | {r.gates} |"
            for r in self.scorecard.rows
        ]
        lines += ["", "## Gates", "", "| gate | status | seconds | summary |", "|---|---|---|---|"]
        lines += [
            f"| {r.gate} | {r.status.value}{f' ({r.origin_note()})' if r.origin_note() else ''} "
            f"| {r.duration_s:.1f} | {r.summary.replace('|', '/')} |"
            for r in self.results
        ]
        if self.rollback:
            lines += ["", "## Rollback", ""] + [f"- {line}" for line in self.rollback]
        return "\n".join(lines) + "\n"
