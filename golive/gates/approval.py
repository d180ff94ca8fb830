"""Approval gate: a person's decision between two stages of a staged launch, as a result.

The wait itself belongs to the flow (Prefect pauses or suspends the run); this module only says
what a decision means for the verdict: an abort, or no decision at all, blocks the launch.
"""

from __future__ import annotations

from golive.results import GateResult, failed

GATE = "approval"


def aborted(stage: int, approver: str, note: str) -> GateResult:
    """A person aborted the launch before `stage`: it blocks, naming who and why."""
    return failed(
        GATE,
        f"stage {stage} aborted by {approver}: {note or 'no note'}",
        details=[{"stage": stage, "approver": approver, "note": note}],
    )


def no_decision(stage: int, why: str) -> GateResult:
    """The wait for a decision itself failed (a pause that timed out, an API error)."""
    return failed(GATE, f"no approval for stage {stage}: {why}")
