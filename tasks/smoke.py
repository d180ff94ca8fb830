"""Smoke gate task: never cached; soft launches run only the critical checks (and the checks
whose captures those use, a login for instance)."""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.smoke import smoke, with_providers
from golive.results import GateResult


@task(name="smoke")
def smoke_gate(ctx: LaunchContext) -> GateResult:
    """The manifest's HTTP checks against the deployed services (soft: critical ones only)."""
    m = ctx.manifest
    chosen = [c for c in m.smoke if ctx.variant != "soft" or c.critical]
    values = ctx.env_values()
    env = {k: values[k] for k in m.smoke_env_keys() if k in values}
    return smoke(
        with_providers(chosen, m.smoke),
        ctx.services(),
        env=env,
        redactor=ctx.redactor(),
        captures_file=ctx.captures_file,
    )
