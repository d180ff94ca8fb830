"""A soft rehearsal of the example with a critical rate-limit check: the example's api enforces
no rate limit, so the launch is NO-GO, the verdict naming the check, and what it deployed is
rolled back."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.launch import run_launch
from golive.request import LaunchRequest
from tests.flows.test_launch import edit, gate

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "golive_home")]

BURST = """
[[smoke]]
name = "catalog-rate-limit"
service = "api"
path = "/catalog"
kind = "rate-limit"
requests = 40
within_s = 60
critical = true
"""


def test_a_rate_limit_check_against_the_example_without_a_limit_is_no_go(target: Path) -> None:
    edit(target, "[load]", BURST.lstrip() + "\n[load]")

    report = run_launch(LaunchRequest(manifest=str(target), variant="soft", rehearsal=True))

    assert report["verdict"] == "NO-GO"
    smoke = gate(report, "smoke")
    assert smoke["status"] == "failed" and smoke["blocking"]
    assert smoke["summary"].startswith("critical check catalog-rate-limit (GET /catalog on api)")
    assert "sent 40 requests" in smoke["summary"] and "got no 429" in smoke["summary"]
    assert any("catalog-rate-limit" in reason for reason in report["reasons"])
    rows = {row["check"]: row for row in smoke["details"]}
    assert rows["api-health"]["result"] == "ok"  # the other critical checks still pass
