"""The offline watcher: without any Prometheus, golive scrapes each metrics endpoint itself.

Each endpoint must answer 200 with Prometheus text that prometheus_client's parser reads and
that holds at least one metric family. No rules are evaluated: nothing here runs them.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

from golive.health import service_url
from golive.manifest import Service
from golive.monitoring.interface import Located, Row


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


@dataclass(frozen=True)
class DirectScrape:
    """A Watcher with no Prometheus; reason says why there is none."""

    reason: str

    @property
    def located(self) -> Located:
        return Located("none", None, self.reason)

    def observe(self, services: list[Service], wait_s: float) -> tuple[list[Row], list[Row]]:
        """Each endpoint scraped once (rows: service, endpoint, families, problem); no rules."""
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
        return rows, []
