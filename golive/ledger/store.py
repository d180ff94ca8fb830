"""Ledger access: opening (and migrating) the database, and the questions golive asks it."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, delete, select, update
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from golive import settings
from golive.backup import Backup
from golive.errors import LedgerError
from golive.files import exclusive_lock, private_file
from golive.gates.outputs import BuiltRelease
from golive.gates.registry import result_from_json, result_to_json
from golive.ledger.head import at_head
from golive.ledger.models import (
    Approval,
    BackupRow,
    EnvironmentEvent,
    EnvironmentLock,
    GateRun,
    Launch,
    Release,
    utcnow,
)
from golive.results import GateResult

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class LiveRelease:
    """A service's live release in an environment (the last known good): the launch that made
    it live (whose configuration it runs with), and since when."""

    release: BuiltRelease
    since: datetime
    launch_id: int


class Ledger:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or settings.ledger_url()
        try:
            if self.url.startswith("sqlite:///"):
                private_file(Path(self.url.removeprefix("sqlite:///")))  # the launches' record
            self.engine = create_engine(self.url)
        except (OSError, ArgumentError, ImportError) as exc:  # a folder, a URL, a driver
            raise LedgerError(
                f"ledger database cannot be opened: {type(exc).__name__}; check GOLIVE_LEDGER_URL"
                " (or GOLIVE_HOME, where the ledger lives by default)"
            ) from None
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self._migrate()

    def _migration_lock(self) -> AbstractContextManager[None]:
        """One migration of a SQLite ledger at a time: two golives opening a new ledger at
        once (a launch and `golive status`, a flow's thread and its caller) would both create
        its tables, and one would fail. A server database serializes its own DDL."""
        if not self.url.startswith("sqlite:///"):
            return nullcontext()
        return exclusive_lock(Path(self.url.removeprefix("sqlite:///") + ".migrate-lock"))

    def _migrate(self) -> None:
        if at_head(self.engine, MIGRATIONS / "versions"):
            return  # the usual case, without importing alembic (golive.ledger.head)
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self._migration_lock():
                if at_head(self.engine, MIGRATIONS / "versions"):
                    return  # another golive (a process, a flow's thread) migrated it meanwhile
                with self.engine.begin() as connection:
                    cfg.attributes["connection"] = connection
                    command.upgrade(cfg, "head")
        except (SQLAlchemyError, OSError) as exc:  # OSError: a lock file it cannot write
            raise LedgerError(
                f"ledger database {self.engine.url.render_as_string(hide_password=True)} "
                f"cannot be opened: {type(exc).__name__}; check GOLIVE_LEDGER_URL"
            ) from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._session.begin() as session:
            yield session

    def start_launch(
        self,
        *,
        target: str,
        environment: str,
        variant: str,
        rehearsal: bool,
        flow_run_id: str | None = None,
        manifest: str | None = None,
        resumed_from: int | None = None,
    ) -> int:
        with self.session() as s:
            launch = Launch(
                target=target,
                environment=environment,
                variant=variant,
                rehearsal=rehearsal,
                flow_run_id=flow_run_id,
                manifest=manifest,
                reasons="",
                resumed_from=resumed_from,
            )
            s.add(launch)
            s.flush()
            return launch.id

    def record_revision_before(self, launch_id: int, revision: str | None) -> None:
        """The database revision before this launch migrates anything (None: empty database)."""
        with self.session() as s:
            s.execute(
                update(Launch)
                .where(Launch.id == launch_id)
                .values(revision_before=revision, revision_recorded=True)
            )

    def record_gate(
        self,
        launch_id: int,
        result: GateResult,
        stage: int | None = None,
        inputs: str | None = None,
    ) -> None:
        with self.session() as s:
            s.add(
                GateRun(
                    launch_id=launch_id,
                    gate=result.gate,
                    category=result.category.value,
                    status=result.status.value,
                    blocking=result.blocks_launch,
                    score=result.score,
                    summary=result.summary,
                    duration_s=result.duration_s,
                    stage=stage,
                    result=result_to_json(result),
                    inputs=inputs,
                )
            )

    def gate_results(self, launch_id: int, stage: int | None = None) -> list[GateResult]:
        """The results a launch recorded (of one stage, if given), rebuilt with their outputs."""
        return [
            result_from_json(g.result)
            for g in self.gate_runs(launch_id)
            if g.result is not None and (stage is None or g.stage == stage)
        ]

    def launch(self, launch_id: int) -> Launch | None:
        with self.session() as s:
            return s.get(Launch, launch_id)

    def launch_for_flow_run(self, flow_run_id: str) -> Launch | None:
        """The launch a flow run started (a resumed, suspended run finds its own again)."""
        with self.session() as s:
            return s.scalars(select(Launch).where(Launch.flow_run_id == flow_run_id)).first()

    def finish_launch(self, launch_id: int, verdict: str, reasons: list[str]) -> None:
        with self.session() as s:
            s.execute(
                update(Launch)
                .where(Launch.id == launch_id)
                .values(verdict=verdict, reasons="\n".join(reasons), finished_at=utcnow())
            )

    def gate_runs(self, launch_id: int) -> list[GateRun]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(GateRun).where(GateRun.launch_id == launch_id).order_by(GateRun.id)
                )
            )

    def passed_gates(self, launch_id: int) -> list[str]:
        return [g.gate for g in self.gate_runs(launch_id) if g.status == "passed"]

    def recent_launches(self, limit: int = 20) -> list[Launch]:
        with self.session() as s:
            return list(s.scalars(select(Launch).order_by(Launch.id.desc()).limit(limit)))

    def live_releases(self, environment: str) -> dict[str, LiveRelease]:
        """The last known good release of each service in an environment: what a NO-GO or a
        recovery puts back. A candidate (deployed, not yet GO) never counts."""
        with self.session() as s:
            rows = s.scalars(
                select(Release).where(Release.environment == environment, Release.status == "live")
            )
            return {
                r.service: LiveRelease(
                    BuiltRelease(release_id=r.release_id, path=r.path), r.created_at, r.launch_id
                )
                for r in rows
            }

    def record_candidates(
        self, launch_id: int, environment: str, releases: dict[str, BuiltRelease]
    ) -> None:
        """These releases were deployed by this launch: candidates until it ends GO."""
        with self.session() as s:
            for service, built in releases.items():
                s.add(
                    Release(
                        launch_id=launch_id,
                        environment=environment,
                        service=service,
                        release_id=built.release_id,
                        path=built.path,
                        status="candidate",
                    )
                )

    def promote(self, launch_id: int, environment: str) -> None:
        """GO: this launch's candidates become live, retiring what was live for those services."""
        with self.session() as s:
            services = select(Release.service).where(
                Release.launch_id == launch_id,
                Release.environment == environment,
                Release.status == "candidate",
            )
            s.execute(
                update(Release)
                .where(
                    Release.environment == environment,
                    Release.status == "live",
                    Release.service.in_(services.scalar_subquery()),
                )
                .values(status="retired", replaced_by=launch_id)
            )
            s.execute(
                update(Release)
                .where(Release.launch_id == launch_id, Release.status == "candidate")
                .values(status="live")
            )

    def roll_back(self, launch_id: int, environment: str) -> None:
        """NO-GO or a crash: this launch's candidates are rolled back; what was live stays live."""
        with self.session() as s:
            s.execute(
                update(Release)
                .where(
                    Release.launch_id == launch_id,
                    Release.environment == environment,
                    Release.status == "candidate",
                )
                .values(status="rolled_back")
            )

    def record_backup(
        self, launch_id: int, environment: str, saved: Backup, revision: str | None
    ) -> None:
        with self.session() as s:
            s.add(
                BackupRow(
                    launch_id=launch_id,
                    environment=environment,
                    kind=saved.kind,
                    path=str(saved.path),
                    size=saved.size,
                    sha256=saved.sha256,
                    revision=revision,
                )
            )

    def backup_of(self, launch_id: int) -> tuple[Launch, Backup, str | None] | None:
        """The launch and the backup its migrate gate took (with the revision it was at)."""
        with self.session() as s:
            launch = s.get(Launch, launch_id)
            row = s.scalars(
                select(BackupRow)
                .where(BackupRow.launch_id == launch_id)
                .order_by(BackupRow.id.desc())
            ).first()
            if launch is None or row is None:
                return None
            return launch, Backup(Path(row.path), row.size, row.sha256, row.kind), row.revision

    def lock_environment(
        self, environment: str, launch_id: int, flow_run_id: str | None, lease_s: float
    ) -> EnvironmentLock | None:
        """Take the environment for this launch, for `lease_s` seconds unless renewed: None when
        taken (or ours already: a resumed run), else the current holder."""
        expires = utcnow() + timedelta(seconds=lease_s)
        try:
            with self.session() as s:
                s.add(
                    EnvironmentLock(
                        environment=environment,
                        launch_id=launch_id,
                        flow_run_id=flow_run_id,
                        expires_at=expires,
                        holder_host=socket.gethostname(),
                        holder_pid=os.getpid(),
                    )
                )
            return None
        except IntegrityError:
            holder = self.lock_holder(environment)
            if holder is not None and holder.launch_id == launch_id:  # a resumed run: now ours
                with self.session() as s:
                    s.execute(
                        update(EnvironmentLock)
                        .where(EnvironmentLock.environment == environment)
                        .values(
                            expires_at=expires,
                            holder_host=socket.gethostname(),
                            holder_pid=os.getpid(),
                        )
                    )
                return None
            return holder

    def lock_holder(self, environment: str) -> EnvironmentLock | None:
        with self.session() as s:
            return s.get(EnvironmentLock, environment)

    def renew_lock(self, environment: str, launch_id: int, until: datetime) -> bool:
        """Push this launch's lease to `until`; False when the lock is no longer its own."""
        with self.session() as s:
            done = s.execute(
                update(EnvironmentLock)
                .where(
                    EnvironmentLock.environment == environment,
                    EnvironmentLock.launch_id == launch_id,
                )
                .values(expires_at=until)
            )
            return bool(done.rowcount)  # type: ignore[attr-defined]

    def record_event(
        self, environment: str, launch_id: int | None, action: str, actor: str, reason: str
    ) -> None:
        """An unlock, a recovery or a takeover, with who did it and why."""
        with self.session() as s:
            s.add(
                EnvironmentEvent(
                    environment=environment,
                    launch_id=launch_id,
                    action=action,
                    actor=actor,
                    reason=reason,
                )
            )

    def events(self, environment: str) -> list[EnvironmentEvent]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(EnvironmentEvent)
                    .where(EnvironmentEvent.environment == environment)
                    .order_by(EnvironmentEvent.id)
                )
            )

    def unlock_environment(self, environment: str, launch_id: int) -> None:
        with self.session() as s:
            s.execute(
                delete(EnvironmentLock).where(
                    EnvironmentLock.environment == environment,
                    EnvironmentLock.launch_id == launch_id,
                )
            )

    def record_approval(
        self, launch_id: int, stage: int, approver: str, approved: bool, note: str
    ) -> Approval:
        with self.session() as s:
            row = Approval(
                launch_id=launch_id, stage=stage, approver=approver, approved=approved, note=note
            )
            s.add(row)
            s.flush()
            return row

    def approvals(self, launch_id: int) -> list[Approval]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(Approval).where(Approval.launch_id == launch_id).order_by(Approval.id)
                )
            )

    def retire_environment(self, environment: str) -> None:
        """An environment torn down has nothing live (or about to be) any more."""
        with self.session() as s:
            s.execute(
                update(Release)
                .where(
                    Release.environment == environment,
                    Release.status.in_(("live", "candidate")),
                )
                .values(status="retired")
            )


_open: dict[str, Ledger] = {}


def open_ledger(url: str | None = None) -> Ledger:
    """One migrated Ledger per URL per process."""
    url = url or settings.ledger_url()
    if url not in _open:
        _open[url] = Ledger(url)
    return _open[url]
