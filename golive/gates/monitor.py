"""Monitor gate: Prometheus scrapes every deployed service and its alert rules are loaded.

With Prometheus (one golive starts for the environment, or an existing one at a URL) each
service's target must be up and each rule group of the manifest's rule files loaded and healthy;
a target not scraped yet is waited for, with backoff, up to `monitoring.wait_s`.

Without any Prometheus the endpoints are scraped directly, and the gate says so;
`monitoring.require_prometheus` makes that blocking. Who watches is picked by
`golive.monitoring.open_watch`; this gate observes and judges.

A service with `metrics = ""` has no metrics to scrape: its health endpoint is checked instead,
and the gate warns that it is not monitored (a health endpoint down still blocks).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from golive.gates.outputs import MonitorOutput
from golive.health import service_url
from golive.manifest import Monitoring, Service
from golive.monitoring import Located, MonitoringError, Row, Targets, Watcher, open_watch
from golive.monitoring.prometheus import NOT_STARTED
from golive.results import GateResult, Status, failed, passed, warned

GATE = "monitor"
NOTHING_SCRAPED = "no service has metrics to scrape"


def scraped_directly(rows: list[Row], why: str, require: bool, started: float) -> GateResult:
    """The fallback's result: endpoints scraped directly, and no Prometheus (why)."""
    bad = [r for r in rows if r["problem"] != "-"]
    kw: dict[str, Any] = {"details": rows, "duration_s": time.monotonic() - started}
    kw["output"] = MonitorOutput(prometheus="none")
    if require:
        summary = f"no Prometheus ({why}); monitoring.require_prometheus is true"
        return failed(GATE, summary, **kw)
    if bad:
        score = round(100 * (len(rows) - len(bad)) / len(rows))
        summary = f"service {bad[0]['service']}: {bad[0]['problem']} (scraped directly)"
        return failed(GATE, summary, score=score, **kw)
    summary = f"{len(rows)} metrics endpoint(s) scraped directly: no Prometheus ({why})"
    return passed(GATE, summary, **kw)


def verdict(
    located: Located, t_rows: list[Row], r_rows: list[Row], rules_block: bool, note: str
) -> tuple[Status, str, bool]:
    """(status, summary, blocking) from the rows: targets always block, rules when asked."""
    down = [r for r in t_rows if r["health"] != "up"]
    broken = [r for r in r_rows if r["health"] in ("err", "missing")]
    if down:
        row = down[0]
        return Status.FAILED, f"{row['check']} is {row['health']}: {row['problem']}", True
    if broken:
        row = broken[0]
        summary = f"{row['check']}: {row['problem']}"
        return (Status.FAILED, summary, True) if rules_block else (Status.WARNED, summary, False)
    summary = f"{located.reason}: {len(t_rows)} target(s) up"
    if note:
        return Status.WARNED, f"{summary}; {note}", False
    files = len({r["where"] for r in r_rows})
    if not r_rows:
        return Status.PASSED, f"{summary}; no rule files in the manifest", False
    return (
        Status.PASSED,
        f"{summary}; {len(r_rows)} rule group(s) from {files} file(s) healthy",
        False,
    )


def health_rows(services: list[Service]) -> list[Row]:
    """One row per service without metrics: its health endpoint, which must answer 2xx."""
    rows: list[Row] = []
    with httpx.Client(timeout=5.0) as client:
        for svc in services:
            try:
                code = client.get(service_url(svc, svc.health)).status_code
                problem = "-" if 200 <= code < 300 else f"{svc.health} answered {code}"
            except httpx.HTTPError as exc:
                problem = f"{svc.health} unreachable: {type(exc).__name__}"
            health = "up" if problem == "-" else "down"
            rows.append(
                {"check": f"health {svc.name}", "health": health, "problem": problem}
                | {"where": service_url(svc, svc.health)}
            )
    return rows


