"""The verdict: GO only when every required gate ran and none blocks."""

from __future__ import annotations

from golive.gates.registry import Variant, required_gates
from golive.results import Category, GateResult, failed, passed, skipped, warned
from golive.scorecard import decide


def all_passing(variant: Variant) -> list[GateResult]:
    return [passed(g, "ok") for g in required_gates(variant)]


def test_everything_passing_is_go_with_one_row_per_category() -> None:
    card = decide(all_passing("full"), "full")
    assert card.verdict == "GO" and card.reasons == []
    assert [r.category for r in card.rows] == [c.value for c in Category]


def test_soft_needs_no_load_gate() -> None:
    assert decide(all_passing("soft"), "soft").go
    assert not decide(all_passing("soft"), "full").go  # full without load did not finish


def test_a_blocking_failure_is_no_go_naming_gate_and_reason() -> None:
    results = all_passing("full")
    results[1] = failed("audit", "1 known vulnerability: urllib3 1.24.1 (PYSEC-2019-133)")
    card = decide(results, "full")
    assert card.verdict == "NO-GO"
    assert card.reasons == ["audit: 1 known vulnerability: urllib3 1.24.1 (PYSEC-2019-133)"]
    assert next(r for r in card.rows if r.category == "Security").blocking


def test_warnings_and_non_blocking_failures_do_not_stop_a_launch() -> None:
    results = all_passing("full")
    results[2] = warned("tests", "1 flaky suite")
    results[6] = failed("monitor", "x", blocking=False)
    assert decide(results, "full").go


def test_a_skipped_required_gate_is_no_go() -> None:
    results = all_passing("full")
    results[-1] = skipped("load", "no profile")
    card = decide(results, "full")
    assert card.reasons == ["load: did not run"]
