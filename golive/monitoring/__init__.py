"""Monitoring of a deployed environment. This module is the one place that picks who watches.

`interface` holds the Watcher contract and the boundary's errors; `prometheus` runs and reads a
Prometheus, `prometheus_watch` observes through one, and `direct` is the offline fallback that
scrapes the endpoints itself.
"""

from __future__ import annotations

from pathlib import Path

from golive.health import wait_healthy
from golive.manifest import Monitoring, Service
from golive.monitoring.direct import DirectScrape
from golive.monitoring.interface import Located, Mode, MonitoringError, Row, Watcher
from golive.monitoring.prometheus import (
    PrometheusError,
    Targets,
    find_binary,
    no_prometheus_reason,
    rule_groups,
    running_url,
    start_prometheus,
)
from golive.monitoring.prometheus_watch import Expected, PrometheusWatch

__all__ = [
    "DirectScrape",
    "Expected",
    "Located",
    "Mode",
    "MonitoringError",
    "PrometheusError",
    "PrometheusWatch",
    "Row",
    "Targets",
    "Watcher",
    "locate_running",
    "open_watch",
]


def open_watch(
    services: list[Service],
    environment_dir: Path | None,
    cfg: Monitoring,
    rule_files: list[Path],
    targets: Targets | None = None,
) -> Watcher:
    """For the monitor gate: an existing Prometheus (once ready), else one started for the
    environment with these rule files, else golive scraping the endpoints itself (and why).

    `targets`: where a started one scrapes each service, if not at its own port, and which
    release each target is. Raises PrometheusError for a rule file that is not rules or a
    started one that fails.
    """
    expected = tuple(Expected(f, g) for f in rule_files for g in rule_groups(f))
    if cfg.prometheus_url:
        url = cfg.prometheus_url.rstrip("/")
        problem = wait_healthy(f"{url}/-/ready", min(cfg.wait_s, 10), lambda: None)
        if problem:
            return DirectScrape(f"Prometheus at {url} is not ready: {problem}")
        return PrometheusWatch("existing", url, f"Prometheus at {url}", expected)
    if find_binary(cfg.prometheus_binary) is None:
        return DirectScrape(no_prometheus_reason(cfg))
    if environment_dir is None:
        return DirectScrape("no environment folder to run Prometheus in")
    url = start_prometheus(
        environment_dir, services, cfg, rule_files, timeout=cfg.wait_s, targets=targets
    )
    return PrometheusWatch("started", url, f"Prometheus started at {url}", expected)


def locate_running(environment_dir: Path | None, monitoring: Monitoring) -> Located:
    """For the metrics gate: the Prometheus the monitor gate set up, without starting one."""
    if monitoring.prometheus_url:
        return Located("existing", monitoring.prometheus_url.rstrip("/"), "")
    url = running_url(environment_dir) if environment_dir is not None else None
    if url is not None:
        return Located("started", url, "")
    if find_binary(monitoring.prometheus_binary) is None:
        return Located("none", None, no_prometheus_reason(monitoring))
    return Located("none", None, "the monitor gate did not leave a Prometheus running")
