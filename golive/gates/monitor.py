"""Monitor gate (first form): every deployed service's metrics endpoint serves Prometheus text.

The text is parsed with prometheus_client's parser: an endpoint that answers 200 with
something that is not exposition format fails.
"""

from __future__ import annotations

import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from golive.gates.deploy import service_url
from golive.manifest import Service
from golive.results import Category, GateResult, failed, passed

GATE = "monitor"


def scrape(client: httpx.Client, service: Service) -> tuple[int, str]:
    """(metric families, problem) for one service; problem is '' when it scraped cleanly."""
    try:
        response = client.get(service_url(service, service.metrics))
    except httpx.HTTPError as exc:
        return 0, f"{service.metrics} unreachable: {type(exc).__name__}"
    if response.status_code != 200:
        return 0, f"{service.metrics} answered {response.status_code}"
    try:
        families = list(text_string_to_metric_families(response.text))
    except ValueError as exc:
        return 0, f"{service.metrics} is not Prometheus text: {str(exc)[:80]}"
    return len(families), "" if families else f"{service.metrics} has no metrics"


def monitor(services: list[Service]) -> GateResult:
    started = time.monotonic()
    rows = []
    with httpx.Client(timeout=5.0) as client:
        for svc in services:
            count, problem = scrape(client, svc)
            rows.append(
                {
                    "service": svc.name,
                    "endpoint": svc.metrics,
                    "families": count,
                    "problem": problem or "-",
                }
            )
    bad = [r for r in rows if r["problem"] != "-"]
    duration = time.monotonic() - started
    if bad:
        return failed(
            GATE,
            Category.MONITORING,
            f"service {bad[0]['service']}: {bad[0]['problem']}",
            score=round(100 * (len(rows) - len(bad)) / len(rows)),
            details=rows,
            duration_s=duration,
        )
    return passed(
        GATE,
        Category.MONITORING,
        f"{len(rows)} metrics endpoint(s) scraped directly (no Prometheus configured)",
        details=rows,
        duration_s=duration,
    )
