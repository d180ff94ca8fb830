"""What each gate hands on: its frozen, typed output, next to its GateResult.

Later gates, the undo after a NO-GO and a resumed or recovered run read these, never prose or
a free-form dict. Each is a frozen pydantic model, so the ledger stores it as JSON and a later
process rebuilds it exactly (`model_validate_json`). Never a secret value.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from golive.backup import Backup


class GateOutput(BaseModel):
    """Base of every gate's output: frozen, and strict about its fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class AuditOutput(GateOutput):
    audited: int = 0  # pinned Python packages pip-audit checked
    npm_lockfiles: int = 0
    not_audited: tuple[str, ...] = ()
    blocking: int = 0
    expired_allowlist: tuple[str, ...] = ()
    block_at: str = ""


class MigrateOutput(GateOutput):
    """The database revision before and after the upgrade, and the backup taken before it."""

    before: str | None = None
    after: str | None = None
    heads: tuple[str, ...] = ()
    backup: Backup | None = None
    # The manifest's seed: None when it has none (or it did not get to run), True when it ran,
    # False when it failed (its rows are undone by restoring the backup).
    seeded: bool | None = None
    # A failed upgrade may leave changes at the same version (a step outside a transaction:
    # SQLite DDL, a command tool's non-transactional migration): only the backup undoes them.
    upgrade_failed: bool = False

    @property
    def applied(self) -> bool:
        """Whether the upgrade changed the database's revision, or a failed seed may have
        written to it (so a NO-GO must put it back)."""
        return (self.after is not None and self.after != self.before) or self.seeded is False

    @property
    def left_partial(self) -> bool:
        """Whether the upgrade or the seed failed part-way: what it left no downgrade undoes,
        only the backup."""
        return self.upgrade_failed or self.seeded is False

    @property
    def needs_undo(self) -> bool:
        """Whether a NO-GO must put the database back: it moved, or an upgrade failed on it."""
        return self.applied or (self.upgrade_failed and self.backup is not None)


class BuiltRelease(GateOutput):
    """One service's immutable release: its folder in the store and, on docker, its image."""

    release_id: str
    path: str
    image: str | None = None
    image_id: str | None = None


class BuildOutput(GateOutput):
    releases: dict[str, BuiltRelease]


class DeployOutput(GateOutput):
    """started: services this deploy started (healthy or not); replaced: services whose running
    release it stopped first; unchanged: services already running the release, left alone.
    A deploy that replaced nothing has nothing to roll back."""

    started: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


class MonitorOutput(GateOutput):
    prometheus: Literal["started", "existing", "none"]
    prometheus_url: str | None = None


class EndpointStats(GateOutput):
    """One row of locust's table (the total row is named `Aggregated`)."""

    endpoint: str
    requests: int
    failures: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rps: float


class Margin(GateOutput):
    """A load threshold and how much of it was left (negative: crossed)."""

    threshold: str
    measured: float
    limit: float
    headroom_ratio: float

    @property
    def headroom(self) -> str:
        return f"{self.headroom_ratio:.0%}"


class LoadOutput(GateOutput):
    """users: the (heaviest measured) user count; steps and held: a ramp's user counts and
    those that held every threshold; by_step: each measured step's endpoint table."""

    users: int = 0
    workers: int = 1
    rps: float = 0.0
    endpoints: tuple[EndpointStats, ...] = ()
    margins: tuple[Margin, ...] = ()
    steps: tuple[int, ...] = ()
    held: tuple[int, ...] = ()
    by_step: dict[str, tuple[EndpointStats, ...]] = {}


class ServiceRollback(GateOutput):
    """What the rollback did to one service: its previous release serving again, or not."""

    service: str
    # stopped: no earlier release to restore; kept: it was still serving, left alone
    outcome: Literal["restored", "failed", "stopped", "kept"]
    release_id: str | None = None
    problem: str = ""

    @property
    def line(self) -> str:
        """One line for the report."""
        if self.outcome == "stopped":
            return f"{self.service}: stopped (no earlier release to restore)"
        rid = (self.release_id or "?")[:8]
        if self.outcome == "kept":
            return f"{self.service}: release {rid} still serving (left alone)"
        if self.outcome == "failed":
            return f"{self.service}: release {rid} FAILED to restart: {self.problem}"
        return f"{self.service}: release {rid} serving again"


class BakeMeasurement(GateOutput):
    """One check's value at one measurement of a canary's bake."""

    measurement: int  # 1, 2, ...
    at_s: float  # seconds into the bake
    check: str
    release: str  # the canary's release id the query selected, "-" when it names none
    value: float | None = None  # None: no data, or the query failed (note says which)
    threshold: str
    decision: Literal["passed", "failed", "warned"]
    note: str = "-"


class BakeOutput(GateOutput):
    """canaries: service → the release id that baked; measurements over time; aborted_at: the
    measurement that reached failure_limit (None: the bake ran its whole duration)."""

    canaries: dict[str, str] = {}
    measurements: tuple[BakeMeasurement, ...] = ()
    aborted_at: int | None = None
