"""Metrics gate: the manifest's PromQL checks, evaluated by Prometheus after smoke and load.

Each check is an instant query (which may use a range window such as [1m]) compared with a
threshold. An empty or NaN result is "no data", never an obscure error: it says so and applies
the check's own no_data policy (fail, pass or warn). Before querying, the gate waits (bounded)
for one scrape of every service newer than its own start, so the last requests of the load
test are counted.
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable
from typing import Any

import httpx

from golive import prometheus as prom
from golive.manifest import MetricCheck, Service
from golive.results import GateResult, failed, passed, skipped, warned

GATE = "metrics"
COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


def wait_fresh(
    client: httpx.Client, url: str, services: list[Service], since: float, wait_s: float
) -> bool:
    """True once every service's target was scraped after `since` (a Unix time)."""
    deadline = time.monotonic() + wait_s
    delay = 0.2
    while True:
        try:
            targets = prom.api_get(client, url, "/api/v1/targets", state="active")
        except prom.PrometheusError:
            targets = {"activeTargets": []}
        found = [prom.target_for(s, targets["activeTargets"]) for s in services]
        if all(t and prom.parse_time(str(t.get("lastScrape", ""))) > since for t in found):
            return True
        if time.monotonic() + delay > deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0)


def values_of(data: dict[str, Any]) -> list[float]:
    """The numbers of an instant query's result (a vector's samples or a scalar); NaN dropped,
    because a ratio over no requests (0/0) is no data, not a value."""
    kind, result = data.get("resultType"), data.get("result")
    if kind == "vector":
        raw = [sample["value"][1] for sample in result or []]
    elif kind == "scalar" and result:
        raw = [result[1]]
    else:
        raw = []
    return [v for v in (float(x) for x in raw) if not math.isnan(v)]


def evaluate(client: httpx.Client, url: str, check: MetricCheck) -> dict[str, Any]:
    """One detail row: value, threshold and decision (passed, failed, warned)."""
    row: dict[str, Any] = {
        "check": check.name,
        "query": check.query,
        "value": None,
        "threshold": f"{check.comparison} {check.threshold:g}",
    }
    try:
        values = values_of(prom.api_get(client, url, "/api/v1/query", query=check.query))
    except prom.PrometheusError as exc:
        return row | {"decision": "failed", "note": f"query failed: {exc}"}
    if not values:
        decision = {"fail": "failed", "pass": "passed", "warn": "warned"}[check.no_data]
        note = f"no data for {check.query} (no_data = {check.no_data!r})"
        return row | {"decision": decision, "note": note}
    compare = COMPARE[check.comparison]
    bad = [v for v in values if not compare(v, check.threshold)]
    # Several series: every one must hold; shown is the first that does not, else the closest.
    value = bad[0] if bad else min(values, key=lambda v: abs(v - check.threshold))
    note = f"{len(values)} series" if len(values) > 1 else "-"
    return row | {"value": round(value, 6), "decision": "failed" if bad else "passed", "note": note}


def summarize(rows: list[dict[str, Any]]) -> str:
    bad = [r for r in rows if r["decision"] == "failed"] or [
        r for r in rows if r["decision"] == "warned"
    ]
    if not bad:
        return f"{len(rows)} metric check(s) passed"
    row = bad[0]
    if row["value"] is None:
        return f"check {row['check']}: {row['note']}"
    return f"check {row['check']}: {row['value']:g} is not {row['threshold']}"


def metrics(
    checks: list[MetricCheck],
    located: prom.Located,
    services: list[Service],
    wait_s: float = 30,
) -> GateResult:
    """Evaluate the checks against the located Prometheus; skipped without one or no checks."""
    started, since = time.monotonic(), time.time()
    # Score 100 when skipped: the scorecard's Monitoring row takes its members' lowest score,
    # and the monitor gate already scores (and, if required, blocks) a missing Prometheus.
    if located.url is None:
        why = f"no Prometheus to query: {located.reason}"
        return skipped(GATE, why, score=100)
    if not checks:
        why = "no [[monitoring.checks]] in the manifest"
        return skipped(GATE, why, score=100)
    with httpx.Client(timeout=10.0) as client:
        fresh = wait_fresh(client, located.url, services, since, wait_s)
        rows = [evaluate(client, located.url, c) for c in checks]
    summary = summarize(rows) + ("" if fresh else " (no fresh scrape of every service)")
    ok = sum(r["decision"] == "passed" for r in rows)
    kw: dict[str, Any] = {
        "details": rows,
        "duration_s": time.monotonic() - started,
        "score": round(100 * ok / len(rows)),
    }
    if any(r["decision"] == "failed" for r in rows):
        return failed(GATE, summary, **kw)
    if any(r["decision"] == "warned" for r in rows):
        return warned(GATE, summary, **kw)
    return passed(GATE, summary, **kw)
