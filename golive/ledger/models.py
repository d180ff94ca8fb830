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
    verdict: Mapped[str | None] = mapped_column(String(10))  # GO, NO-GO; None while running
    reasons: Mapped[str] = mapped_column(Text, default="")


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


class Release(Base):
    """One service's release in one environment. status: live, retired, rolled_back."""

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
