"""The tests gate runs the example's real pytest suite and reads its JUnit XML."""

from __future__ import annotations

from pathlib import Path

from golive.gates.testsuites import run_tests
from golive.manifest import load
from golive.results import Status


def test_the_example_suite_passes_with_counts_and_evidence(target: Path, tmp_path: Path) -> None:
    m = load(target)
    result = run_tests(m.suites, m.root, tmp_path / "evidence")
    assert result.status is Status.PASSED, result.summary
    assert result.details[0]["passed"] > 5 and result.details[0]["failed"] == 0
    assert Path(result.evidence[0]).read_text().startswith("<?xml")


def test_a_failing_test_blocks_and_is_named(target: Path, tmp_path: Path) -> None:
    (target.parent / "tests" / "test_refunds.py").write_text(
        "def test_refund_is_negative():\n    assert 1 + 1 == 3\n"
    )
    m = load(target)
    result = run_tests(m.suites, m.root, tmp_path / "evidence")
    assert result.status is Status.FAILED and result.blocks_launch
    assert "test_refund_is_negative" in result.summary
    assert result.details[0]["failed"] == 1


def test_a_non_critical_suite_only_warns(target: Path, tmp_path: Path) -> None:
    target.write_text(target.read_text().replace("critical = true", "critical = false", 1))
    (target.parent / "tests" / "test_refunds.py").write_text("def test_x():\n    assert False\n")
    m = load(target)
    result = run_tests(m.suites, m.root, tmp_path / "evidence")
    assert result.status is Status.WARNED and not result.blocks_launch


def test_a_command_that_writes_no_junit_fails_clearly(target: Path, tmp_path: Path) -> None:
    target.write_text(
        target.read_text().replace(
            'command = "python -m pytest', 'command = "python -m nosuchmodule_xyz', 1
        )
    )
    m = load(target)
    result = run_tests(m.suites, m.root, tmp_path / "evidence")
    assert result.status is Status.FAILED
    assert "no JUnit XML at .golive-reports/unit.xml" in result.summary
