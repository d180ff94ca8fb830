"""Whole launches of (altered copies of) the example: real processes, databases, pip-audit, locust.

Each NO-GO case alters one thing in a private copy of the example and checks the verdict names
the right gate and reason. Artifacts, logs and task states are read back from the Prefect API.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.logging.handlers import APILogHandler

from flows.launch import run_launch
from golive import runner
from golive.backends.process import ProcessBackend
from golive.envfile import read_env
from golive.errors import ManifestError
from golive.gates.migrate import current_revision
from golive.ledger import open_ledger
from golive.manifest import load
from golive.monitoring import prometheus as prom
from golive.request import LaunchRequest
from tests.conftest import add_nickname_revision, missing, port, run_golive

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "golive_home")]
GATES = [
    "configure",
    "migrate",
    "audit",
    "tests",
    "build",
    "deploy",
    "monitor",
    "smoke",
    "load",
    "metrics",
]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def set_env(target: Path, key: str, value: str) -> None:
    env_file = target.parent / ".env.production"
    lines = [ln for ln in env_file.read_text().splitlines() if not ln.startswith(f"{key}=")]
    env_file.write_text("\n".join([*lines, f"{key}={value}"]) + "\n")


def flow_run_id(report: dict[str, Any]) -> str:
    launch = next(x for x in open_ledger().recent_launches() if x.id == report["launch_id"])
    assert launch.flow_run_id
    return launch.flow_run_id


def artifacts(report: dict[str, Any]) -> dict[str, Any]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id(report)])
            )
        )
    return {a.key: a for a in found}


def logs(report: dict[str, Any]) -> str:
    APILogHandler().flush()  # logs travel in batches: send what is queued first
    with get_client(sync_client=True) as client:
        found = client.read_logs(
            LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id(report)]))
        )
    return "\n".join(log.message for log in found)


def task_states(report: dict[str, Any]) -> dict[str, str]:
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id(report)]))
        )
    return {
        run.task_key.split("-")[0] if False else run.name.rsplit("-", 1)[0]: run.state_name or ""
        for run in runs
    }


def task_runs(report: dict[str, Any]) -> dict[str, Any]:
    """The flow run's task runs by task name (one run each here)."""
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id(report)]))
        )
    return {run.name.rsplit("-", 1)[0]: run for run in runs}


def prometheus_pids(environment_dir: Path) -> list[int]:
    """Every process running a Prometheus with this environment's config, found by its
    command line (not golive's state file, which a leak might have lost)."""
    config = f"--config.file={environment_dir / 'monitoring' / 'prometheus.yml'}"
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if config in cmdline.read_bytes().decode(errors="replace").split("\0"):
                pids.append(int(cmdline.parent.name))
        except OSError:  # gone meanwhile
            continue
    return pids


def gate(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(g for g in report["gates"] if g["gate"] == name)


def test_full_rehearsal_of_the_example_is_go_and_leaks_no_secret(
    target: Path, golive_home: Path
) -> None:
    report = run_launch(LaunchRequest(manifest=str(target), variant="full", rehearsal=True))
    assert report["verdict"] == "GO", report["reasons"]
    assert [g["gate"] for g in report["gates"]] == GATES
    assert all(g["status"] == "passed" for g in report["gates"])

    found = artifacts(report)
    assert {f"gate-{g}" for g in GATES} | {"launch-scorecard", "launch-report"} <= set(found)
    assert "GO" in found["launch-report"].data
    rows = json.loads(found["launch-scorecard"].data)
    assert {r["category"] for r in rows} >= {"Configuration", "Security", "Database", "Load"}

    # The rehearsal's environment is gone; its report and evidence stay.
    assert not (golive_home / "environments" / "production-rehearsal").exists()
    launch_dir = golive_home / "launches" / str(report["launch_id"])
    assert json.loads((launch_dir / "report.json").read_text())["verdict"] == "GO"
    assert (launch_dir / "evidence" / "load" / "locust_stats.csv").is_file()

    # Every value but APP_ENV ("production" names the environment everywhere, rightly).
    values = read_env(target.parent / ".env.production")
    secrets = [v for k, v in values.items() if k != "APP_ENV"]
    assert len(secrets) >= 7
    written = [logs(report), json.dumps(report), (launch_dir / "report.md").read_text()]
    written += [f"{a.data} {a.description}" for a in found.values()]
    written += [p.read_text(errors="replace") for p in launch_dir.rglob("*") if p.is_file()]
    for value in secrets:
        leaks = [
            text[max(0, text.find(value) - 80) : text.find(value) + 40]
            for text in written
            if value in text
        ]
        assert not leaks, f"a secret value reached a log, artifact or report: {leaks[:1]}"


def test_soft_launch_starts_only_core_services(target: Path, golive_home: Path) -> None:
    report = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=False))
    assert report["verdict"] == "GO", report["reasons"]
    assert "load" not in [g["gate"] for g in report["gates"]]
    running = ProcessBackend(golive_home / "environments" / "production").running()
    assert set(running) == {"api", "payments"}
    assert httpx.get(f"http://127.0.0.1:{port(18101)}/health").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port(18103)}/health")
    live = open_ledger().live_releases("production")
    assert {s: r.release.release_id for s, r in live.items()} == running


