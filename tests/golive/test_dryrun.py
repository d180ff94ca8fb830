"""golive.dryrun on a fresh copy of the example (no launch yet): every gate of the registry in
order, every service to start, the whole migration history pending with its SQL, and nothing
made: no ledger, no database file, no environment folder."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive.dryrun import make_plan
from golive.dryrun_markdown import plan_markdown
from golive.errors import InputError
from golive.gates.registry import GATES
from tests.conftest import run_golive

pytestmark = pytest.mark.usefixtures("golive_home")


def test_a_first_launch_plan_starts_everything_and_applies_every_migration(
    target: Path, golive_home: Path
) -> None:
    # Inputs no earlier test of the session had: another test's launch may have cached an
    # audit of the example's requirements in the session's result storage.
    requirements = target.parent / "requirements.txt"
    requirements.write_text(requirements.read_text() + f"# {uuid.uuid4().hex}\n")
    plan = make_plan(target, "production", "full", rehearsal=False)

    assert [g.gate for g in plan.gates] == [g.name for g in GATES]
    assert {s.service: s.action for s in plan.services} == {
        "api": "start",
        "payments": "start",
        "assistant": "start",
    }
    assert plan.migrations.current is None
    assert plan.migrations.pending == ["base -> 0001", "0001 -> 0002", "0002 -> 0003"]
    assert "CREATE TABLE users" in (plan.migrations.sql or "")
    assert plan.history == "no history" and plan.estimate_s is None
    assert plan.lock is None
    load = next(g for g in plan.gates if g.gate == "load")
    assert load.runs and load.cache == "never cached"
    assert {g.gate: g.cache for g in plan.gates if g.gate in ("audit", "tests", "build")} == {
        "audit": "not cached",
        "tests": "not cached",
        "build": "not cached",
    }
    assert not golive_home.exists(), "a plan made GOLIVE_HOME (a ledger, a database, a folder)"


def test_a_soft_plan_has_no_load_test_critical_smoke_only_and_core_services(target: Path) -> None:
    plan = make_plan(target, "production", "soft", rehearsal=False)

    load = next(g for g in plan.gates if g.gate == "load")
    assert not load.runs and "soft" in load.why
    smoke = {c.name: c.runs for c in plan.checks if c.kind == "smoke"}
    assert smoke["assistant-suggest"] is False and smoke["payment-processing"] is True
    assert next(s for s in plan.services if s.service == "assistant").action == (
        "not in this variant"
    )


def test_a_rehearsal_plan_names_the_rehearsal_environment(target: Path) -> None:
    plan = make_plan(target, "production", "full", rehearsal=True)

    assert plan.environment == "production-rehearsal" and plan.rehearsal
    assert all(s.action == "start" for s in plan.services)


def test_the_markdown_has_a_row_per_gate_and_the_sql(target: Path) -> None:
    text = plan_markdown(make_plan(target, "production", "full", rehearsal=False))

    for g in GATES:
        assert f"| {g.name} | {g.hour} |" in text
    assert "```sql" in text and "CREATE TABLE users" in text


def test_bad_input_is_an_input_error_naming_the_field(target: Path) -> None:
    text = target.read_text().replace('host_service = "api"', 'host_service = "nowhere"')
    target.write_text(text)

    with pytest.raises(InputError, match=r"load\.host_service"):
        make_plan(target, "production", "full", rehearsal=False)


def test_the_command_prints_json_and_exits_2_on_a_bad_manifest(
    target: Path, tmp_path: Path
) -> None:
    home = tmp_path / "cli-home"
    done = run_golive("plan", "--manifest", str(target), "--json", home=home)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert [g["gate"] for g in json.loads(done.stdout)["gates"]] == [g.name for g in GATES]
    assert not (home / "ledger.db").exists()

    target.write_text(target.read_text().replace("[[services]]", "[[servicez]]", 1))
    bad = run_golive("plan", "--manifest", str(target), home=home)
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert bad.stderr.startswith("golive: error:") and len(bad.stderr.splitlines()) == 1
    assert "Traceback" not in bad.stdout + bad.stderr


def test_a_plan_shows_the_freeze_window_a_launch_would_meet(target: Path) -> None:
    now = datetime.now(UTC)
    target.write_text(
        target.read_text()
        + f"""
[[freeze]]
start = "{(now - timedelta(hours=1)).isoformat()}"
end = "{(now + timedelta(hours=1)).isoformat()}"
reason = "quarter-end close"
"""
    )
    production = make_plan(target, "production", "full", rehearsal=False)
    assert production.freeze is not None and "quarter-end close" in production.freeze
    assert "Freeze window active" in plan_markdown(production)
    assert make_plan(target, "production", "full", rehearsal=True).freeze is None
