"""The Prometheus watcher: each service's target and each expected rule group, read from the API.

A target not scraped yet and a rule not evaluated yet are the transient cases: they are read
again, with backoff, up to the wait the gate allows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from golive.health import service_url
from golive.manifest import Service
from golive.monitoring.interface import Located, Row
from golive.monitoring.prometheus import api_get, parse_time, target_for


@dataclass(frozen=True)
class Expected:
    """A rule group the manifest's rule files declare (file is the resolved path)."""

    file: Path
    group: str


def target_rows(services: list[Service], targets: list[Row], since: float = 0.0) -> list[Row]:
    """One row per service. A target last scraped before `since` (when the monitor gate gave
    an already running Prometheus the deployed services) is not judged yet: that scrape may
    have read what ran before deploy."""
    rows = []
    for svc in services:
        target = target_for(svc, targets)
        health = str(target.get("health", "unknown")) if target else "missing"
        if target is None:
            problem = "Prometheus has no target scraping it"
        elif parse_time(str(target.get("lastScrape", ""))) < since:
            health, problem = "unknown", "not scraped since deploy yet"
        else:
            problem = "-" if health == "up" else target.get("lastError") or "not scraped yet"
        rows.append(
            {"check": f"target {svc.name}", "health": health, "problem": problem}
            | {"where": service_url(svc, svc.metrics)}
        )
    return rows


def rule_rows(expected: list[Expected], groups: list[Row], match_file: bool) -> list[Row]:
    """One row per expected group. An existing Prometheus loads its own copies of the files,
    so there groups are matched by name only."""
    rows = []
    for exp in expected:
        group = next(
            (
                g
                for g in groups
                if g.get("name") == exp.group and (not match_file or g.get("file") == str(exp.file))
            ),
            None,
        )
        rules = group.get("rules", []) if group else []
        bad = [r for r in rules if r.get("health") == "err"]
        pending = [r for r in rules if r.get("health") not in ("ok", "err")]
        if group is None:
            health, problem = "missing", f"group {exp.group!r} not loaded"
        elif bad:
            health, problem = "err", f"rule {bad[0].get('name')}: {bad[0].get('lastError')}"
        else:
            health, problem = ("unknown", "not evaluated yet") if pending else ("ok", "-")
        rows.append(
            {"check": f"rules {exp.file.name}: {exp.group}", "health": health}
            | {"problem": problem, "where": exp.file.name}
        )
    return rows


@dataclass(frozen=True)
class PrometheusWatch:
    """A Watcher that reads a Prometheus at url. Rows: check, health, problem, where."""

    mode: Literal["started", "existing"]
    url: str
    reason: str
    expected: tuple[Expected, ...] = ()
    since: float = 0.0  # Unix time: only scrapes from then on count (see target_rows)

    @property
    def located(self) -> Located:
        return Located(self.mode, self.url, self.reason)

    def read(self, client: httpx.Client, services: list[Service]) -> tuple[list[Row], list[Row]]:
        """Target and rule rows as the API answers now. Raises PrometheusError."""
        targets = api_get(client, self.url, "/api/v1/targets", state="active")
        t_rows = target_rows(services, targets["activeTargets"], self.since)
        if not self.expected:
            return t_rows, []
        groups = api_get(client, self.url, "/api/v1/rules")["groups"]
        # A Prometheus golive started loads the manifest's files themselves: match the path too.
        return t_rows, rule_rows(list(self.expected), groups, self.mode == "started")

    def observe(self, services: list[Service], wait_s: float) -> tuple[list[Row], list[Row]]:
        deadline = time.monotonic() + wait_s
        delay = 0.2
        with httpx.Client(timeout=5.0) as client:
            while True:
                t_rows, r_rows = self.read(client, services)
                settled = all(r["health"] == "up" for r in t_rows) and all(
                    r["health"] != "unknown" for r in r_rows
                )
                if settled or time.monotonic() + delay > deadline:
                    return t_rows, r_rows
                time.sleep(delay)
                # At most half a second between reads: targets are scraped every second or so,
                # and each read is two small requests; a longer wait was all monitor-gate time.
                delay = min(delay * 1.5, 0.5)
