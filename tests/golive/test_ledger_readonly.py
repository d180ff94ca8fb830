"""golive.ledger.readonly: the ledger read without a write, and what `golive plan` takes from it
(live releases, the lock, median gate durations that leave out cached results)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from golive.gates.outputs import BuiltRelease
from golive.ledger import Ledger
from golive.ledger.readonly import read_history
from golive.results import GateResult, Status


def result(gate: str, duration_s: float, cached: bool = False) -> GateResult:
    return GateResult(
        gate=gate,
        status=Status.PASSED,
        blocking=False,
        score=100,
        summary="ok",
        duration_s=duration_s,
        cached=cached,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_history_reads_live_releases_the_lock_and_median_durations(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    url = f"sqlite:///{path}"
    ledger = Ledger(url)
    for took in (10.0, 30.0, 20.0):
        launch = ledger.start_launch(
            target="t", environment="production", variant="full", rehearsal=False
        )
        ledger.record_gate(launch, result("tests", took))
        ledger.record_gate(launch, result("audit", 999.0, cached=True))
        ledger.record_candidates(
            launch, "production", {"api": BuiltRelease(release_id=f"r{took:.0f}", path="/r")}
        )
        ledger.promote(launch, "production")
        ledger.finish_launch(launch, "GO", [])
    other = ledger.start_launch(target="t", environment="staging", variant="full", rehearsal=False)
    ledger.record_gate(other, result("tests", 500.0))
    ledger.finish_launch(other, "GO", [])
    running = ledger.start_launch(
        target="t", environment="production", variant="full", rehearsal=False
    )
    ledger.lock_environment("production", running, None, 60)
    ledger.engine.dispose()
    before = digest(path)

    history = read_history("production", url)

    assert history.durations == {"tests": 20.0}  # cached audits did no work; staging's not ours
    assert {k: v.release for k, v in history.live.items()} == {"api": "r20"}
    assert history.lock is not None and f"launch {running}" in history.lock
    assert history.launches == 3
    assert digest(path) == before


def test_no_ledger_reads_as_empty_and_makes_none(tmp_path: Path) -> None:
    path = tmp_path / "none" / "ledger.db"

    history = read_history("production", f"sqlite:///{path}")

    assert history.launches == 0 and not history.live and history.lock is None
    assert not path.exists() and not path.parent.exists()
