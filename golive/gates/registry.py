"""The one list of gates: each gate's name, scorecard row, place in the plan, the variants whose
GO requires it, its output type, and what it checks.

The scorecard, the flows, the tasks, the ledger and the README's gate table read this list;
a gate missing from it fails a test. Adding a gate: one module in `golive/gates/`, one task
module in `tasks/`, one line here, and its tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from golive.gates import outputs
from golive.results import Category, GateResult, Status

# A staged launch is decided as the variant it deploys (full, or soft with core services only).
Variant = Literal["full", "soft"]
ALL: frozenset[Variant] = frozenset({"full", "soft"})


@dataclass(frozen=True)
class Gate:
    name: str
    category: Category  # its scorecard row
    hour: int  # 1: infrastructure, before anything is built; 2: deployment
    stage: int  # the stage of a staged launch that runs it
    required_in: frozenset[Variant]  # GO needs it to have run (and not block) in these variants
    output: type[outputs.GateOutput] | None  # what it hands on; None: nothing
    checks: str  # one line for the README's gate table
    has_task: bool = True  # False: the flow itself runs it (a person's decision, not work)


GATES: tuple[Gate, ...] = (
    Gate(
        "configure",
        Category.CONFIGURATION,
        1,
        1,
        ALL,
        None,
        "the production env file against its template and rules",
    ),
    Gate(
        "audit",
        Category.SECURITY,
        1,
        1,
        ALL,
        outputs.AuditOutput,
        "known vulnerabilities in the target's dependencies",
    ),
    Gate("tests", Category.TESTS, 1, 1, ALL, None, "the target's test suites"),
    Gate(
        "migrate",
        Category.DATABASE,
        1,
        1,
        ALL,
        outputs.MigrateOutput,
        "a backup, then the migrations to head",
    ),
    Gate(
        "build",
        Category.BUILD,
        2,
        2,
        ALL,
        outputs.BuildOutput,
        "an immutable release of each service",
    ),
    Gate(
        "deploy",
        Category.DEPLOYMENT,
        2,
        2,
        ALL,
        outputs.DeployOutput,
        "each service started and healthy",
    ),
    Gate(
        "monitor",
        Category.MONITORING,
        2,
        2,
        ALL,
        outputs.MonitorOutput,
        "every service scraped, alert rules loaded",
    ),
    Gate("smoke", Category.SMOKE, 2, 2, ALL, None, "the manifest's HTTP checks"),
    Gate(
        "load",
        Category.LOAD,
        2,
        3,
        frozenset({"full"}),
        outputs.LoadOutput,
        "locust against the thresholds",
    ),
    # Only with a canary ([proxy] canary_weight); never run without one.
    Gate(
        "bake",
        Category.DEPLOYMENT,
        2,
        3,
        frozenset(),
        outputs.BakeOutput,
        "a canary's share of traffic measured by PromQL checks, then promoted or switched back",
    ),
    Gate(
        "metrics",
        Category.MONITORING,
        2,
        3,
        frozenset(),
        None,
        "the manifest's PromQL checks after smoke and load",
    ),
    # A person's decision between two stages of a staged launch: blocks when it is an abort.
    Gate(
        "approval",
        Category.DEPLOYMENT,
        2,
        2,
        frozenset(),
        None,
        "a staged launch's approval before stages 2 and 3",
        has_task=False,
    ),
)

BY_NAME: dict[str, Gate] = {g.name: g for g in GATES}


def gate(name: str) -> Gate:
    """The registry line of a gate; a name not in the registry is a bug, said loudly."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"gate {name!r} is not in golive.gates.registry.GATES") from None


def required_gates(variant: Variant) -> tuple[str, ...]:
    """The gates GO needs in this variant, in plan order."""
    return tuple(g.name for g in GATES if variant in g.required_in)


def markdown_table() -> str:
    """The README's gate table, written from this list (a test keeps the README in step)."""
    lines = [
        "| gate | scorecard row | hour | staged: stage | GO needs it in | hands on | checks |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in GATES:
        needed = ", ".join(v for v in ("full", "soft") if v in g.required_in) or "-"
        output = g.output.__name__ if g.output else "-"
        lines.append(
            f"| {g.name} | {g.category.value} | {g.hour} | {g.stage} | {needed} | {output} "
            f"| {g.checks} |"
        )
    return "\n".join(lines) + "\n"


def result_to_json(result: GateResult) -> str:
    """The whole result as JSON (the ledger's record), its output included."""
    return json.dumps(
        {
            "gate": result.gate,
            "category": result.category.value,
            "status": result.status.value,
            "blocking": result.blocking,
            "score": result.score,
            "summary": result.summary,
            "details": result.details,
            "duration_s": result.duration_s,
            "evidence": result.evidence,
            "output": result.output.model_dump(mode="json") if result.output else None,
            "made_at": result.made_at,
            "cached": result.cached,
            "reused_from": result.reused_from,
        },
        default=str,
    )


def result_from_json(text: str) -> GateResult:
    """The result `result_to_json` wrote, rebuilt exactly, its output typed by the registry."""
    data: dict[str, Any] = json.loads(text)
    output_type = gate(data["gate"]).output
    raw_output = data.get("output")
    return GateResult(
        gate=data["gate"],
        status=Status(data["status"]),
        blocking=bool(data["blocking"]),
        score=int(data["score"]),
        summary=data["summary"],
        details=list(data.get("details") or []),
        duration_s=float(data.get("duration_s") or 0.0),
        evidence=list(data.get("evidence") or []),
        output=output_type.model_validate(raw_output) if output_type and raw_output else None,
        made_at=float(data.get("made_at") or 0.0),
        cached=bool(data.get("cached")),
        reused_from=data.get("reused_from"),
    )


if __name__ == "__main__":
    print(markdown_table(), end="")
