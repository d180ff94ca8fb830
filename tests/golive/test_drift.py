"""Rehearsal drift on two real rehearsals' results, built from the gates' output models and
read back from a real ledger as a later process reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.drift import DriftReport, compare, with_drift
from golive.errors import ManifestError
from golive.gates.outputs import EndpointStats, LoadOutput, MigrateOutput
from golive.gates.registry import required_gates
from golive.ledger import Ledger
from golive.ledger.history import previous_rehearsal
from golive.manifest import DriftSettings
from golive.manifest import load as load_manifest
from golive.results import GateResult, failed, passed, warned
from golive.scorecard import Scorecard, decide


def total(p50: float, p95: float, p99: float, rps: float) -> EndpointStats:
    return EndpointStats(
        endpoint="Aggregated", requests=900, failures=0, p50_ms=p50, p95_ms=p95, p99_ms=p99, rps=rps
    )


def load(p95: float, rps: float, seconds: float) -> GateResult:
    row = EndpointStats(
        endpoint="GET /catalog", requests=900, failures=0, p50_ms=1, p95_ms=999, p99_ms=999, rps=1
    )
    out = LoadOutput(users=10, rps=rps, endpoints=(row, total(10, p95, p95 * 1.5, rps)))
    return passed("load", "held", output=out, duration_s=seconds)


def rehearsal(
    *, p95: float, rps: float, vulns: list[str], findings: list[str], heads: tuple[str, ...]
) -> list[GateResult]:
    configure = [
        {"file": ".env", "line": 1, "key": k, "rule": "weak-secret", "severity": "warning"}
        for k in findings
    ] + [{"file": ".env", "key": "JWT_SECRET", "rule": "generated-secret", "severity": "info"}]
    audit = [{"package": "jinja2", "version": "3.0", "id": v, "severity": "high"} for v in vulns]
    steps = [{"revision": h, "from": "base"} for h in heads]
    migrate = MigrateOutput(before=None, after=heads[-1], heads=heads[-1:])
    return [
        (warned if findings else passed)("configure", "ok", details=configure, duration_s=0.2),
        passed("migrate", "upgraded", details=steps, output=migrate, duration_s=1.0),
        passed("audit", "ok", details=audit, duration_s=2.0),
        passed("tests", "ok", duration_s=3.0),
        load(p95, rps, 10.0),
    ]


BEFORE = rehearsal(p95=100, rps=50, vulns=["GHSA-1", "GHSA-2"], findings=["A"], heads=("r1",))
AFTER = rehearsal(p95=135, rps=40, vulns=["GHSA-2", "GHSA-3"], findings=["B"], heads=("r1", "r2"))


def all_passed() -> Scorecard:
    """A GO: every gate the full variant requires passed."""
    return decide([passed(g, "ok") for g in required_gates("full")], "full")


def drift(limits: DriftSettings, after: list[GateResult] = AFTER) -> DriftReport:
    return compare(BEFORE, after, limits, launch_id=2, previous_id=1, previous_variant="full")


def test_drift_names_each_change_between_two_rehearsals() -> None:
    report = drift(DriftSettings())
    load_ = {c.metric: c for c in report.load}
    assert (load_["p95_ms"].before, load_["p95_ms"].after) == (100, 135)
    assert load_["p95_ms"].ratio == pytest.approx(0.35)
    assert load_["rps"].ratio == pytest.approx(-0.2)
    assert (report.audit_new, report.audit_resolved) == (("jinja2 GHSA-3",), ("jinja2 GHSA-1",))
    assert report.configure_new == ("B [weak-secret]",)
    assert report.configure_resolved == ("A [weak-secret]",)
    assert report.migrations_added == ("r2",)
    configure = next(g for g in report.gates if g.gate == "configure")
    assert (configure.status_before, configure.status_after) == ("warned", "warned")
    assert report.regressions == () and not report.blocking  # no limits, nothing to cross
    assert "p95 100.0 ms -> 135.0 ms (+35%)" in report.lines()[0]


def test_a_regression_past_a_limit_is_a_warning_named_by_metric_and_limit() -> None:
    report = drift(DriftSettings(max_p95_increase=0.2, max_p99_increase=0.5, max_rps_decrease=0.1))
    assert report.regressions == ("p95 +35% over 20%", "requests/s -20% past -10%")
    assert not report.blocking
    go = all_passed()
    assert with_drift(go, report) is go  # a warning leaves the verdict alone
    assert "drift warning: p95 +35% over 20%" in report.lines()
    assert "p95 +35% over 20%" in report.markdown()


def test_a_blocking_regression_turns_go_into_no_go_with_the_reason() -> None:
    report = drift(DriftSettings(max_p95_increase=0.2, blocking=True))
    go = all_passed()
    decided = with_drift(go, report)
    assert (go.verdict, decided.verdict) == ("GO", "NO-GO")
    assert decided.reasons == ["drift: p95 +35% over 20%"]
    assert decided.rows == go.rows  # the gates' scores are what they scored


def test_within_the_limits_nothing_regresses() -> None:
    same = rehearsal(p95=110, rps=49, vulns=[], findings=[], heads=("r1",))
    report = drift(DriftSettings(max_p95_increase=0.2, max_rps_decrease=0.1, blocking=True), same)
    assert report.regressions == () and not report.blocking
    assert report.audit_resolved == ("jinja2 GHSA-1", "jinja2 GHSA-2")


def test_a_gate_that_failed_this_time_and_a_missing_load_are_reported() -> None:
    after = [*AFTER[:3], failed("tests", "2 failed", duration_s=4.0)]
    report = drift(DriftSettings(max_p95_increase=0.2), after)
    tests = next(g for g in report.gates if g.gate == "tests")
    assert (tests.status_before, tests.status_after, tests.seconds_after) == (
        "passed",
        "failed",
        4.0,
    )
    load_ = next(g for g in report.gates if g.gate == "load")
    assert (load_.status_before, load_.status_after) == ("passed", None)
    assert report.load == () and report.regressions == ()
    assert "gate tests: passed -> failed" in report.lines()


def test_the_previous_rehearsal_comes_back_from_the_ledger_typed(tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")

    def record(results: list[GateResult], *, rehearsal: bool = True, target: str = "azora") -> int:
        lid = ledger.start_launch(
            target=target, environment="production-rehearsal", variant="full", rehearsal=rehearsal
        )
        for r in results:
            ledger.record_gate(lid, r)
        ledger.finish_launch(lid, "GO", [])
        return lid

    first = record(BEFORE)
    record(AFTER, target="other")  # another target's rehearsal is not compared with
    current = record(AFTER)
    assert previous_rehearsal(ledger, first) is None
    past = previous_rehearsal(ledger, current)
    assert past is not None and past.launch_id == first
    report = compare(
        past.results,
        AFTER,
        DriftSettings(max_p95_increase=0.2),
        launch_id=current,
        previous_id=past.launch_id,
        previous_variant=past.variant,
    )
    assert report.regressions == ("p95 +35% over 20%",)
    assert report.migrations_added == ("r2",)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("max_rps_decrease = 1.5", r"drift\.max_rps_decrease: Input should be less than or equal"),
        ("max_p95_increase = 0", r"drift\.max_p95_increase: Input should be greater than 0"),
        ("max_p95 = 0.2", r"drift\.max_p95: Extra inputs are not permitted"),
    ],
)
def test_a_bad_drift_section_names_its_field(target: Path, section: str, expected: str) -> None:
    target.write_text(target.read_text() + f"\n[drift]\n{section}\n")
    with pytest.raises(ManifestError, match=expected):
        load_manifest(target)


def test_the_drift_section_is_read_and_optional(target: Path) -> None:
    assert load_manifest(target).drift == DriftSettings()
    target.write_text(target.read_text() + "\n[drift]\nmax_p95_increase = 0.2\nblocking = true\n")
    assert load_manifest(target).drift == DriftSettings(max_p95_increase=0.2, blocking=True)
