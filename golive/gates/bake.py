"""Bake gate: a canary (`[proxy] canary_weight`) serves its share of public traffic while the
`[[bake.checks]]` measure it, every interval_s for duration_s.

Each measurement evaluates every check as the metrics gate does (an instant PromQL query, its
comparison and no-data policy); a query naming `{release}` is evaluated once per canary, with
the canary's release id in its place. A measurement fails when any check fails; failure_limit
consecutive failed measurements abort the bake (blocking: the task switches the canary back).
The measurements over time are the gate's output and its table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from golive.gates.metrics import evaluate
from golive.gates.outputs import BakeMeasurement, BakeOutput
from golive.manifest import Bake, MetricCheck
from golive.manifest.bake import RELEASE
from golive.monitoring import Located
from golive.proxy.interface import RouteTable
from golive.results import GateResult, Status, failed, passed, skipped

GATE = "bake"


def canaries_of(table: RouteTable, services: set[str]) -> dict[str, str]:
    """service → candidate release id, for each of `services` whose new release shares the
    public traffic with a live one (what a bake measures)."""
    return {
        name: route.candidate.release_id
        for name, route in sorted(table.services.items())
        if name in services and route.candidate is not None and route.live is not None
    }


def queries(check: MetricCheck, canaries: dict[str, str]) -> list[tuple[str, MetricCheck]]:
    """(release, check with its query filled in): one per canary when the query names
    `{release}`, else the check as it is (release "-")."""
    if RELEASE not in check.query:
        return [("-", check)]
    return [
        (rid, check.model_copy(update={"query": check.query.replace(RELEASE, rid)}))
        for rid in sorted(set(canaries.values()))
    ]


def measure(
    client: httpx.Client,
    url: str,
    checks: list[MetricCheck],
    canaries: dict[str, str],
    number: int,
    at_s: float,
) -> list[BakeMeasurement]:
    """Every check evaluated once, now."""
    found = []
    for check in checks:
        for rid, filled in queries(check, canaries):
            row = evaluate(client, url, filled)
            found.append(
                BakeMeasurement(
                    measurement=number,
                    at_s=round(at_s, 2),
                    check=check.name,
                    release=rid,
                    value=row["value"],
                    threshold=row["threshold"],
                    decision=row["decision"].value,
                    note=str(row.get("note", "-")),
                )
            )
    return found


def describe(m: BakeMeasurement) -> str:
    """A failed measurement in words, naming the check, the release and what was measured."""
    on = f" on release {m.release[:12]}" if m.release != "-" else ""
    what = m.note if m.value is None else f"{m.value:g} is not {m.threshold}"
    return f"check {m.check}{on}: {what} at measurement {m.measurement}"


def bake(
    cfg: Bake,
    located: Located,
    canaries: dict[str, str],
    sleep: Callable[[float], None] = time.sleep,
) -> GateResult:
    """Measure the canaries every interval_s for duration_s; fail at failure_limit consecutive
    failed measurements. Skipped when no service has a canary (nothing changed)."""
    started = time.monotonic()
    if not canaries:
        return skipped(GATE, "no canary: no service's release changed", score=100)
    if located.url is None:
        return failed(GATE, f"no Prometheus to measure the canary: {located.reason}")
    taken: list[BakeMeasurement] = []
    in_a_row = 0
    with httpx.Client(timeout=10.0) as client:
        for number in range(1, cfg.measurements + 1):
            # Measured at the end of each interval, on a fixed schedule (no drift).
            sleep(max(0.0, started + number * cfg.interval_s - time.monotonic()))
            now = measure(
                client, located.url, cfg.checks, canaries, number, time.monotonic() - started
            )
            taken += now
            bad = [m for m in now if m.decision == Status.FAILED.value]
            in_a_row = in_a_row + 1 if bad else 0
            if in_a_row >= cfg.failure_limit:
                return failed(
                    GATE,
                    f"{describe(bad[0])} ({in_a_row} failed measurement(s) in a row,"
                    f" failure_limit {cfg.failure_limit})",
                    **result_extras(canaries, taken, started, aborted_at=number),
                )
    ok = sum(1 for m in taken if m.decision != Status.FAILED.value)
    return passed(
        GATE,
        f"{len(canaries)} canary release(s) baked {cfg.measurements} measurement(s)"
        f" of {len(cfg.checks)} check(s)",
        score=round(100 * ok / len(taken)) if taken else 100,
        **result_extras(canaries, taken, started, aborted_at=None),
    )


def result_extras(
    canaries: dict[str, str], taken: list[BakeMeasurement], started: float, aborted_at: int | None
) -> dict[str, Any]:
    """The result's table (one row per measured check), output and duration."""
    return {
        "details": [m.model_dump() for m in taken],
        "output": BakeOutput(canaries=canaries, measurements=tuple(taken), aborted_at=aborted_at),
        "duration_s": time.monotonic() - started,
    }