def without_metrics(result: GateResult, rows: list[Row]) -> GateResult:
    """The result with the health rows of services that have no metrics: a row down fails
    the gate; all up, a passed gate becomes a warning that says they are not monitored."""
    if not rows:
        return result
    details = [*result.details, *rows]
    down = [r for r in rows if r["health"] != "up"]
    if down:
        summary = f"{down[0]['check']} is down: {down[0]['problem']}"
        return failed(GATE, summary, details=details, duration_s=result.duration_s, score=0)
    names = ", ".join(r["check"].removeprefix("health ") for r in rows)
    note = f'no metrics for {names} (metrics = ""): health checked instead, not monitored'
    if result.status is not Status.PASSED:
        return replace(result, summary=f"{result.summary}; {note}", details=details)
    summary = note if result.summary == NOTHING_SCRAPED else f"{result.summary}; {note}"
    return warned(
        GATE, summary, details=details, duration_s=result.duration_s, output=result.output
    )


def crashed(summary: str, started: float) -> GateResult:
    """No monitoring at all: Prometheus would not start or its API failed. Always blocks."""
    return failed(GATE, summary, duration_s=time.monotonic() - started)


def watcher(
    services: list[Service],
    environment_dir: Path | None,
    cfg: Monitoring,
    rule_files: list[Path],
    rules_block: bool,
    targets: Targets | None = None,
    launch_id: int | None = None,
) -> tuple[Watcher, str]:
    """Who watches, and a note when the rule files had to be left out: a soft launch still
    wants its targets watched, so it runs without the rule files that failed.

    Raises MonitoringError when there is no monitoring at all.
    """
    try:
        return open_watch(services, environment_dir, cfg, rule_files, targets, launch_id), ""
    except MonitoringError as exc:
        if rules_block or not rule_files:
            raise
        note = "alert rules NOT loaded: " + str(exc).removeprefix(NOT_STARTED)
    return open_watch(services, environment_dir, cfg, [], targets), note


def monitor(
    services: list[Service],
    environment_dir: Path | None = None,
    monitoring: Monitoring | None = None,
    root: Path | None = None,
    *,
    rules_block: bool = True,
    targets: Targets | None = None,
    launch_id: int | None = None,
) -> GateResult:
    """Check monitoring of the deployed services; rule paths are relative to root (the
    manifest's folder). rules_block=False (a soft launch) makes a rule problem a warning.
    Services without metrics get their health checked instead (see `without_metrics`).
    `targets`: where a Prometheus golive starts scrapes each service (see `scrape_config`);
    launch_id: the launch whose Prometheus, started during Hour 1, is reused if running."""
    unscraped = [s for s in services if not s.metrics]
    scraped = [s for s in services if s.metrics]
    result = watched(scraped, environment_dir, monitoring, root, rules_block, targets, launch_id)
    return without_metrics(result, health_rows(unscraped))


def watched(
    services: list[Service],
    environment_dir: Path | None,
    monitoring: Monitoring | None,
    root: Path | None,
    rules_block: bool,
    targets: Targets | None = None,
    launch_id: int | None = None,
) -> GateResult:
    """The services with metrics, watched by Prometheus or scraped directly."""
    started = time.monotonic()
    if not services and not (monitoring and monitoring.rule_files):
        return passed(GATE, NOTHING_SCRAPED, duration_s=0.0)
    cfg = monitoring or Monitoring()
    rule_files = [((root or Path(".")) / p).resolve() for p in cfg.rule_files]
    try:
        watch, note = watcher(
            services, environment_dir, cfg, rule_files, rules_block, targets, launch_id
        )
    except MonitoringError as exc:
        return crashed(str(exc), started)
    located = watch.located
    try:
        t_rows, r_rows = watch.observe(services, cfg.wait_s)
    except MonitoringError as exc:
        return crashed(f"{located.reason}: {exc}", started)
    if located.url is None:
        return scraped_directly(t_rows, located.reason, cfg.require_prometheus, started)
    status, summary, blocking = verdict(located, t_rows, r_rows, rules_block, note)
    rows = t_rows + r_rows
    ok = sum(r["health"] in ("up", "ok", "unknown") for r in rows)
    kw: dict[str, Any] = {
        "details": rows,
        "duration_s": time.monotonic() - started,
        "output": MonitorOutput(prometheus=located.mode, prometheus_url=located.url),
        "score": round(100 * ok / len(rows)) if rows else 100,
    }
    return GateResult(GATE, status, blocking, kw.pop("score"), summary, **kw)
