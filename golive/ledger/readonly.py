"""The ledger read without changing it, for `golive plan`: live releases, the environment's
lock, and how long each gate took in recent launches.

`Ledger` migrates its database when it opens it; this reader never does. A SQLite ledger is
opened read-only (a missing file is not created), PostgreSQL in read-only transactions, and a
ledger that does not exist or has no tables yet reads as empty.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from golive import settings
from golive.errors import LedgerError
from golive.ledger.models import EnvironmentLock, GateRun, Launch, Release

RECENT = 10  # launches per gate whose durations make an estimate


@dataclass(frozen=True)
class Live:
    """A service's live release, and the launch that made it live."""

    release: str
    launch_id: int


@dataclass(frozen=True)
class History:
    """What the ledger says about one environment."""

    live: dict[str, Live]  # service -> its live release
    lock: str | None  # who holds the environment, or None
    durations: dict[str, float]  # gate -> median of its recent (not cached) durations, seconds
    launches: int  # finished launches counted


EMPTY = History({}, None, {}, 0)


def read_only_engine(url: str) -> Engine | None:
    """A read-only engine on a database (the ledger, a target's); None when it is a SQLite file
    that does not exist (opening it would make it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or not path.is_file():
            return None
        # The URI form opens the file read-only: nothing (not even a journal) is written.
        return create_engine(f"sqlite:///file:{quote(str(path))}?mode=ro&uri=true")
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, execution_options={"postgresql_readonly": True})
    return create_engine(url)


@contextmanager
def _session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        try:
            yield session
        finally:
            session.rollback()  # a reader commits nothing


def read_history(environment: str, url: str | None = None) -> History:
    """The environment's live releases, lock holder and median gate durations."""
    url = url or settings.ledger_url()
    try:
        engine = read_only_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise LedgerError(f"ledger database cannot be opened: {type(exc).__name__}") from None
    if engine is None:
        return EMPTY
    try:
        if not inspect(engine).has_table("gate_runs"):
            return EMPTY
        with _session(engine) as s:
            return History(
                live=_live(s, environment),
                lock=_lock(s, environment),
                durations=_durations(s, environment),
                launches=len(_finished(s, environment)),
            )
    except SQLAlchemyError as exc:
        raise LedgerError(
            f"ledger database {make_url(url).render_as_string(hide_password=True)} cannot be "
            f"read: {type(exc).__name__}; check GOLIVE_LEDGER_URL"
        ) from None
    finally:
        engine.dispose()


def _live(s: Session, environment: str) -> dict[str, Live]:
    rows = s.scalars(
        select(Release).where(Release.environment == environment, Release.status == "live")
    )
    return {r.service: Live(r.release_id, r.launch_id) for r in rows}


def _lock(s: Session, environment: str) -> str | None:
    held = s.get(EnvironmentLock, environment)
    if held is None:
        return None
    return f"launch {held.launch_id} (lease until {held.expires_at} UTC)"


def _finished(s: Session, environment: str) -> list[int]:
    """The ids of the environment's finished launches, newest first."""
    found = s.scalars(
        select(Launch.id)
        .where(Launch.environment == environment, Launch.finished_at.is_not(None))
        .order_by(Launch.id.desc())
    )
    return list(found)


def _durations(s: Session, environment: str) -> dict[str, float]:
    """Per gate, the median duration of its last RECENT runs that did the work (a result
    taken from the cache took none of it)."""
    runs = s.scalars(
        select(GateRun)
        .where(GateRun.launch_id.in_(_finished(s, environment)))
        .order_by(GateRun.id.desc())
    )
    seen: dict[str, list[float]] = {}
    for run in runs:
        if run.status == "skipped" or _was_cached(run.result):
            continue
        taken = seen.setdefault(run.gate, [])
        if len(taken) < RECENT:
            taken.append(run.duration_s)
    return {gate: statistics.median(values) for gate, values in seen.items() if values}


def _was_cached(result: str | None) -> bool:
    try:
        return bool(json.loads(result or "{}").get("cached"))
    except (ValueError, AttributeError):
        return False
