"""Approvals between the stages of a staged launch: the decision's form, waiting for it, and
its deadline.

Run locally a staged launch pauses in-process, with a timer that records an automatic abort at
the deadline. On a deployment it suspends, freeing its worker; a suspended run has no process
to notice its deadline, so it schedules an `approval-deadline` flow run that resumes it with
that abort. Every decision is recorded in the ledger and a `stage-N-approval` artifact, and a
run Prefect re-runs after a resume finds its decision there.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import flow, pause_flow_run, suspend_flow_run
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import State
from prefect.input import RunInput
from prefect.logging import get_run_logger
from prefect.runtime import deployment, flow_run
from pydantic import Field

from flows.lock import park
from flows.publishing import artifacts_sent
from golive.context import LaunchContext
from golive.errors import InputError
from golive.ledger import open_ledger
from golive.ledger.models import utcnow
from golive.request import StagedRequest
from golive.transient import retry_transient

PAUSE_POLL_S = 2
PAUSE_GRACE_S = 300  # Prefect's own pause timeout, after golive's deadline has aborted


class StageApproval(RunInput):
    """The decision that lets the next stage of a staged launch start."""

    approver: str = Field(description="Who decides (name or handle).")
    approve: bool = Field(True, description="Approve the next stage; untick to abort the launch.")
    note: str = Field("", description="Why: what was checked, what to watch.")


def pause_with_deadline(key: str, timeout_s: int) -> StageApproval:
    """Pause in-process for a decision; at the deadline golive itself decides: abort.

    Prefect's own pause timeout fails the flow run outright, with no chance to roll back, so
    it is only a later safety net here; the deadline is an ordinary, recorded abort.
    """
    from uuid import UUID

    from prefect.flow_runs import resume_flow_run

    run_id = UUID(str(flow_run.get_id()))

    def abort_if_still_waiting() -> None:
        with contextlib.suppress(Exception):  # already decided: the resume is refused, fine
            retry_transient(lambda: resume_flow_run(run_id, run_input=auto_abort(timeout_s)))

    timer = threading.Timer(timeout_s, abort_if_still_waiting)
    timer.daemon = True
    timer.start()
    try:
        return pause_flow_run(
            StageApproval, timeout=timeout_s + PAUSE_GRACE_S, poll_interval=PAUSE_POLL_S, key=key
        )
    finally:
        timer.cancel()


DEADLINE_DEPLOYMENT = "approval-deadline/approval-deadline"


def auto_abort(timeout_s: int) -> dict[str, Any]:
    """The decision golive records itself when nobody decided by the deadline."""
    return {"approver": "golive", "approve": False, "note": f"no approval within {timeout_s}s"}


def schedule_deadline(stage: int, timeout_s: int) -> None:
    """A suspended run has no process to notice its deadline: schedule a flow run that will.

    The idempotency key makes the re-run that follows a resume schedule nothing new.
    """
    from prefect.deployments import run_deployment

    run_id = str(flow_run.get_id())
    run_deployment(
        DEADLINE_DEPLOYMENT,
        timeout=0,
        as_subflow=False,
        parameters={"flow_run_id": run_id, "stage": stage, "timeout_s": timeout_s},
        scheduled_time=datetime.now(UTC) + timedelta(seconds=timeout_s),
        idempotency_key=f"{run_id}-stage-{stage}-deadline",
    )


@flow(name="approval-deadline", description="Abort a staged launch still waiting at its deadline.")
def approval_deadline(flow_run_id: str, stage: int, timeout_s: int) -> str:
    """Resume the staged launch with an automatic abort if it still waits for this stage."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.flow_runs import resume_flow_run

    def read_state() -> State | None:
        with get_client(sync_client=True) as client:
            return client.read_flow_run(UUID(flow_run_id)).state

    state = retry_transient(read_state)
    waiting = (
        state is not None
        and state.is_paused()
        and (state.state_details.pause_key == f"stage-{stage}-approval")
    )
    if not waiting:
        return f"stage {stage} of {flow_run_id} already decided"
    retry_transient(lambda: resume_flow_run(UUID(flow_run_id), run_input=auto_abort(timeout_s)))
    get_run_logger().warning(
        "no approval within %ss: stage %s of %s aborted", timeout_s, stage, flow_run_id
    )
    return f"stage {stage} of {flow_run_id} aborted"


def approval(ctx: LaunchContext, request: StagedRequest, stage: int) -> StageApproval:
    """Wait for the decision that starts `stage`; record it in the ledger and an artifact."""
    artifacts_sent()  # the stage so far in the UI for the approver, and before a suspend
    ledger = open_ledger()
    decided = next((a for a in ledger.approvals(ctx.launch_id) if a.stage == stage), None)
    if decided is not None:  # a resumed run: the decision is already on record
        return StageApproval(approver=decided.approver, approve=decided.approved, note=decided.note)
    if ctx.rehearsal:
        decision = StageApproval(approver="rehearsal", approve=True, note="rehearsals do not wait")
    else:
        get_run_logger().info(
            "stage %s waits for approval: golive approve %s --note …", stage, flow_run.get_id()
        )
        key = f"stage-{stage}-approval"  # fixed, so a resumed re-run gets the same input back
        if deployment.get_id():  # frees the worker; Prefect re-runs the flow on resume
            schedule_deadline(stage, request.approval_timeout_s)
            # No process renews the lease while suspended: hold it until past the deadline.
            park(ctx, utcnow() + timedelta(seconds=request.approval_timeout_s + PAUSE_GRACE_S))
            decision = suspend_flow_run(
                StageApproval, timeout=request.approval_timeout_s + PAUSE_GRACE_S, key=key
            )
        else:
            decision = pause_with_deadline(key, request.approval_timeout_s)
    ledger.record_approval(ctx.launch_id, stage, decision.approver, decision.approve, decision.note)
    verb = "approved" if decision.approve else "ABORTED"
    create_markdown_artifact(
        key=f"stage-{stage}-approval",
        markdown=f"# Stage {stage} {verb}\n\n- by: {decision.approver}\n- note: {decision.note}\n",
        description=f"stage {stage} {verb} by {decision.approver}",
    )
    return decision


def approve(run_id: str, approver: str, approved: bool, note: str) -> None:
    """Give a waiting staged launch its decision (what `golive approve` calls)."""
    from uuid import UUID

    from prefect.exceptions import ObjectNotFound
    from prefect.flow_runs import resume_flow_run

    try:
        run = UUID(run_id)
    except ValueError:
        raise InputError(f"{run_id!r} is not a flow run id (a UUID)") from None
    try:
        decision = {"approver": approver, "approve": approved, "note": note}
        retry_transient(lambda: resume_flow_run(run, run_input=decision))
    except ObjectNotFound:
        raise InputError(
            f"no flow run {run_id} on this Prefect API; check PREFECT_API_URL"
        ) from None
    except RuntimeError as exc:  # Prefect refuses to resume a run that is not waiting
        raise InputError(f"flow run {run_id} is not waiting for an approval: {exc}") from None
