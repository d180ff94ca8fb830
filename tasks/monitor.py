"""Monitor gate task: never cached, the targets and rules are checked as they are now.

A soft launch needs its targets up; a broken alert rule only warns there (full: it blocks).
Each release is scraped on its own port and labelled with its release id (behind the proxy,
on its internal port: the public one mixes releases).
"""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.monitor import monitor
from golive.monitoring.targets import as_scraped, scrape_targets
from golive.results import GateResult


@task(name="monitor")
def monitor_gate(ctx: LaunchContext) -> GateResult:
    """Every deployed service's target up and the alert rules loaded (a soft launch: a broken
    rule only warns)."""
    services = ctx.services()
    targets = scrape_targets(services, ctx.environment_dir, ctx.backend().running())
    return monitor(
        as_scraped(services, ctx.environment_dir),
        ctx.environment_dir,
        ctx.manifest.monitoring,
        ctx.manifest.root,
        rules_block=ctx.variant != "soft",
        targets=targets,
    )
