"""Fault test: a rollback restores configuration together with code.

A launch whose only change is its configuration (the same release, a value that stops the api
from starting) ends NO-GO at deploy; the rollback must start the previous release with the
configuration it ran with, not the new env file's, so production serves again as it was.
Real processes and ports; the api reads the value at start-up as real services do.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from flows.launch import run_launch
from golive.request import LaunchRequest
from tests.conftest import port

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "golive_home")]

READS_ITS_CONFIGURATION = """

import os as _os

if _os.environ.get("FEATURE_FLAGS") == "broken":
    raise SystemExit("FEATURE_FLAGS=broken: refusing to start")


@app.get("/golive-test-config")
def golive_test_config() -> dict:
    return {"feature_flags": _os.environ.get("FEATURE_FLAGS")}
"""


def set_flags(target: Path, value: str) -> None:
    env_file = target.parent / ".env.production"
    lines = [ln for ln in env_file.read_text().splitlines() if not ln.startswith("FEATURE_FLAGS=")]
    env_file.write_text("\n".join([*lines, f"FEATURE_FLAGS={value}"]) + "\n")


def test_a_config_only_no_go_puts_back_the_previous_configuration(target: Path) -> None:
    app = target.parent / "services" / "api" / "app.py"
    app.write_text(app.read_text() + READS_ITS_CONFIGURATION)
    template = target.parent / ".env.example"
    template.write_text(template.read_text() + "FEATURE_FLAGS=off\n")
    set_flags(target, "on")
    first = run_launch(LaunchRequest(manifest=str(target), variant="soft"))
    assert first["verdict"] == "GO", first["reasons"]
    config = httpx.get(f"http://127.0.0.1:{port(18101)}/golive-test-config").json()
    assert config == {"feature_flags": "on"}

    set_flags(target, "broken")  # the only change: no code, so the same release id
    second = run_launch(LaunchRequest(manifest=str(target), variant="soft"))

    assert second["verdict"] == "NO-GO"
    assert second["reasons"][0].startswith("deploy: service api did not become healthy")
    assert any(
        line.startswith("api: release") and "serving again" in line for line in second["rollback"]
    ), second["rollback"]
    config = httpx.get(f"http://127.0.0.1:{port(18101)}/golive-test-config").json()
    assert config == {"feature_flags": "on"}, "the previous release runs with its own configuration"
    assert httpx.get(f"http://127.0.0.1:{port(18102)}/health").status_code == 200
