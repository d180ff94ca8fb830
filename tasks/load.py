"""Load gate task: never cached, it measures the deployed services as they are now."""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.load import load
from golive.results import Category, GateResult, skipped


@task(name="load")
def load_gate(ctx: LaunchContext) -> GateResult:
    profile = ctx.manifest.load
    if profile is None:
        return skipped("load", Category.LOAD, "no [load] profile in the manifest")
    return load(profile, ctx.manifest.root, ctx.services(), ctx.evidence_dir("load"))
