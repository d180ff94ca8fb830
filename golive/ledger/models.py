"""Ledger tables: launches, the gate runs of each, and releases per environment and service."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Launch(Base):
    __tablename__ = "launches"

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(80))
    environment: Mapped[str] = mapped_column(String(80), index=True)
    variant: Mapped[str] = mapped_column(String(20))
    rehearsal: Mapped[bool]
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # GO, NO-GO, REFUSED, CRASHED; None while running
    verdict: Mapped[str | None] = mapped_column(String(10))
    reasons: Mapped[str] = mapped_column(Text, default="")
    manifest: Mapped[str | None] = mapped_column(Text)  # so a later process can recover it
    # The database revision before this launch migrated (None: an empty database), recorded
    # by the migrate gate before it changes anything; revision_recorded says it was.
    revision_before: Mapped[str | None] = mapped_column(String(64))
    revision_recorded: Mapped[bool] = mapped_column(default=False)
    # The target's git commit at launch time (None: not a git checkout): for lead time (DORA).
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    committed_at: Mapped[datetime | None]
    # The NO-GO or CRASHED launch this one resumed (`golive resume`); None for a fresh launch.
    resumed_from: Mapped[int | None]


class GateRun(Base):
    __tablename__ = "gate_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id"), index=True)
    gate: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    blocking: Mapped[bool]
    score: Mapped[int]
    summary: Mapped[str] = mapped_column(Text)
    duration_s: Mapped[float]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    stage: Mapped[int | None]  # the stage of a staged launch that ran it
    # The whole GateResult as JSON (golive.gates.registry.result_to_json); None before 0005.
    result: Mapped[str | None] = mapped_column(Text)
    # What the gate ran on, as named digests (golive.resume.Inputs as JSON; never a value):
    # a resume reuses the result only while they are unchanged. None: not recorded.
    inputs: Mapped[str | None] = mapped_column(Text)


class Release(Base):
    """One service's release in one environment. status: candidate (deployed, not yet GO),
    live (the last known good), retired (replaced by a later GO), rolled_back."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id"), index=True)
    environment: Mapped[str] = mapped_column(String(80), index=True)
    service: Mapped[str] = mapped_column(String(40))
    release_id: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_by: Mapped[int | None]  # the launch whose release retired this one


class BackupRow(Base):
    """A database backup taken by a launch's migrate gate, restorable with `golive restore`."""

    __tablename__ = "backups"

    id: Mapped[int] = mapped_column(primary_key=True)
    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id"), index=True)
    environment: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    revision: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EnvironmentLock(Base):
    """Held by the one launch running in an environment; a second launch is refused or waits."""

    __tablename__ = "environment_locks"

    environment: Mapped[str] = mapped_column(String(80), primary_key=True)
    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id"))
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A lease: the holder keeps pushing this forward; past it, the holder is taken for dead.
    expires_at: Mapped[datetime | None]
    # The process holding it: on the same host, a holder whose process is gone is dead at once.
    holder_host: Mapped[str | None] = mapped_column(String(255))
    holder_pid: Mapped[int | None]


class Approval(Base):
    """A person's decision between two stages of a staged launch."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id"), index=True)
    stage: Mapped[int]  # the stage this decision lets start (or aborts)
    approver: Mapped[str] = mapped_column(String(120))
    approved: Mapped[bool]
    note: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class EnvironmentEvent(Base):
    """Something done to an environment outside a launch's gates: an unlock, a recovery."""

    __tablename__ = "environment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    environment: Mapped[str] = mapped_column(String(80), index=True)
    launch_id: Mapped[int | None] = mapped_column(ForeignKey("launches.id"))
    action: Mapped[str] = mapped_column(String(20))  # unlock, recover, takeover
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
