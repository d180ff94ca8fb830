"""Stage 3's optimisation report: the slowest endpoints and the thresholds closest to failing."""

from __future__ import annotations

from typing import Any

from golive.results import GateResult


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def slowest(rows: list[dict[str, Any]], limit: int = 5) -> list[dict[str, Any]]:
    """Endpoint rows (not the aggregate) ordered by p95, slowest first."""
    endpoints = [
        r
        for r in rows
        if _number(r.get("p95_ms")) is not None and "Aggregated" not in str(r.get("endpoint", ""))
    ]
    return sorted(endpoints, key=lambda r: -(_number(r["p95_ms"]) or 0))[:limit]


def optimisation_report(result: GateResult) -> str:
    lines = [
        "# Optimisation report",
        "",
        f"Load gate: **{result.status.value}** — {result.summary}",
        "",
    ]
    top = slowest(result.data.get("endpoints") or result.details)  # a ramp's details are its curve
    if top:
        lines += [
            "## Slowest endpoints (p95)",
            "",
            "| endpoint | p95 ms | requests | failures |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['endpoint']} | {r['p95_ms']} | {r.get('requests', '-')} | "
            f"{r.get('failures', '-')} |"
            for r in top
        ]
    margins = result.data.get("margins", [])
    if margins:
        lines += [
            "",
            "## Thresholds, closest to failing first",
            "",
            "| threshold | measured | limit | headroom |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {m['threshold']} | {m['measured']} | {m['limit']} | {m['headroom']} |"
            for m in sorted(margins, key=lambda m: float(m["headroom_ratio"]))
        ]
    return "\n".join(lines) + "\n"
