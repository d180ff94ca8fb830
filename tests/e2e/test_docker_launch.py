"""Whole launches on the docker backend: GO, then a NO-GO whose rollback puts the previous
release's containers back; `golive status` and `golive down` on the same environment.

Needs a Docker engine and a base image (`.ci/docker.sh` gives both). Ports 182xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from golive import settings
from golive.backends.docker import DockerBackend
from golive.cli import app
from golive.request import LaunchRequest
from tests.conftest import port

pytestmark = pytest.mark.slow
ENVIRONMENT = "production"


@pytest.fixture
def backend(golive_home: Path) -> Iterator[DockerBackend]:
    """The production environment's containers, all removed after the test."""
    found = DockerBackend(settings.environment_dir(ENVIRONMENT), ENVIRONMENT)
    yield found
    found.stop_all()


def charge() -> int:
    body = {"amount_cents": 1999, "currency": "EUR", "customer": "e2e@azora.test"}
    return httpx.post(f"http://127.0.0.1:{port(18202)}/charges", json=body, timeout=5).status_code


def test_docker_launch_go_then_no_go_rolls_back(
    prefect_harness: None, docker_target: Path, backend: DockerBackend
) -> None:
    from flows.launch import run_launch

    request = LaunchRequest(manifest=str(docker_target), variant="full", environment=ENVIRONMENT)
    first = run_launch(request)
    assert first["verdict"] == "GO", first["reasons"]
    live = backend.running()
    assert set(live) == {"api", "payments", "assistant"}
    assert charge() == 201

    status = CliRunner().invoke(app, ["status", "--environment", ENVIRONMENT])
    assert status.exit_code == 0, status.output
    assert "docker backend" in status.output and live["payments"] in status.output

    # Release two: payments answers everything but its (new) health path.
    text = docker_target.read_text().replace(
        f'port = {port(18202)}\nhealth = "/health"',
        f'port = {port(18202)}\nhealth = "/never"\nhealth_timeout = 5',
    )
    docker_target.write_text(text)
    second = run_launch(request)
    assert second["verdict"] == "NO-GO"
    assert any("payments did not become healthy" in r for r in second["reasons"])
    # payments changed and is put back; the others' releases did not change: left alone.
    lines = {line.split(":")[0]: line for line in second["rollback"]}
    assert lines["payments"].endswith("serving again"), second["rollback"]
    assert all(lines[s].endswith("still serving (left alone)") for s in ("api", "assistant"))
    assert backend.running() == live  # the previous release's containers, by release id
    assert charge() == 201

    down = CliRunner().invoke(app, ["down", "--environment", ENVIRONMENT])
    assert down.exit_code == 0, down.output
    assert backend.running() == {}
