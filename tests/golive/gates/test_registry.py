"""The gate registry is the one list of gates: every gate module, task and README row is in it,
nothing is in it without them, and what a gate hands on survives the ledger's JSON exactly."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from golive.backup import Backup
from golive.gates import outputs, registry
from golive.gates.registry import GATES, gate, required_gates, result_from_json, result_to_json
from golive.results import GateResult, Status, passed
from tests.conftest import REPO_ROOT

# Modules in golive/gates that are not gates: the registry itself, the outputs, a rule table.
NOT_GATES = {"__init__", "registry", "outputs", "configure_rules", "smoke_burst"}


def test_every_gate_has_its_module_function_and_task() -> None:
    for g in GATES:
        module = importlib.import_module(f"golive.gates.{g.name}")
        assert module.__doc__, f"golive/gates/{g.name}.py has no docstring"
        if not g.has_task:
            continue
        assert callable(getattr(module, g.name, None)), f"golive.gates.{g.name}.{g.name}"
        task = getattr(importlib.import_module(f"tasks.{g.name}"), f"{g.name}_gate")
        assert task.name == g.name, f"task {task.name!r} should be named after its gate"
        assert inspect.getdoc(task.fn), f"tasks.{g.name}.{g.name}_gate has no docstring"


def test_no_gate_module_or_task_is_missing_from_the_registry() -> None:
    names = {g.name for g in GATES}
    modules = {p.stem for p in (REPO_ROOT / "golive" / "gates").glob("*.py")} - NOT_GATES
    tasks = {p.stem for p in (REPO_ROOT / "tasks").glob("*.py")} - {"__init__"}
    assert modules == names
    assert tasks == {g.name for g in GATES if g.has_task}


def test_every_gate_has_its_tests() -> None:
    for g in GATES:
        assert (REPO_ROOT / "tests" / "golive" / "gates" / f"test_{g.name}.py").is_file(), g.name


def test_the_readme_table_is_the_registry() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert registry.markdown_table() in readme, "run python -m golive.gates.registry"
    for g in GATES:
        assert re.search(rf"^- \*\*{g.name}\*\*: ", readme, re.M), f"README: no details of {g.name}"


def test_soft_launches_need_no_load_and_nothing_needs_metrics() -> None:
    assert required_gates("full") == (
        "configure",
        "audit",
        "tests",
        "migrate",
        "build",
        "deploy",
        "monitor",
        "smoke",
        "load",
    )
    assert required_gates("soft") == required_gates("full")[:-1]


def test_a_gate_not_in_the_registry_is_an_error_not_a_default() -> None:
    with pytest.raises(KeyError, match=r"not in golive\.gates\.registry"):
        gate("lint")
    with pytest.raises(KeyError):
        _ = passed("lint", "ok").category


SAMPLES: list[outputs.GateOutput] = [
    outputs.AuditOutput(audited=3, not_audited=("x==1",), expired_allowlist=("PYSEC-1 expired",)),
    outputs.MigrateOutput(
        before=None,
        after="0003",
        heads=("0003",),
        backup=Backup(Path("/b/x.dump"), 9, "ab", "pg_dump"),
    ),
    outputs.BuildOutput(
        releases={"api": outputs.BuiltRelease(release_id="r1", path="/r/api/r1", image="i:r1")}
    ),
    outputs.DeployOutput(started=("api", "web"), replaced=("api",)),
    outputs.MonitorOutput(prometheus="started", prometheus_url="http://127.0.0.1:9999"),
    outputs.LoadOutput(
        users=4,
        endpoints=(
            outputs.EndpointStats(
                endpoint="GET /", requests=9, failures=0, p50_ms=1, p95_ms=2, p99_ms=3, rps=4.5
            ),
        ),
        margins=(outputs.Margin(threshold="p95_ms", measured=2, limit=10, headroom_ratio=0.8),),
        by_step={"4": ()},
    ),
    outputs.BakeOutput(
        canaries={"api": "r2"},
        measurements=(
            outputs.BakeMeasurement(
                measurement=1, at_s=1.0, check="e", release="r2", threshold="< 1", decision="passed"
            ),
            outputs.BakeMeasurement(
                measurement=2,
                at_s=2.0,
                check="e",
                release="r2",
                value=3.5,
                threshold="< 1",
                decision="failed",
            ),
        ),
        aborted_at=2,
    ),
]


@pytest.mark.parametrize("output", SAMPLES, ids=lambda o: type(o).__name__)
def test_each_output_comes_back_from_the_ledger_json_exactly(output: outputs.GateOutput) -> None:
    (owner,) = [g for g in GATES if g.output is type(output)]
    result = GateResult(owner.name, Status.PASSED, False, 100, "ok", output=output)
    assert result_from_json(result_to_json(result)) == result


def test_every_output_type_is_exercised_above() -> None:
    assert {g.output for g in GATES if g.output} == {type(o) for o in SAMPLES}
