"""Recording each gate's outcome as it ends: its `gate-<name>` artifact, a log line, and the
ledger row that keeps the whole result (typed output included) for a resumed run.

Done by the flow after each gate (not inside the gate's task), so a result taken from the
cache is recorded for this launch just like a fresh one.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.futures import PrefectFuture
from prefect.logging import get_run_logger

from golive.cancel import GateHandle
from golive.context import LaunchContext
from golive.ledger import open_ledger
from golive.request import LaunchRequest
from golive.results import GateResult, Status, cancelled, failed


def artifact_key(gate: str) -> str:
    """The key of a gate's table artifact: `gate-<name>`."""
    return f"gate-{gate}"


def publish(
    ctx: LaunchContext, result: GateResult, stage: int | None = None, inputs: str | None = None
) -> GateResult:
    """Log the result, create its artifact and record it in the ledger (with the digest of
    its `inputs`, for a later resume); secrets redacted from all three
    (golive.envfile.Redactor). Returns the result as published."""
    result = result.redacted(ctx.redactor())
    note = result.origin_note()  # cached, or reused by a resume
    logger = get_run_logger()
    log = logger.warning if result.status in (Status.FAILED, Status.WARNED) else logger.info
    block = " (blocking)" if result.blocks_launch else ""
    log(
        "gate %s: %s%s%s — %s",
        result.gate,
        result.status.value.upper(),
        block,
        f" ({note})" if note else "",
        result.summary,
    )
    table = result.details or [{"summary": result.summary}]
    create_table_artifact(
        key=artifact_key(result.gate),
        table=[{k: str(v) for k, v in row.items()} for row in table],
        description=(
            f"**{result.gate}: {result.status.value}** (score {result.score}, "
            f"{result.duration_s:.1f} s{', ' + note if note else ''})"
            f" — {result.summary}"
        ),
    )
    open_ledger().record_gate(ctx.launch_id, result, stage, inputs)
    return result


def outcome(
    ctx: LaunchContext,
    gate: str,
    future: PrefectFuture[GateResult],
    stage: int | None = None,
    *,
    handle: GateHandle | None = None,
    since: float | None = None,
    inputs: str | None = None,
) -> GateResult:
    """The gate's result, published; a task that crashed becomes a blocking failure of its gate.

    A gate `handle` says was cut short (golive.cancel) is a cancelled gate, not a failed one.
    A result taken from the cache reports this run's time for the gate (from `since`, a
    `time.monotonic()` taken when it was submitted), says so, and says when it was made.
    """
    since = time.monotonic() if since is None else since
    try:
        result = future.result()
    except Exception as exc:  # the gate's own bug or a tool error: report it, never hide it
        result = failed(gate, f"gate crashed: {type(exc).__name__}: {exc}")
    if handle is not None and handle.interrupted:
        result = cancelled(gate, handle.reason)
    elif from_cache(future):
        result = result.from_cache(time.monotonic() - since)
    return publish(ctx, result, stage, inputs)


def from_cache(future: PrefectFuture[GateResult]) -> bool:
    """Whether the task run took its result from the cache (Prefect names that state Cached)."""
    return future.state.name == "Cached"


def publish_plan(request: LaunchRequest) -> dict[str, Any]:
    """A launch asked only for its plan: publish it as the `launch-plan` artifact and return
    it; no gate runs, no launch is recorded, no lock is taken (golive.dryrun)."""
    from golive.dryrun import make_plan
    from golive.dryrun_markdown import plan_markdown

    manifest = Path(request.manifest)
    plan = make_plan(manifest, request.environment, request.variant, request.rehearsal)
    create_markdown_artifact(
        plan_markdown(plan), key="launch-plan", description="What this launch would do"
    )
    get_run_logger().info("plan only: %d gates, nothing run or changed", len(plan.gates))
    return plan.model_dump(mode="json")
