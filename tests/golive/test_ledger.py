"""The ledger: its own migrations, launches and gates, and the last known good release."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from golive.backup import Backup
from golive.errors import GoliveError
from golive.gates.outputs import BuiltRelease, MigrateOutput
from golive.ledger import Ledger
from golive.results import GateResult, failed, passed


def built(release_id: str, path: str) -> BuiltRelease:
    return BuiltRelease(release_id=release_id, path=path)


def test_migrates_itself_and_records_a_launch(tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'sub' / 'ledger.db'}")
    assert {"launches", "gate_runs", "releases", "alembic_version"} <= set(
        inspect(ledger.engine).get_table_names()
    )
    launch = ledger.start_launch(
        target="azora", environment="production", variant="full", rehearsal=False
    )
    ledger.record_gate(launch, passed("configure", "ok"))
    ledger.record_gate(launch, failed("audit", "vulnerable"))
    ledger.finish_launch(launch, "NO-GO", ["audit: vulnerable"])
    assert ledger.passed_gates(launch) == ["configure"]
    (row,) = ledger.recent_launches()
    assert (row.verdict, row.reasons) == ("NO-GO", "audit: vulnerable")
    Ledger(ledger.url)  # opening again runs no migration twice


def test_a_release_is_live_only_after_go_and_a_rollback_leaves_the_last_good_one(
    tmp_path: Path,
) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    first = ledger.start_launch(target="a", environment="prod", variant="full", rehearsal=False)
    ledger.record_candidates(first, "prod", {"api": built("r1", "/releases/api/r1")})
    assert ledger.live_releases("prod") == {}, "deployed is not live before GO"
    ledger.promote(first, "prod")
    second = ledger.start_launch(target="a", environment="prod", variant="full", rehearsal=False)
    ledger.record_candidates(second, "prod", {"api": built("r2", "/releases/api/r2")})
    assert ledger.live_releases("prod")["api"].release.release_id == "r1"
    ledger.roll_back(second, "prod")
    assert ledger.live_releases("prod")["api"].release.release_id == "r1"
    third = ledger.start_launch(target="a", environment="prod", variant="full", rehearsal=False)
    ledger.record_candidates(third, "prod", {"api": built("r3", "/r3"), "web": built("w3", "/w3")})
    ledger.promote(third, "prod")
    live = ledger.live_releases("prod")
    assert {s: r.release.release_id for s, r in live.items()} == {"api": "r3", "web": "w3"}
    assert ledger.live_releases("staging") == {}


def test_an_unusable_ledger_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        GoliveError, match=r"ledger database .* cannot be opened.*GOLIVE_LEDGER_URL"
    ) as err:
        Ledger("postgresql+psycopg://golive:secret-pw@127.0.0.1:1/ledger")
    assert "secret-pw" not in str(err.value)


def test_a_gate_result_comes_back_exactly_with_its_typed_output(tmp_path: Path) -> None:
    """What a resumed or recovered run reads: the result as the gate returned it."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    launch = ledger.start_launch(target="a", environment="prod", variant="full", rehearsal=False)
    saved = Backup(tmp_path / "backup.dump", 1234, "ab" * 32, "pg_dump")
    migrated = passed(
        "migrate",
        "upgraded 0001 -> 0003 (2 revisions)",
        details=[{"revision": "0002", "from": "0001"}],
        evidence=[str(tmp_path / "upgrade.sql")],
        duration_s=1.5,
        output=MigrateOutput(before="0001", after="0003", heads=("0003",), backup=saved),
    )
    ledger.record_gate(launch, migrated, stage=1)
    ledger.record_gate(launch, failed("tests", "1 failed"), stage=1)
    ledger.record_gate(launch, passed("build", "1 release"), stage=2)
    again: list[GateResult] = ledger.gate_results(launch, stage=1)
    assert again == [migrated, failed("tests", "1 failed")]
    assert again[0].made_at == migrated.made_at and not again[0].cached  # when it was made
    assert isinstance(again[0].output, MigrateOutput) and again[0].output.applied
    assert again[0].output.backup == saved
    assert [r.gate for r in ledger.gate_results(launch)] == ["migrate", "tests", "build"]
