"""Recording each gate's outcome as it ends: its `gate-<name>` artifact, a log line, and the
ledger row that keeps the whole result (typed output included) for a resumed run.

Done by the flow after each gate (not inside the gate's task), so a result taken from the
cache is recorded for this launch just like a fresh one.

Artifacts are sent to the API by one background thread, in the order they are made
(`send_artifact`): each is an API round trip of tens of milliseconds, and the next gate need
not wait for the last one's. The ledger row is written at once (a resume reads it). The flow
waits for them before it ends (`artifacts_sent`).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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

_SENDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="golive-artifacts")
_SENDING: list[tuple[str, Future[object]]] = []


def send_artifact(create: Callable[..., object], **fields: Any) -> None:
    """`create(**fields)` (a prefect.artifacts function) in the background, in this run's
    context (so the artifact belongs to this flow or task run)."""
    run_context = contextvars.copy_context()
    sending = _SENDER.submit(lambda: run_context.run(create, **fields))
    _SENDING.append((str(fields.get("key")), sending))


def artifacts_sent() -> None:
    """Wait until every artifact sent so far is created. One that could not be is logged, not
    raised: the verdict and the report files are recorded already, the artifact is their copy
    in the UI."""
    while _SENDING:
        key, sending = _SENDING.pop(0)
        try:
            sending.result()
        except Exception as exc:
            get_run_logger().warning(
                "artifact %s not created: %s: %s", key, type(exc).__name__, exc
            )


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
    send_artifact(
        create_table_artifact,
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
