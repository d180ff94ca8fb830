"""The result every gate returns: status, score, a one-line summary and its typed output.

`Status` is the one way golive says how something ended: gates, checks inside a gate, and
the monitoring and load helpers all use it (never strings, never `X | str` returns).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypedDict, Unpack

from golive.gates.outputs import GateOutput

# Part of every cache key: a result cached by an older golive (another GateResult shape) is
# never unpickled into this one.
RESULT_FORMAT = 3


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


class Extras(TypedDict, total=False):
    """What a gate result may carry beside its status, score and summary."""

    details: list[dict[str, Any]]
    duration_s: float
    evidence: list[str]
    output: GateOutput | None


@dataclass(frozen=True)
class GateResult:
    """What one gate found. Never carries a secret value: summaries and details name keys only.

    Its scorecard row (category) comes from the gate registry, so it cannot disagree with it.
    """

    gate: str
    status: Status
    blocking: bool
    score: int
    summary: str
    details: list[dict[str, Any]] = field(default_factory=list)
    duration_s: float = 0.0
    evidence: list[str] = field(default_factory=list)
    # What later gates, the undo and a resumed run need (releases, revisions); never secrets.
    output: GateOutput | None = None
    # When the gate produced this result (epoch seconds): kept in the cache with it, so a
    # result read back from the cache can say when the cache was filled. Not part of what the
    # result says, so two results alike compare equal whenever they were made.
    made_at: float = field(default_factory=time.time, compare=False)
    cached: bool = False  # taken from the cache in this launch: duration_s is this run's time
    # Taken from this earlier launch's ledger record by a resume (golive.resume): not run now.
    reused_from: int | None = None

    @property
    def category(self) -> Category:
        from golive.gates.registry import gate  # the registry imports this module

        return gate(self.gate).category

    @property
    def blocks_launch(self) -> bool:
        return self.blocking and self.status is Status.FAILED

    def redacted(self, redact: Callable[[str], str]) -> GateResult:
        """The result with its summary and every text in its details through `redact`."""
        return replace(
            self,
            summary=redact(self.summary),
            details=[{k: _redacted(v, redact) for k, v in row.items()} for row in self.details],
        )

    def from_cache(self, duration_s: float) -> GateResult:
        """This result as taken from the cache by a later run that spent duration_s on it."""
        return replace(self, cached=True, duration_s=duration_s)

    def reused(self, launch_id: int) -> GateResult:
        """This result as a resume takes it from launch `launch_id`'s record, not run again."""
        return replace(self, reused_from=launch_id, cached=False, duration_s=0.0)

    @property
    def made_at_iso(self) -> str:
        return datetime.fromtimestamp(self.made_at, UTC).isoformat(timespec="seconds")

    def cache_note(self) -> str:
        """`cached, filled <when>`: what the console, artifact and report say of a cached gate."""
        return f"cached, filled {self.made_at_iso}"

    def origin_note(self) -> str:
        """Where a result not made by this run came from (cache or resumed launch), or ""."""
        if self.reused_from is not None:
            return f"reused from launch {self.reused_from}, made {self.made_at_iso}"
        return self.cache_note() if self.cached else ""

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
            "cached": self.cached,
            "cached_at": self.made_at_iso if self.cached else None,
            "reused": self.reused_from is not None,
            "reused_from": self.reused_from,
        }


def _redacted(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_redacted(v, redact) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v, redact) for k, v in value.items()}
    return value


def passed(gate: str, summary: str, *, score: int = 100, **kw: Unpack[Extras]) -> GateResult:
    return GateResult(gate, Status.PASSED, False, score, summary, **kw)


def failed(
    gate: str, summary: str, *, blocking: bool = True, score: int = 0, **kw: Unpack[Extras]
) -> GateResult:
    return GateResult(gate, Status.FAILED, blocking, score, summary, **kw)


def warned(gate: str, summary: str, *, score: int = 70, **kw: Unpack[Extras]) -> GateResult:
    return GateResult(gate, Status.WARNED, False, score, summary, **kw)


def skipped(gate: str, summary: str, *, score: int = 0, **kw: Unpack[Extras]) -> GateResult:
    return GateResult(gate, Status.SKIPPED, False, score, summary, **kw)


def cancelled(gate: str, reason: str) -> GateResult:
    """A gate stopped because another one had already decided NO-GO: skipped, not failed."""
    return skipped(gate, f"cancelled: {reason}")
