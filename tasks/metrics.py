"""Metrics gate task: never cached; run after smoke and load so the queries see their traffic."""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.metrics import metrics
from golive.monitoring import locate_running
from golive.monitoring.targets import as_scraped
from golive.results import GateResult


@task(name="metrics")
def metrics_gate(ctx: LaunchContext) -> GateResult:
    """The manifest's PromQL checks against the environment's Prometheus, each with its
    no-data policy."""
    cfg = ctx.manifest.monitoring
    located = locate_running(ctx.environment_dir, cfg)
    services = as_scraped(ctx.services(), ctx.environment_dir)
    return metrics(cfg.checks, located, services, wait_s=cfg.wait_s)
