"""Deploy gate task, and its undo: start the release and record it; put the last one back.

Never cached: both act on the world as it is now. Health waits retry inside the gate (a
service still starting is the transient case); the task itself is not retried, since a
second deploy over a half-started one would only hide the first failure.
"""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.deploy import deploy, rollback
from golive.gates.outputs import BuildOutput, DeployOutput, ServiceRollback
from golive.gates.smoke import smoke, with_providers
from golive.ledger import open_ledger
from golive.ledger.store import LiveRelease
from golive.manifest import Service, SmokeCheck
from golive.monitoring.targets import retarget
from golive.proxy.switch import (
    Verify,
    critical_smoke,
    deploy_switched,
    promote,
    switch_back,
)
from golive.results import GateResult, Status


@task(name="deploy")
def deploy_gate(ctx: LaunchContext, built: BuildOutput) -> GateResult:
    """Start the built releases of this variant's services (behind the proxy: beside the live
    ones, verified before they take traffic); on success the ledger records them as this
    launch's candidates (live only once the launch ends GO)."""
    proxy, env = ctx.proxy(), ctx.service_env()
    live = ctx.previous_releases(open_ledger().live_releases(ctx.environment))
    same_config = [name for name, before in live.items() if before.env == env]
    if proxy is None:
        result = deploy(
            ctx.services(), built.releases, ctx.backend(), env, ctx.redactor(), same_config
        )
    else:
        result = deploy_switched(
            ctx.services(),
            built.releases,
            ctx.backend(),
            proxy,
            ctx.environment_dir,
            env,
            ctx.redactor(),
            verify_candidates(ctx),
            same_config,
            canary_weight=ctx.manifest.proxy.canary_weight or 100,
        )
    if result.status is Status.PASSED:
        ctx.save_config()
        open_ledger().record_candidates(ctx.launch_id, ctx.environment, built.releases)
    return result


def verify_candidates(ctx: LaunchContext) -> Verify:
    """What a candidate passes before it takes traffic: its service's critical smoke checks
    (with the checks whose captures they use), as the smoke gate runs them."""
    m, values = ctx.manifest, ctx.env_values()
    keys = {k: values[k] for k in m.smoke_env_keys() if k in values}

    def run(checks: list[SmokeCheck], services: list[Service]) -> GateResult:
        return smoke(with_providers(checks, m.smoke), services, env=keys, redactor=ctx.redactor())

    return critical_smoke(ctx.services(), m.smoke, run)


@task(name="rollback")
def rollback_release(ctx: LaunchContext, previous: dict[str, LiveRelease]) -> list[ServiceRollback]:
    """Stop this launch's release and start `previous` (what was live before it) again, each
    with the configuration it ran with. Behind the proxy: switch back at once."""
    proxy = ctx.proxy()
    if proxy is None:
        deployed = next(
            (r.output for r in open_ledger().gate_results(ctx.launch_id) if r.gate == "deploy"),
            None,
        )
        untouched = deployed.unchanged if isinstance(deployed, DeployOutput) else ()
        return rollback(ctx.services(), ctx.previous_releases(previous), ctx.backend(), untouched)
    undone = switch_back(
        ctx.services(), ctx.previous_releases(previous), ctx.backend(), proxy, ctx.environment_dir
    )
    watch_routes(ctx)
    return undone


@task(name="promote")
def promote_release(ctx: LaunchContext) -> list[str]:
    """After GO, behind the proxy: the candidates become live and the releases they replaced
    stop (they kept running until the verdict, for an instant switch back). The services."""
    proxy = ctx.proxy()
    if proxy is None:
        return []
    promoted = promote(ctx.backend(), proxy, ctx.environment_dir)
    watch_routes(ctx)
    return promoted


def watch_routes(ctx: LaunchContext) -> None:
    """The environment's Prometheus scrapes the releases the routes now name."""
    retarget(ctx.services(), ctx.environment_dir, ctx.backend().running())
