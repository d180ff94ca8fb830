"""Smoke gate task: never cached; soft launches run only the critical checks."""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.smoke import smoke
from golive.results import GateResult


@task(name="smoke")
def smoke_gate(ctx: LaunchContext) -> GateResult:
    """The manifest's HTTP checks against the deployed services (soft: critical ones only)."""
    checks = [c for c in ctx.manifest.smoke if ctx.variant != "soft" or c.critical]
    return smoke(checks, ctx.services())
