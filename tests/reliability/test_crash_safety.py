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
