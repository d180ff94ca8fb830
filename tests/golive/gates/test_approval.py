"""The approval gate: what a staged launch's decision means for the verdict."""

from __future__ import annotations

from golive.gates.approval import aborted, no_decision
from golive.gates.registry import required_gates
from golive.results import Category, Status, passed
from golive.scorecard import decide


def test_an_abort_blocks_naming_who_and_why() -> None:
    result = aborted(2, "ana", "payments dashboard is red")
    assert (result.status, result.blocks_launch) == (Status.FAILED, True)
    assert result.summary == "stage 2 aborted by ana: payments dashboard is red"
    assert result.category is Category.DEPLOYMENT
    assert result.details == [{"stage": 2, "approver": "ana", "note": "payments dashboard is red"}]


def test_no_decision_blocks_too_and_makes_the_launch_no_go() -> None:
    everything = [passed(g, "ok") for g in required_gates("full")]
    card = decide([*everything, no_decision(3, "TimeoutError: paused too long")], "full")
    assert card.verdict == "NO-GO"
    assert card.reasons == ["approval: no approval for stage 3: TimeoutError: paused too long"]