def test_prometheus_starts_during_hour_one_and_the_monitor_gate_reuses_it(
    target: Path, golive_home: Path
) -> None:
    """Structurally, not by a timing threshold: the Prometheus that watches the launch is the
    one Hour 1 started (its state names the launch), and that start ended before deploy began,
    so the monitor gate's duration holds no Prometheus start-up. Nothing ran before, so its
    targets, the deployed releases, were written before deploy began, and the monitor gate left
    them as they were: it waited for no service discovery."""
    if prom.find_binary("prometheus") is None:
        missing("prometheus binary not on PATH; run .ci/prometheus.sh")
    report = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=False))
    assert report["verdict"] == "GO", report["reasons"]
    env_dir = golive_home / "environments" / "production"
    state = json.loads((env_dir / "monitoring" / "prometheus.json").read_text())
    assert state["prepared_for"] == report["launch_id"]
    assert prometheus_pids(env_dir) == [state["pid"]]
    assert "during Hour 1" in gate(report, "monitor")["summary"]
    runs = task_runs(report)
    assert runs["prometheus"].state_name == "Completed"
    assert runs["prometheus"].end_time <= runs["deploy"].start_time
    targets = env_dir / "monitoring" / "targets.json"
    written = datetime.fromtimestamp(targets.stat().st_mtime, UTC)
    assert written <= runs["deploy"].start_time <= runs["monitor"].start_time
    live = {s: r.release.release_id for s, r in open_ledger().live_releases("production").items()}
    groups = json.loads(targets.read_text())
    assert {g["labels"]["job"]: g["labels"]["release"] for g in groups} == live


@pytest.mark.parametrize(
    ("alter", "gate_name", "reason"),
    [
        (
            lambda t: set_env(t, "JWT_SECRET", "changeme"),
            "configure",
            "JWT_SECRET still holds a placeholder",
        ),
        (
            lambda t: set_env(t, "PAYMENT_SECRET_KEY", "sk_test_" + "a1B2" * 10),
            "configure",
            "PAYMENT_SECRET_KEY is a test-mode payment key in production",
        ),
        (
            lambda t: (t.parent / "tests" / "test_refunds.py").write_text(
                "def test_refund_total():\n    assert 2 + 2 == 5\n"
            ),
            "tests",
            "test_refund_total",
        ),
        (
            lambda t: (t.parent / "migrations" / "versions" / "0004_broken.py").write_text(
                '"""Broken."""\nrevision = "0004"\ndown_revision = "0003"\n\n\ndef upgrade():\n'
                '    raise RuntimeError("cannot add column")\n'
            ),
            "migrate",
            "failed at revision 0004",
        ),
    ],
    ids=["placeholder-secret", "test-mode-payment-key", "failing-test", "migration-raises"],
)
def test_hour_one_defects_are_no_go_before_anything_deploys(
    target: Path,
    golive_home: Path,
    alter,
    gate_name: str,  # type: ignore[no-untyped-def]
    reason: str,
) -> None:
    alter(target)
    report = run_launch(LaunchRequest(manifest=str(target), variant="full", rehearsal=False))
    assert report["verdict"] == "NO-GO"
    assert report["reasons"][0].startswith(f"{gate_name}: ") and reason in report["reasons"][0], (
        report["reasons"]
    )
    assert gate(report, gate_name)["blocking"]
    assert "deploy" not in [g["gate"] for g in report["gates"]]
    assert ProcessBackend(golive_home / "environments" / "production").running() == {}
    # Nothing is live: the Prometheus Hour 1 started (or began to start) is not left running.
    assert prometheus_pids(golive_home / "environments" / "production") == []


def test_a_vulnerable_pin_is_no_go_naming_the_advisory(target: Path, advisories: Path) -> None:
    (target.parent / "requirements.txt").write_text(
        (target.parent / "requirements.txt").read_text() + "urllib3==1.24.1\n"
    )
    edit(target, 'advisories = "advisories"', f'advisories = "{advisories}"')
    report = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=True))
    assert report["verdict"] == "NO-GO"
    assert report["reasons"][0].startswith("audit: ")
    assert "urllib3 1.24.1" in report["reasons"][0] and "PYSEC-" in report["reasons"][0]


def test_a_failing_critical_smoke_check_is_no_go_and_rolls_back(
    target: Path, golive_home: Path
) -> None:
    edit(target, "amount_cents = 1999", "amount_cents = -5")  # the charge endpoint refuses it
    report = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=False))
    assert report["verdict"] == "NO-GO"
    assert report["reasons"][0].startswith("smoke: critical check payment-processing"), report[
        "reasons"
    ]
    assert "expected 201, got 422" in report["reasons"][0]
    assert any("no earlier release" in line for line in report["rollback"])
    assert ProcessBackend(golive_home / "environments" / "production").running() == {}


