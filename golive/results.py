"""The result every gate returns, and the readiness scorecard built from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNED = "warned"
    SKIPPED = "skipped"


class Category(StrEnum):
    """Rows of the launch-readiness scorecard, in the order the plan runs them."""

    CONFIGURATION = "Configuration"
    SECURITY = "Security"
    TESTS = "Tests"
    DATABASE = "Database"
    BUILD = "Build"
    DEPLOYMENT = "Deployment"
    MONITORING = "Monitoring"
    SMOKE = "Smoke"
    LOAD = "Load"


@dataclass(frozen=True)
class GateResult:
    """What one gate found. Never carries a secret value: summaries and details name keys only."""

    gate: str
    category: Category
    status: Status
    blocking: bool
    score: int
    summary: str
    details: list[dict[str, Any]] = field(default_factory=list)
    duration_s: float = 0.0
    evidence: list[str] = field(default_factory=list)
    # Gate-specific values later gates need (release ids, ports); never secrets.
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks_launch(self) -> bool:
        return self.blocking and self.status is Status.FAILED

    def as_dict(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "category": self.category.value,
            "status": self.status.value,
            "blocking": self.blocks_launch,
            "score": self.score,
            "summary": self.summary,
            "duration_s": round(self.duration_s, 3),
            "evidence": list(self.evidence),
        }


def passed(gate: str, category: Category, summary: str, **kw: Any) -> GateResult:
    return GateResult(gate, category, Status.PASSED, False, kw.pop("score", 100), summary, **kw)


def failed(
    gate: str, category: Category, summary: str, *, blocking: bool = True, **kw: Any
) -> GateResult:
    return GateResult(gate, category, Status.FAILED, blocking, kw.pop("score", 0), summary, **kw)


def warned(gate: str, category: Category, summary: str, **kw: Any) -> GateResult:
    return GateResult(gate, category, Status.WARNED, False, kw.pop("score", 70), summary, **kw)


def skipped(gate: str, category: Category, summary: str, **kw: Any) -> GateResult:
    return GateResult(gate, category, Status.SKIPPED, False, kw.pop("score", 0), summary, **kw)
