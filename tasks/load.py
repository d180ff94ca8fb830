"""Load gate tasks: never cached, they measure the deployed services as they are now.

`load_gate` runs the profile once (full launches); `load_ramp_gate` runs it at each user count
of the profile's `ramp` (a staged launch's day 3) and records the capacity curve.
"""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.load import load, load_ramp
from golive.results import GateResult, skipped


def locust_values(ctx: LaunchContext) -> dict[str, str]:
    """The `[load] env` keys' values in this environment (a rehearsal's own URLs and ports)."""
    keys = ctx.manifest.load.env if ctx.manifest.load else []
    values = ctx.env_values() if keys else {}
    return {k: values[k] for k in keys if k in values}


@task(name="load")
def load_gate(ctx: LaunchContext) -> GateResult:
    """The manifest's load profile, once, against this variant's services."""
    profile = ctx.manifest.load
    if profile is None:
        return skipped("load", "no [load] profile in the manifest")
    m = ctx.manifest
    evidence = ctx.evidence_dir("load")
    values = locust_values(ctx)
    return load(profile, m.root, ctx.services(), evidence, m.env.pass_env, values, m.python)


@task(name="load-ramp")
def load_ramp_gate(ctx: LaunchContext, ramp: list[int] | None = None) -> GateResult:
    """The ramp over `ramp` if given (a staged request's), else `[load] ramp`; with neither,
    one step at the profile's users."""
    profile = ctx.manifest.load
    if profile is None:
        return skipped("load", "no [load] profile in the manifest")
    steps = list(ramp or profile.ramp)
    m = ctx.manifest
    return load_ramp(
        profile,
        m.root,
        ctx.services(),
        ctx.evidence_dir("load"),
        steps,
        m.env.pass_env,
        locust_values(ctx),
        m.python,
    )
