"""What a resume reuses: the inputs digests per gate, the migrate rule, the launches refused.

A real ledger (SQLite) and a real copy of the example; no Prefect, no process started.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.context import LaunchContext
from golive.errors import InputError
from golive.gates.outputs import MigrateOutput
from golive.ledger import Ledger
from golive.results import failed, passed, warned
from golive.resume import changed_parts, check_resumable, gate_inputs, plan_resume

HEAD = ("0003",)


def at_head() -> tuple[str | None, tuple[str, ...]]:
    return "0003", HEAD


def old_launch(ledger: Ledger, ctx: LaunchContext, migrate: MigrateOutput) -> int:
    """A NO-GO launch of ctx's manifest whose Hour 1 passed with today's inputs, smoke failed."""
    launch = ledger.start_launch(
        target="azora",
        environment="production",
        variant="soft",
        rehearsal=False,
        manifest=str(ctx.manifest_path),
    )
    inputs = gate_inputs(ctx)
    ledger.record_gate(launch, passed("configure", "ok"), inputs=inputs["configure"])
    ledger.record_gate(launch, warned("audit", "1 advisory"), inputs=inputs["audit"])
    ledger.record_gate(launch, passed("tests", "ok"), inputs=inputs["tests"])
    ledger.record_gate(launch, passed("migrate", "m", output=migrate), inputs=inputs["migrate"])
    ledger.record_gate(launch, failed("smoke", "payment-processing failed"))
    ledger.finish_launch(launch, "NO-GO", ["smoke: payment-processing failed"])
    return launch


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")


@pytest.fixture
def ctx(target: Path, golive_home: Path) -> LaunchContext:
    return LaunchContext(1, target, "production", "soft", False)


def decided(ctx: LaunchContext, ledger: Ledger, launch: int) -> dict[str, str]:
    old = ledger.launch(launch)
    assert old is not None
    return {d.gate: d.line for d in plan_resume(ctx, ledger, old, at_head)}


def test_unchanged_hour_one_is_reused_but_a_reverted_migration_runs_again(
    ctx: LaunchContext, ledger: Ledger
) -> None:
    migrated = MigrateOutput(before=None, after="0003", heads=HEAD)
    launch = old_launch(ledger, ctx, migrated)
    old = ledger.launch(launch)
    assert old is not None
    decisions = {d.gate: d for d in plan_resume(ctx, ledger, old, lambda: (None, HEAD))}
    for gate in ("configure", "audit", "tests"):
        reuse = decisions[gate].reuse
        assert reuse is not None and reuse.reused_from == launch, decisions[gate].line
        assert reuse.as_dict()["reused"] is True
    assert decisions["migrate"].reuse is None
    assert decisions["migrate"].line == (
        f"migrate: runs: launch {launch} migrated an empty schema -> 0003 and its NO-GO put the"
        " database back at an empty schema: migrate runs again"
    )
    # An undo that did not get the database back: the resume says where it is instead.
    stuck = plan_resume(ctx, ledger, old, at_head)[-1]
    assert stuck.reuse is None and stuck.line.endswith(
        "the database is at 0003: migrate runs again"
    )


def test_a_migrate_that_moved_nothing_is_reused_while_the_database_stays_at_head(
    ctx: LaunchContext, ledger: Ledger
) -> None:
    launch = old_launch(ledger, ctx, MigrateOutput(before="0003", after="0003", heads=HEAD))
    assert decided(ctx, ledger, launch)["migrate"].startswith("migrate: reused: passed in launch")
    old = ledger.launch(launch)
    assert old is not None
    behind = plan_resume(ctx, ledger, old, lambda: ("0002", HEAD))
    assert "the database is at 0002, not 0003" in behind[-1].line
    newer = plan_resume(ctx, ledger, old, lambda: ("0003", ("0004",)))
    assert "not the head now" in newer[-1].line


def test_a_changed_requirement_reruns_audit_and_says_why(
    ctx: LaunchContext, ledger: Ledger, target: Path
) -> None:
    launch = old_launch(ledger, ctx, MigrateOutput(before="0003", after="0003", heads=HEAD))
    requirements = target.parent / "requirements.txt"
    requirements.write_text(requirements.read_text().replace("httpx==0.28.1", "httpx==0.28.0"))
    lines = decided(ctx, ledger, launch)
    assert lines["audit"] == (
        f"audit: runs: inputs changed since launch {launch}: requirement and lock files"
    )
    assert lines["configure"].startswith("configure: reused")


def test_a_changed_smoke_check_in_the_manifest_reuses_tests_and_a_test_file_does_not(
    ctx: LaunchContext, ledger: Ledger, target: Path
) -> None:
    launch = old_launch(ledger, ctx, MigrateOutput(before="0003", after="0003", heads=HEAD))
    target.write_text(target.read_text().replace("amount_cents = 1999", "amount_cents = 2999"))
    assert decided(ctx, ledger, launch)["tests"].startswith("tests: reused")
    (target.parent / "tests" / "test_new.py").write_text("def test_new():\n    pass\n")
    lines = decided(ctx, ledger, launch)
    assert lines["tests"] == f"tests: runs: inputs changed since launch {launch}: target's files"


def test_a_changed_env_file_reruns_configure_and_so_migrate(
    ctx: LaunchContext, ledger: Ledger, target: Path
) -> None:
    launch = old_launch(ledger, ctx, MigrateOutput(before="0003", after="0003", heads=HEAD))
    env_file = target.parent / ".env.production"
    env_file.write_text(env_file.read_text() + "EXTRA_SETTING=1\n")
    lines = decided(ctx, ledger, launch)
    assert "production env file" in lines["configure"] and "configure: runs" in lines["configure"]
    assert lines["migrate"] == "migrate: runs: configure runs again, and migrate only after it"


def test_a_failed_or_unrecorded_gate_runs(ctx: LaunchContext, ledger: Ledger) -> None:
    launch = ledger.start_launch(
        target="azora", environment="production", variant="soft", rehearsal=False
    )
    ledger.record_gate(launch, failed("tests", "1 failed"), inputs=gate_inputs(ctx)["tests"])
    ledger.record_gate(launch, passed("configure", "ok"))  # recorded before resume existed
    ledger.finish_launch(launch, "CRASHED", ["killed"])
    lines = decided(ctx, ledger, launch)
    assert lines["tests"] == f"tests: runs: it failed in launch {launch}"
    assert lines["configure"] == f"configure: runs: launch {launch} recorded no inputs for it"
    assert lines["audit"] == f"audit: runs: launch {launch} has no result for it"


def test_only_the_catch_all_part_is_named_when_it_alone_changed() -> None:
    before = {"files": "a", "everything": "x"}
    assert changed_parts(before, {"files": "b", "everything": "y"}) == ["files"]
    assert changed_parts(before, {"files": "a", "everything": "y"}) == ["everything"]
    assert changed_parts(before, dict(before)) == []


def test_inputs_hold_digests_never_values(ctx: LaunchContext, target: Path) -> None:
    recorded = json.dumps(gate_inputs(ctx))
    values = ctx.env_values()
    secrets = [values[k] for k in ctx.manifest.env.declared_secrets if values.get(k)]
    assert secrets and not any(v in recorded for v in [*secrets, ctx.database_url()])


def test_a_go_an_unknown_or_another_environments_launch_cannot_be_resumed(
    ledger: Ledger,
) -> None:
    go = ledger.start_launch(
        target="azora", environment="production", variant="full", rehearsal=False, manifest="/m"
    )
    ledger.finish_launch(go, "GO", [])
    staging = ledger.start_launch(
        target="azora", environment="staging", variant="full", rehearsal=False, manifest="/m"
    )
    ledger.finish_launch(staging, "NO-GO", ["smoke"])
    running = ledger.start_launch(
        target="azora", environment="production", variant="full", rehearsal=False, manifest="/m"
    )
    staged = ledger.start_launch(
        target="azora", environment="production", variant="staged", rehearsal=False
    )
    ledger.finish_launch(staged, "NO-GO", ["aborted"])
    cases = {
        staged: "a staged launch cannot be resumed",
        go: "it ended GO; only a NO-GO or CRASHED launch can be resumed",
        999: "no such launch in the ledger",
        staging: "it launched into staging, not production",
        running: "it is still running",
    }
    for launch, message in cases.items():
        with pytest.raises(InputError, match=message):
            check_resumable(ledger, launch, "production")
    assert check_resumable(ledger, staging, "staging").id == staging
    with pytest.raises(InputError, match="a full launch, not soft"):
        check_resumable(ledger, staging, "staging", variant="soft")
