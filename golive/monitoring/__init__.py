"""Monitoring of a deployed environment. This module is the one place that picks who watches.

`interface` holds the Watcher contract and the boundary's errors; `prometheus` runs and reads a
Prometheus, `prometheus_watch` observes through one, and `direct` is the offline fallback that
scrapes the endpoints itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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
    prepared_url,
    rule_groups,
    running_url,
    start_prometheus,
    write_targets,
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
    "prepare",
]


def open_watch(
    services: list[Service],
    environment_dir: Path | None,
    cfg: Monitoring,
    rule_files: list[Path],
    targets: Targets | None = None,
    launch_id: int | None = None,
) -> Watcher:
    """For the monitor gate: an existing Prometheus (once ready), else the one this launch
    started during Hour 1 (`prepare`), given these services as its targets, else one started
    now for the environment with these rule files, else golive scraping the endpoints itself
    (and why).

    `targets`: where Prometheus scrapes each service, if not at its own port, and which release
    each target is (golive.monitoring.targets). Raises PrometheusError for a rule file that is
    not rules or a started one that fails.
    """
    expected = tuple(Expected(f, g) for f in rule_files for g in rule_groups(f))
    if cfg.prometheus_url:
        url = cfg.prometheus_url.rstrip("/")
        problem = wait_healthy(f"{url}/-/ready", min(cfg.wait_s, 10), lambda: None)
        if problem:
            return DirectScrape(f"Prometheus at {url} is not ready: {problem}")
        return PrometheusWatch("existing", url, f"Prometheus at {url}", expected)
    ahead = (
        None
        if launch_id is None or environment_dir is None
        else (prepared_url(environment_dir, launch_id))
    )
    if ahead is not None and environment_dir is not None:
        since = time.time()  # Prometheus reports scrape times in wall-clock time
        write_targets(environment_dir, services, targets)
        reason = f"Prometheus started at {ahead} during Hour 1"
        return PrometheusWatch("started", ahead, reason, expected, since)
    if find_binary(cfg.prometheus_binary) is None:
        return DirectScrape(no_prometheus_reason(cfg))
    if environment_dir is None:
        return DirectScrape("no environment folder to run Prometheus in")
    url = start_prometheus(
        environment_dir, services, cfg, rule_files, timeout=cfg.wait_s, targets=targets
    )
    return PrometheusWatch("started", url, f"Prometheus started at {url}", expected)


def prepare(
    environment_dir: Path,
    live: list[Service],
    cfg: Monitoring,
    rule_files: list[Path],
    launch_id: int,
    abandon: Callable[[], bool] | None = None,
    targets: Targets | None = None,
) -> str:
    """During Hour 1: start the environment's Prometheus, with its rule files, watching the
    services live now (or the ones a rehearsal will deploy, at `targets`), so that after deploy
    the monitor gate only adds the deployed ones.
    Returns a line saying what happened; a Prometheus that fails to start is left to the
    monitor gate, which tries again and judges (a rule file rejected, a port taken).
    """
    if cfg.prometheus_url:
        return f"Prometheus at {cfg.prometheus_url} is not golive's to start"
    if find_binary(cfg.prometheus_binary) is None:
        return no_prometheus_reason(cfg)
    if abandon is not None and abandon():
        return "Prometheus not started: the launch is decided already"
    try:
        url = start_prometheus(
            environment_dir,
            live,
            cfg,
            rule_files,
            cfg.wait_s,
            targets,
            prepared_for=launch_id,
            abandon=abandon,
        )
    except MonitoringError as exc:
        if abandon is not None and abandon():
            return "Prometheus start abandoned: the launch is decided already"
        return f"{exc}; the monitor gate starts it again after deploy"
    watching = f"{len(live)} live service(s)" if targets is None else "the deploy's targets"
    return f"Prometheus started at {url} ahead of deploy, watching {watching}"


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