def test_an_unhealthy_release_is_no_go_and_the_previous_release_serves_again(
    target: Path, golive_home: Path
) -> None:
    first = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=False))
    assert first["verdict"] == "GO", first["reasons"]
    backend = ProcessBackend(golive_home / "environments" / "production")
    good = backend.running()

    # The new release of payments starts but never answers (a hung start-up).
    edit(
        target,
        'command = "python -m uvicorn app:app --host 127.0.0.1 --port {port}"\n'
        f"port = {port(18102)}",
        "command = \"python -c 'import time; time.sleep(3600)'\"\n"
        f"port = {port(18102)}\nhealth_timeout = 4",
    )
    second = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=False))
    assert second["verdict"] == "NO-GO"
    assert second["reasons"][0].startswith("deploy: service payments did not become healthy"), (
        second["reasons"]
    )
    # payments changed and is put back; api's release did not change, so deploy left it alone.
    rollback = sorted(second["rollback"])
    assert rollback[0].startswith("api: ") and rollback[0].endswith("still serving (left alone)")
    assert rollback[1].startswith("payments: ") and rollback[1].endswith("serving again")
    assert backend.running() == good  # the previous release of every service, serving again
    assert (
        httpx.post(
            f"http://127.0.0.1:{port(18102)}/charges",
            json={"amount_cents": 100, "currency": "EUR", "customer": "after@rollback.test"},
        ).status_code
        == 201
    )
    live = open_ledger().live_releases("production")
    assert {s: r.release.release_id for s, r in live.items()} == good


def test_second_run_takes_audit_tests_and_build_from_the_cache(target: Path) -> None:
    run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=True))
    again = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=True))
    states = task_states(again)
    assert {g: states[g] for g in ("audit", "tests", "build")} == dict.fromkeys(
        ("audit", "tests", "build"), "Cached"
    )
    assert states["configure"] == states["deploy"] == "Completed"

    requirements = target.parent / "requirements.txt"
    requirements.write_text(requirements.read_text().replace("httpx==0.28.1", "httpx==0.28.0"))
    changed = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=True))
    assert task_states(changed)["audit"] == "Completed"
    assert load(target).audit.requirements


def test_no_go_after_deploy_returns_a_postgres_database_to_its_revision(
    target: Path, postgres_url: str
) -> None:
    set_env(target, "DATABASE_URL", postgres_url)
    ini = target.parent / "alembic.ini"
    done = runner.run(
        [sys.executable, "-m", "alembic", "-c", str(ini), "upgrade", "0002"],
        cwd=ini.parent,
        env=runner.child_env({"DATABASE_URL": postgres_url}),
    )
    assert done.ok, done.tail()
    edit(target, "amount_cents = 1999", "amount_cents = -5")  # a critical smoke check fails
    report = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=False))
    assert report["verdict"] == "NO-GO"
    assert gate(report, "migrate")["summary"] == "upgraded 0002 -> 0003 (1 revisions)"
    assert report["rollback"][0] == "database: downgraded to 0002"
    assert current_revision(postgres_url) == "0002"
    password = postgres_url.split(":")[2].split("@")[0]
    assert password not in json.dumps(report) + logs(report)


def test_golive_restore_puts_back_the_backup_a_launch_took(target: Path, golive_home: Path) -> None:
    first = run_launch(LaunchRequest(manifest=str(target), variant="soft"))
    assert first["verdict"] == "GO", first["reasons"]
    db = golive_home / "environments" / "production" / "data" / "azora.db"
    add_nickname_revision(target)
    second = run_launch(LaunchRequest(manifest=str(target), variant="soft"))
    assert second["verdict"] == "GO", second["reasons"]
    assert current_revision(f"sqlite:///{db}") == "0004"

    done = run_golive(
        "restore", "--launch", str(second["launch_id"]), "--manifest", str(target), home=golive_home
    )
    assert done.returncode == 0, done.stderr
    assert "database back at 0003" in done.stdout
    assert current_revision(f"sqlite:///{db}") == "0003"
    refused = run_golive("restore", "--launch", "999", "--manifest", str(target), home=golive_home)
    assert refused.returncode == 2 and "launch 999 has no database backup" in refused.stderr


def test_bad_input_fails_the_run_before_the_launch_is_opened(target: Path) -> None:
    """A deployment run validates too: bad input fails in `begin`, before any gate and before
    a launch is recorded (the same one line the CLI prints)."""
    edit(target, 'health = "/health"', 'health = "health"')
    with pytest.raises(ManifestError, match=r"services\[api\]\.health: must start with \"/\""):
        run_launch(LaunchRequest(manifest=str(target), variant="soft"))
    assert open_ledger().recent_launches() == []
