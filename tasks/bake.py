"""Bake gate task: never cached. Measures the canaries, then acts on the outcome at once: a
passed bake gives the new releases all the traffic (the old ones stay as a backup until GO
retires them); a failed one gives them none before the NO-GO's rollback switches back."""

from __future__ import annotations

from dataclasses import replace

from prefect import task

from golive.context import LaunchContext
from golive.gates.bake import GATE, bake, canaries_of
from golive.monitoring import locate_running
from golive.proxy import load_routes
from golive.proxy.switch import reweigh
from golive.results import GateResult, skipped


@task(name="bake")
def bake_gate(ctx: LaunchContext) -> GateResult:
    """The manifest's [bake] against the canaries this launch deployed behind the proxy."""
    m, proxy = ctx.manifest, ctx.proxy()
    if m.bake is None or proxy is None or not m.proxy.canary_weight:
        return skipped(GATE, "no canary ([proxy] canary_weight)", score=100)
    names = {s.name for s in ctx.services()}
    canaries = canaries_of(load_routes(ctx.environment_dir), names)
    result = bake(m.bake, locate_running(ctx.environment_dir, m.monitoring), canaries)
    if not canaries:
        return result
    if result.blocks_launch:
        reweigh(proxy, ctx.environment_dir, 0)
        return replace(result, summary=f"{result.summary}; the canary takes no more traffic")
    reweigh(proxy, ctx.environment_dir, 100)
    return result
