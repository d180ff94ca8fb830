"""Deploy and rollback tasks: start the release, record it in the ledger; put the last one back.

Never cached: both act on the world as it is now. Health waits retry inside the gate (a
service still starting is the transient case); the task itself is not retried, since a
second deploy over a half-started one would only hide the first failure.
"""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.deploy import deploy, rollback
from golive.ledger import open_ledger
from golive.results import GateResult, Status


@task(name="deploy")
def deploy_gate(ctx: LaunchContext, build: GateResult) -> GateResult:
    releases = build.data["releases"]
    result = deploy(ctx.services(), releases, ctx.backend(), ctx.service_env(), ctx.redactor())
    if result.status is Status.PASSED:
        open_ledger().record_releases(
            ctx.launch_id,
            ctx.environment,
            {name: (rel["release_id"], rel["path"]) for name, rel in releases.items()},
        )
    return result


@task(name="rollback")
def rollback_release(ctx: LaunchContext, previous: dict[str, tuple[int, str, str]]) -> list[str]:
    """previous: per service, the (ledger row id, release id, path) that was live before."""
    lines = rollback(
        ctx.services(),
        {s: (rid, path) for s, (_, rid, path) in previous.items()},
        ctx.backend(),
        ctx.service_env(),
    )
    restored = {
        s: row
        for s, (row, _, _) in previous.items()
        if any(line.startswith(f"{s}:") and "serving again" in line for line in lines)
    }
    open_ledger().roll_back(ctx.launch_id, ctx.environment, restored)
    return lines
