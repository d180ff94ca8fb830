"""A launch killed (kill -9) while a suite runs on its disposable PostgreSQL database leaves
that database behind (no `finally` runs); the note golive keeps beside the environment lets
recovery drop it, and only it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from golive.disposable import drop_leftovers
from tests.conftest import COMPOSED_PG, composed_target, postgres_env
from tests.golive.gates.test_tests_databases import pg_exists, production, rows, suite_toml

# Runs the tests gate as a launch would, its disposable databases noted in argv[2].
GATE_SCRIPT = """
import sys
from pathlib import Path
from golive.envfile import Redactor, read_env
from golive.gates.tests import SuiteDatabases, tests
from golive.manifest import load
from golive.migrations import open_migrations

m = load(Path(sys.argv[1]))
env = read_env(m.path(m.env.production))
world = SuiteDatabases(
    env,
    m.database.source,
    lambda placed: open_migrations(m, placed, Redactor(env)),
    m.database.seed,
    Path(sys.argv[2]),
)
tests(m.suites, m.root, m.root / "evidence", (), world)
"""


def wait_for(path: Path, proc: subprocess.Popen[bytes]) -> None:
    """Until the suite has written path (it does so once its database is made and migrated)."""
    deadline = time.monotonic() + 300  # generous: a bound for a broken run, not a measure
    while not path.exists():
        assert proc.poll() is None, "the gate ended before its suite started"
        assert time.monotonic() < deadline, "the suite never started"
        time.sleep(0.1)


def test_recovery_drops_the_database_of_a_killed_suite(tmp_path: Path, postgres_url: str) -> None:
    env = postgres_env(postgres_url)
    manifest = composed_target(tmp_path, COMPOSED_PG, env, suite_toml("hang"))
    production(manifest)
    notes = tmp_path / "env" / "test-databases"
    gate = subprocess.Popen(
        [sys.executable, "-c", GATE_SCRIPT, str(manifest), str(notes)],
        cwd=Path(__file__).parents[2],
        start_new_session=True,
    )
    try:
        wait_for(tmp_path / "suite-database.txt", gate)
    finally:
        os.killpg(gate.pid, signal.SIGKILL)
        gate.wait()
    name = (tmp_path / "suite-database.txt").read_text()
    assert pg_exists(postgres_url, name), "the kill should have left the database behind"
    assert [p.name for p in notes.iterdir()] == [name]
    (notes / "golive_rehearsal_not_a_note").write_text("")  # not a suite's: left alone

    lines = drop_leftovers(postgres_url, notes)

    assert lines == [f"test database {name} left by the suites dropped"]
    assert not pg_exists(postgres_url, name)
    assert sorted(p.name for p in notes.iterdir()) == ["golive_rehearsal_not_a_note"]
    assert rows(postgres_url) == ["customer", "seeded"]  # production's rows untouched
