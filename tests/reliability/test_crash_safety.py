"""Fault tests: a launch killed with kill -9 (in Hour 1, in Hour 2) or interrupted with Ctrl-C
leaves nothing half done for long.

A rerun takes the environment over from the dead holder at once (its process is gone), recovers
(the database back at the revision the dead launch started from, the last GO release serving),
and ends GO; `golive history` shows the killed launch CRASHED. Ctrl-C undoes the launch before
golive exits 130. Real processes, a real SQLite database, real alembic; every wait is on a
condition (a marker file, a database revision), never a fixed sleep.
"""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest

from tests.reliability.blocked_launches import (
    Launches,
    api_release,
    assert_interrupted_and_undone,
    assert_recovered_and_go,
    block_after_a_go_launch,
)

pytestmark = pytest.mark.slow


def test_kill_9_in_hour_2_then_a_rerun_recovers_and_goes_live(
    launches: Launches, target: Path, tmp_path: Path
) -> None:
    blocked = block_after_a_go_launch(launches, target, tmp_path, "smoke")
    assert launches.revision() == "0004" and api_release(launches.home) != blocked.good
    killed = max(launch.id for launch in launches.ledger().recent_launches())
    launches.kill_9(blocked.proc)

    blocked.gate.touch()  # the rerun's smoke check answers at once
    rerun = launches.run()
    assert_recovered_and_go(launches, killed, rerun)
    assert "database: downgraded to 0003" in (rerun.stdout + rerun.stderr)


def test_kill_9_in_hour_1_then_a_rerun_reverts_the_migration_first(
    launches: Launches, target: Path, tmp_path: Path
) -> None:
    blocked = block_after_a_go_launch(launches, target, tmp_path, "tests")
    killed = max(launch.id for launch in launches.ledger().recent_launches())
    launches.kill_9(blocked.proc, suite_pid=int(blocked.marker.read_text()))

    blocked.gate.touch()
    rerun = launches.run()
    assert_recovered_and_go(launches, killed, rerun)


def test_ctrl_c_after_deploy_undoes_the_launch_and_exits_130(
    launches: Launches, target: Path, tmp_path: Path
) -> None:
    blocked = block_after_a_go_launch(launches, target, tmp_path, "smoke")
    blocked.proc.send_signal(signal.SIGINT)
    code = blocked.proc.wait(timeout=300)
    blocked.gate.touch()
    assert_interrupted_and_undone(launches, blocked, code)


def seeded_users(launches: Launches) -> list[str]:
    db = sqlite3.connect(launches.db.removeprefix("sqlite:///"))
    try:
        rows = db.execute("SELECT name FROM users WHERE name LIKE 'seed-%'").fetchall()
    finally:
        db.close()
    return [name for (name,) in rows]


def test_kill_9_during_the_seed_then_a_rerun_restores_the_backup(
    launches: Launches, target: Path, tmp_path: Path
) -> None:
    """A seed's rows are what no downgrade removes: a launch killed while seeding is recovered
    from the backup taken before its upgrade, so only the rerun's seed is left."""
    blocked = block_after_a_go_launch(launches, target, tmp_path, "seed")
    seeder = int(blocked.marker.read_text())
    assert seeded_users(launches) == [f"seed-{seeder}"]
    killed = max(launch.id for launch in launches.ledger().recent_launches())
    launches.kill_9(blocked.proc, suite_pid=seeder)

    blocked.gate.touch()  # the rerun's seed goes on at once
    rerun = launches.run()
    assert_recovered_and_go(launches, killed, rerun)
    assert "the upgrade or the seed stopped part-way; restored the backup" in (
        rerun.stdout + rerun.stderr
    )
    rerun_seed = seeded_users(launches)
    assert len(rerun_seed) == 1 and rerun_seed != [f"seed-{seeder}"]
