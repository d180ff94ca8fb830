"""Fault test: a rehearsal never touches production, whatever its database.

A PostgreSQL-backed copy of the example is launched to production; then a rehearsal of a new
revision runs beside it on the same host while a poller watches production's alembic_version
and its services' PIDs. Nothing of production may change, the rehearsal must end GO on its own
database (a copy of production's, migrated to the new head) and its own ports, and that
database is dropped at teardown. A real PostgreSQL server, real alembic, real processes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from flows.launch import run_launch
from golive.backends.process import ProcessBackend
from golive.gates.migrate import current_revision
from golive.ledger import open_ledger
from golive.request import LaunchRequest
from tests.conftest import add_nickname_revision, run_golive

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def use_database(target: Path, url: str) -> None:
    env_file = target.parent / ".env.production"
    lines = [
        f"DATABASE_URL={url}" if line.startswith("DATABASE_URL=") else line
        for line in env_file.read_text().splitlines()
    ]
    env_file.write_text("\n".join(lines) + "\n")


class Poller:
    """Reads production's revision and service PIDs until stopped; records every change."""

    def __init__(self, url: str, env_dir: Path) -> None:
        self.url, self.env_dir = url, env_dir
        self.seen: set[tuple[str | None, tuple[tuple[str, str], ...]]] = set()
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def snapshot(self) -> tuple[str | None, tuple[tuple[str, str], ...]]:
        pids = sorted(
            (p.stem, str(json.loads(p.read_text())["pid"]))
            for p in (self.env_dir / "run").glob("*.json")
        )
        return current_revision(self.url), tuple(pids)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.seen.add(self.snapshot())
            self.polls += 1

    def __enter__(self) -> Poller:
        self.seen.add(self.snapshot())
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.seen.add(self.snapshot())


def databases(url: str) -> set[str]:
    """The databases on url's server named after url's database (its rehearsal copies are):
    other tests, running in parallel, make and drop databases of their own there."""
    parsed = make_url(url)
    engine = create_engine(parsed, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            names = conn.execute(text("SELECT datname FROM pg_database")).scalars()
            return {name for name in names if name.startswith(str(parsed.database))}
    finally:
        engine.dispose()


@pytest.fixture
def production(target: Path, golive_home: Path, postgres_url: str) -> Iterator[Path]:
    """The example on PostgreSQL, launched to production (soft: api and payments)."""
    use_database(target, postgres_url)
    report = run_launch(LaunchRequest(manifest=str(target), variant="soft"))
    assert report["verdict"] == "GO", report["reasons"]
    yield golive_home / "environments" / "production"


def test_a_rehearsal_beside_live_production_changes_nothing_of_it(
    production: Path, target: Path, postgres_url: str
) -> None:
    assert current_revision(postgres_url) == "0003"
    add_nickname_revision(target)
    before = databases(postgres_url)

    with Poller(postgres_url, production) as poller:
        report = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=True))

    assert report["verdict"] == "GO", report["reasons"]
    assert poller.polls > 0
    assert len(poller.seen) == 1, f"production changed during the rehearsal: {poller.seen}"
    assert current_revision(postgres_url) == "0003"
    migrate = next(g for g in report["gates"] if g["gate"] == "migrate")
    assert "upgraded 0003 -> 0004" in migrate["summary"]  # its copy of production's data
    assert databases(postgres_url) == before, "the rehearsal's database is dropped at teardown"
    running = ProcessBackend(production).running()
    assert set(running) == {"api", "payments"}  # production serves on, untouched


def test_a_rehearsals_backup_is_never_restored_onto_production(
    production: Path, target: Path, golive_home: Path
) -> None:
    report = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=True))
    assert report["verdict"] == "GO", report["reasons"]
    launch = report["launch_id"]
    found = open_ledger().backup_of(launch)
    assert found is not None and found[1].path.is_file(), "kept after the rehearsal's teardown"
    refused = run_golive("restore", "--launch", str(launch), "--manifest", str(target))
    assert refused.returncode == 2
    assert "was a rehearsal" in refused.stderr and "never restores it onto production" in (
        refused.stderr
    )
