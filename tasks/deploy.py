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
    """Start the built releases of this variant's services; on success they are live in the
    ledger (the previous ones retired, so a rollback knows what to put back)."""
    result = deploy(
        ctx.services(), built.releases, ctx.backend(), ctx.service_env(), ctx.redactor()
    )
    if result.status is Status.PASSED:
        open_ledger().record_releases(ctx.launch_id, ctx.environment, built.releases)
    return result


@task(name="rollback")
def rollback_release(ctx: LaunchContext, previous: dict[str, LiveRelease]) -> list[ServiceRollback]:
    """Stop this launch's release and start `previous` (what was live before it) again; the
    ledger marks this launch's releases rolled back and the restored ones live."""
    outcomes = rollback(
        ctx.services(),
        {name: live.release for name, live in previous.items()},
        ctx.backend(),
        ctx.service_env(),
    )
    restored = [previous[o.service].row_id for o in outcomes if o.outcome == "restored"]
    open_ledger().roll_back(ctx.launch_id, ctx.environment, restored)
    return outcomes
