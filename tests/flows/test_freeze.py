"""The launch flow (a deployment's run) refuses a launch inside a freeze window before it opens
one in the ledger, as `golive run` does before Prefect starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.launch import run_launch
from golive.errors import Frozen
from golive.ledger import open_ledger
from golive.request import LaunchRequest
from tests.golive.test_cli_freeze import freeze_now

pytestmark = pytest.mark.usefixtures("prefect_harness", "golive_home")


def test_a_deployment_run_inside_a_window_is_refused_and_opens_no_launch(
    target: Path, golive_home: Path
) -> None:
    freeze_now(target, "payroll run")
    with pytest.raises(Frozen, match=r"environment production is frozen until .*payroll run"):
        run_launch(LaunchRequest(manifest=str(target), variant="soft"))
    assert open_ledger().recent_launches() == []
    assert not (golive_home / "environments").exists()
