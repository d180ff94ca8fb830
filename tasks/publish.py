"""Recording a gate's outcome: its `gate-<name>` artifact, a log line, and the ledger row.

Called by the flow after each gate (not inside the gate task), so a result taken from the
cache is recorded for this launch just like a fresh one.
"""

from __future__ import annotations

from prefect.artifacts import create_table_artifact
from prefect.logging import get_run_logger

from golive.context import LaunchContext
from golive.ledger import open_ledger
from golive.results import GateResult, Status


def artifact_key(gate: str) -> str:
    return f"gate-{gate}"


def publish(ctx: LaunchContext, result: GateResult, stage: int | None = None) -> None:
    logger = get_run_logger()
    log = logger.warning if result.status in (Status.FAILED, Status.WARNED) else logger.info
    block = " (blocking)" if result.blocks_launch else ""
    log("gate %s: %s%s — %s", result.gate, result.status.value.upper(), block, result.summary)
    table = result.details or [{"summary": result.summary}]
    create_table_artifact(
        key=artifact_key(result.gate),
        table=[{k: str(v) for k, v in row.items()} for row in table],
        description=(
            f"**{result.gate}: {result.status.value}** (score {result.score}) — {result.summary}"
        ),
    )
    open_ledger().record_gate(ctx.launch_id, result, stage)
