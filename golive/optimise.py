"""Stage 3's optimisation report: the slowest endpoints and the thresholds closest to failing."""

from __future__ import annotations

from golive.gates.outputs import EndpointStats, LoadOutput
from golive.results import GateResult

AGGREGATE = "Aggregated"  # locust's total row


def slowest(rows: tuple[EndpointStats, ...], limit: int = 5) -> list[EndpointStats]:
    """Endpoint rows (not the aggregate) ordered by p95, slowest first."""
    endpoints = [r for r in rows if r.endpoint != AGGREGATE]
    return sorted(endpoints, key=lambda r: -r.p95_ms)[:limit]


def optimisation_report(result: GateResult) -> str:
    lines = [
        "# Optimisation report",
        "",
        f"Load gate: **{result.status.value}** — {result.summary}",
        "",
    ]
    output = result.output if isinstance(result.output, LoadOutput) else LoadOutput()
    top = slowest(output.endpoints)
    if top:
        lines += [
            "## Slowest endpoints (p95)",
            "",
            "| endpoint | p95 ms | requests | failures |",
            "|---|---|---|---|",
        ]
        lines += [f"| {r.endpoint} | {r.p95_ms} | {r.requests} | {r.failures} |" for r in top]
    if output.margins:
        lines += [
            "",
            "## Thresholds, closest to failing first",
            "",
            "| threshold | measured | limit | headroom |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {m.threshold} | {m.measured:g} | {m.limit:g} | {m.headroom} |"
            for m in sorted(output.margins, key=lambda m: m.headroom_ratio)
        ]
    return "\n".join(lines) + "\n"
