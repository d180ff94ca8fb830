"""The readiness scorecard and the GO / NO-GO verdict.

GO needs every gate the variant requires to have run and none to block: migrations applied,
no blocking test failure or vulnerability, every deployed service healthy, monitoring active,
every critical smoke check passing (and the load test, where the variant runs one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from golive.gates.registry import Variant, required_gates
from golive.results import Category, GateResult, Status


@dataclass(frozen=True)
class Row:
    category: str
    score: int
    blocking: bool
    status: str
    gates: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "score": self.score,
            "blocking": self.blocking,
            "status": self.status,
            "gates": self.gates,
        }


@dataclass(frozen=True)
class Scorecard:
    verdict: str
    rows: list[Row]
    reasons: list[str] = field(default_factory=list)

    @property
    def go(self) -> bool:
        return self.verdict == "GO"

    @property
    def overall(self) -> int:
        return round(sum(r.score for r in self.rows) / len(self.rows)) if self.rows else 0


def decide(results: list[GateResult], variant: Variant) -> Scorecard:
    """The scorecard rows and GO / NO-GO; the reasons name each blocking gate."""
    by_gate = {r.gate: r for r in results}
    reasons = [f"{r.gate}: {r.summary}" for r in results if r.blocks_launch]
    for gate in required_gates(variant):
        result = by_gate.get(gate)
        if not reasons and (result is None or result.status is Status.SKIPPED):
            reasons.append(f"{gate}: did not run")
    rows = []
    for category in Category:
        members = [r for r in results if r.category is category]
        if not members:
            continue
        worst = min(members, key=lambda r: (r.blocks_launch is False, r.score))
        rows.append(
            Row(
                category.value,
                min(r.score for r in members),
                any(r.blocks_launch for r in members),
                worst.status.value,
                ", ".join(r.gate for r in members),
            )
        )
    return Scorecard("NO-GO" if reasons else "GO", rows, reasons)
