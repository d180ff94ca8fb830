"""Deploy gate task, and its undo: start the release and record it; put the last one back.

Never cached: both act on the world as it is now. Health waits retry inside the gate (a
service still starting is the transient case); the task itself is not retried, since a
second deploy over a half-started one would only hide the first failure.
"""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.deploy import deploy, rollback
from golive.gates.outputs import BuildOutput, ServiceRollback
from golive.ledger import open_ledger
from golive.ledger.store import LiveRelease
from golive.results import GateResult, Status


@task(name="deploy")
def deploy_gate(ctx: LaunchContext, built: BuildOutput) -> GateResult:
    """Start the built releases of this variant's services; on success the ledger records them
    as this launch's candidates (live only once the launch ends GO)."""
    result = deploy(
        ctx.services(), built.releases, ctx.backend(), ctx.service_env(), ctx.redactor()
    )
    if result.status is Status.PASSED:
        ctx.save_config()
        open_ledger().record_candidates(ctx.launch_id, ctx.environment, built.releases)
    return result


@task(name="rollback")
def rollback_release(ctx: LaunchContext, previous: dict[str, LiveRelease]) -> list[ServiceRollback]:
    """Stop this launch's release and start `previous` (what was live before it) again, each
    with the configuration it ran with."""
    return rollback(ctx.services(), ctx.previous_releases(previous), ctx.backend())
