"""JUnit XML as Node's test runner writes it: top-level tests straight under <testsuites>."""

from __future__ import annotations

from pathlib import Path

from golive.gates.tests import SuiteOutcome, read_junit

NODE_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites>
  <testcase name="health answers ok" time="0.5" classname="test"/>
  <testcase name="a note is refused" time="0.1" classname="test">
    <failure type="testCodeFailure" message="Expected values to be strictly equal">
      AssertionError
    </failure>
  </testcase>
  <testsuite name="notes" tests="2" failures="0" skipped="1">
    <testcase name="lists" time="0.1" classname="test"/>
    <testcase name="later" time="0" classname="test"><skipped type="skipped"/></testcase>
  </testsuite>
</testsuites>
"""


def test_loose_and_nested_cases_are_all_counted(tmp_path: Path) -> None:
    path = tmp_path / "unit.xml"
    path.write_text(NODE_JUNIT)
    outcome = SuiteOutcome("unit", True)
    read_junit(path, outcome)
    assert (outcome.passed, outcome.failed, outcome.skipped) == (2, 1, 1)
    assert outcome.failing == ["test::a note is refused: Expected values to be strictly equal"]
