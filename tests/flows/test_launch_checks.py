"""A whole rehearsal of the example using the keys for real projects' checks: a smoke check that
sends an env value in a header, a capture used by a later check (a charge's id in a path), an
optional empty env key, locust given env keys, and a service without metrics. GO, and neither
the env values nor the captured id reach anything golive writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from flows.launch import run_launch
from golive.envfile import read_env
from golive.request import LaunchRequest
from tests.flows.test_launch import artifacts, edit, gate, logs, set_env

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "golive_home")]

CHECKS = """
[[smoke]]
name = "charge-read-back"
service = "payments"
path = "/charges/${charge}"
headers = { X-Client = "${OAUTH_CLIENT_ID}" }
critical = true
"""


def test_rehearsal_with_captures_env_headers_and_a_service_without_metrics(
    target: Path, golive_home: Path
) -> None:
    edit(target, "body = { amount_cents", 'capture = { charge = "id" }\nbody = { amount_cents')
    edit(target, "[load]", CHECKS.lstrip() + "\n[load]")
    edit(target, 'host_service = "api"', 'host_service = "api"\nenv = ["OAUTH_CLIENT_ID"]')
    edit(target, "[env]\n", '[env]\noptional = ["SENTRY_*"]\n')
    text = target.read_text()
    at = text.index('name = "assistant"')
    target.write_text(text[:at] + text[at:].replace('metrics = "/metrics"', 'metrics = ""', 1))
    set_env(target, "SENTRY_DSN", "")

    report = run_launch(LaunchRequest(manifest=str(target), variant="full", rehearsal=True))

    assert report["verdict"] == "GO", report["reasons"]
    assert gate(report, "configure")["status"] == "passed", gate(report, "configure")
    monitor = gate(report, "monitor")
    assert monitor["status"] == "warned" and "no metrics for assistant" in monitor["summary"]
    smoke = gate(report, "smoke")
    assert smoke["status"] == "passed", smoke["summary"]
    rows = {row["check"]: row for row in smoke["details"]}
    assert rows["charge-read-back"]["result"] == "ok" and rows["charge-read-back"]["got"] == 200

    launch_dir = golive_home / "launches" / str(report["launch_id"])
    written = [logs(report), json.dumps(report), (launch_dir / "report.md").read_text()]
    written += [f"{a.data} {a.description}" for a in artifacts(report).values()]
    written += [p.read_text(errors="replace") for p in launch_dir.rglob("*") if p.is_file()]
    everything = "\n".join(written)
    client_id = read_env(target.parent / ".env.production")["OAUTH_CLIENT_ID"]
    assert client_id not in everything
    # The charge's id is in the payments service's access log, kept (redacted) as evidence.
    service_logs = "".join(
        p.read_text(errors="replace") for p in (launch_dir / "evidence").rglob("*.log")
    )
    assert "GET /charges/<smoke:charge>" in service_logs
    assert not re.search(r"ch_[0-9a-f]{8}", everything), "a captured charge id leaked"
