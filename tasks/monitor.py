"""Monitor gate task: never cached, the endpoints are scraped as they are now."""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.monitor import monitor
from golive.results import GateResult


@task(name="monitor")
def monitor_gate(ctx: LaunchContext) -> GateResult:
    return monitor(ctx.services())
