"""The tests gate runs the example's real pytest suite and reads its JUnit XML."""

from __future__ import annotations

from pathlib import Path

from golive.gates.tests import tests as run_gate
from golive.manifest import Suite, load
from golive.results import Status
from tests.conftest import TARGET_ONLY, target_interpreter


def test_the_example_suite_passes_with_counts_and_evidence(target: Path, tmp_path: Path) -> None:
    m = load(target)
    result = run_gate(m.suites, m.root, tmp_path / "evidence")
    assert result.status is Status.PASSED, result.summary
    assert result.details[0]["passed"] > 5 and result.details[0]["failed"] == 0
    assert Path(result.evidence[0]).read_text().startswith("<?xml")


def test_a_failing_test_blocks_and_is_named(target: Path, tmp_path: Path) -> None:
    (target.parent / "tests" / "test_refunds.py").write_text(
        "def test_refund_is_negative():\n    assert 1 + 1 == 3\n"
    )
    m = load(target)
    result = run_gate(m.suites, m.root, tmp_path / "evidence")
    assert result.status is Status.FAILED and result.blocks_launch
    assert "test_refund_is_negative" in result.summary
    assert result.details[0]["failed"] == 1


def test_a_non_critical_suite_only_warns(target: Path, tmp_path: Path) -> None:
    target.write_text(target.read_text().replace("critical = true", "critical = false", 1))
    (target.parent / "tests" / "test_refunds.py").write_text("def test_x():\n    assert False\n")
    m = load(target)
    result = run_gate(m.suites, m.root, tmp_path / "evidence")
    assert result.status is Status.WARNED and not result.blocks_launch


def test_a_command_that_writes_no_junit_fails_clearly(target: Path, tmp_path: Path) -> None:
    target.write_text(
        target.read_text().replace(
            'command = "python -m pytest', 'command = "python -m nosuchmodule_xyz', 1
        )
    )
    m = load(target)
    result = run_gate(m.suites, m.root, tmp_path / "evidence")
    assert result.status is Status.FAILED
    assert "no JUnit XML at .golive-reports/unit.xml" in result.summary


COVERAGE_SUITE = '''
"""A suite that writes JUnit and Cobertura XML like pytest --junitxml and coverage xml do."""
from pathlib import Path

Path("out").mkdir(exist_ok=True)
Path("out/junit.xml").write_text(
    '<testsuite name="s" tests="2"><testcase classname="t" name="ok"/>'
    '<testcase classname="t" name="bad"><failure message="AssertionError: 3 != 4&#10;more">'
    "trace</failure></testcase></testsuite>"
)
Path("out/coverage.xml").write_text('<coverage line-rate="0.8125" branch-rate="0"></coverage>')
'''


def test_first_error_line_duration_and_coverage_are_reported(tmp_path: Path) -> None:
    (tmp_path / "suite.py").write_text(COVERAGE_SUITE)
    suite = Suite(
        name="cov",
        command="python suite.py",
        junit=Path("out/junit.xml"),
        coverage=Path("out/coverage.xml"),
        critical=False,
    )
    result = run_gate([suite], tmp_path, tmp_path / "evidence")
    (row,) = result.details
    assert row["failing"] == "t::bad: AssertionError: 3 != 4"
    assert row["coverage"] == "81.2%"
    assert row["seconds"] > 0
    assert sorted(Path(p).name for p in result.evidence) == ["coverage-cov.xml", "junit-cov.xml"]
    assert result.status is Status.WARNED and "t::bad: AssertionError: 3 != 4" in result.summary


def test_a_suite_over_its_timeout_is_stopped_and_blocks(tmp_path: Path) -> None:
    suite = Suite(
        name="slow",
        command="python -c 'import time; time.sleep(30)'",
        junit=Path("junit.xml"),
        timeout=1,
    )
    result = run_gate([suite], tmp_path, tmp_path / "evidence")
    assert result.status is Status.FAILED
    assert "suite slow: command timed out after 1s" in result.summary


def test_a_suite_runs_with_the_targets_interpreter(tmp_path: Path) -> None:
    """`python -m pytest` in a suite's command is the target's python: its tests import what
    only the target's environment has, and golive's environment lacking it does not matter."""
    python = target_interpreter(tmp_path / "target-venv")
    (tmp_path / "test_marker.py").write_text(
        f"import sys\nimport {TARGET_ONLY}\n\n\ndef test_marker():\n"
        f"    assert sys.prefix == {TARGET_ONLY}.MARK\n"
    )
    suite = Suite(
        name="unit",
        command="python -m pytest -q -p no:cacheprovider test_marker.py --junitxml=r/unit.xml",
        junit=Path("r/unit.xml"),
    )
    ours = run_gate([suite], tmp_path, tmp_path / "ours")
    assert ours.status is Status.FAILED and ours.details[0]["passed"] == 0
    result = run_gate([suite], tmp_path, tmp_path / "evidence", python=python)
    assert result.status is Status.PASSED, result.summary
    assert result.details[0]["passed"] == 1
