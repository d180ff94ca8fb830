"""Monitor gate: Prometheus scrapes every deployed service and its alert rules are loaded.

With Prometheus (one golive starts for the environment, or an existing one at a URL) the gate
reads its HTTP API: each service's target must be up and each rule group of the manifest's rule
files loaded and healthy. A target not scraped yet is the transient case: it is waited for,
with backoff, up to `monitoring.wait_s`.

Without any Prometheus the gate scrapes the metrics endpoints itself (parsed with
prometheus_client's parser) and says so; `monitoring.require_prometheus` makes that blocking.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from golive import prometheus as prom
from golive.gates.deploy import service_url
from golive.gates.outputs import MonitorOutput
from golive.health import wait_healthy
from golive.manifest import Monitoring, Service
from golive.results import GateResult, Status, failed, passed

GATE = "monitor"
Row = dict[str, Any]


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


def direct(services: list[Service], why: str, require: bool, started: float) -> GateResult:
    """The fallback: scrape each endpoint ourselves, and say there is no Prometheus."""
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


@dataclass(frozen=True)
class Expected:
    """A rule group the manifest's rule files declare (file is the resolved path)."""

    file: Path
    group: str


def target_rows(services: list[Service], targets: list[Row]) -> list[Row]:
    rows = []
    for svc in services:
        target = prom.target_for(svc, targets)
        health = str(target.get("health", "unknown")) if target else "missing"
        if target is None:
            problem = "Prometheus has no target scraping it"
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


def observe(
    url: str, services: list[Service], expected: list[Expected], match_file: bool, wait_s: float
) -> tuple[list[Row], list[Row]]:
    """Target and rule rows, read again with backoff until every target is up and every rule
    evaluated, or wait_s has passed."""
    deadline = time.monotonic() + wait_s
    delay = 0.2
    with httpx.Client(timeout=5.0) as client:
        while True:
            targets = prom.api_get(client, url, "/api/v1/targets", state="active")
            t_rows = target_rows(services, targets["activeTargets"])
            r_rows: list[Row] = []
            if expected:
                groups = prom.api_get(client, url, "/api/v1/rules")["groups"]
                r_rows = rule_rows(expected, groups, match_file)
            settled = all(r["health"] == "up" for r in t_rows) and all(
                r["health"] != "unknown" for r in r_rows
            )
            if settled or time.monotonic() + delay > deadline:
                return t_rows, r_rows
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)


def locate(
    services: list[Service], environment_dir: Path | None, cfg: Monitoring, rule_files: list[Path]
) -> prom.Located:
    """An existing Prometheus (if ready), else one started for the environment, else none.

    Raises PrometheusError when a started one fails (a rejected rule file, a crash).
    """
    if cfg.prometheus_url:
        url = cfg.prometheus_url.rstrip("/")
        problem = wait_healthy(f"{url}/-/ready", min(cfg.wait_s, 10), lambda: None)
        if problem:
            return prom.Located("none", None, f"Prometheus at {url} is not ready: {problem}")
        return prom.Located("existing", url, f"Prometheus at {url}")
    if prom.find_binary(cfg.prometheus_binary) is None:
        return prom.Located("none", None, prom.no_prometheus_reason(cfg))
    if environment_dir is None:
        return prom.Located("none", None, "no environment folder to run Prometheus in")
    url = prom.start_prometheus(environment_dir, services, cfg, rule_files, timeout=cfg.wait_s)
    return prom.Located("started", url, f"Prometheus started at {url}")


def verdict(
    located: prom.Located, t_rows: list[Row], r_rows: list[Row], rules_block: bool, note: str
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


def crashed(summary: str, started: float) -> GateResult:
    """No monitoring at all: Prometheus would not start or its API failed. Always blocks."""
    return failed(GATE, summary, duration_s=time.monotonic() - started)


def monitor(
    services: list[Service],
    environment_dir: Path | None = None,
    monitoring: Monitoring | None = None,
    root: Path | None = None,
    *,
    rules_block: bool = True,
) -> GateResult:
    """Check monitoring of the deployed services; rule paths are relative to root (the
    manifest's folder). rules_block=False (a soft launch) makes a rule problem a warning."""
    started = time.monotonic()
    cfg = monitoring or Monitoring()
    rule_files = [((root or Path(".")) / p).resolve() for p in cfg.rule_files]
    note = ""
    try:
        expected = [Expected(f, g) for f in rule_files for g in prom.rule_groups(f)]
        located = locate(services, environment_dir, cfg, rule_files)
    except prom.PrometheusError as exc:
        if rules_block or not rule_files:
            return crashed(str(exc), started)
        # A soft launch still wants its targets watched: run without the rejected rules.
        note = "alert rules NOT loaded: " + str(exc).removeprefix(prom.NOT_STARTED)
        expected = []
        try:
            located = locate(services, environment_dir, cfg, [])
        except prom.PrometheusError as again:
            return crashed(str(again), started)
    if located.url is None:
        return direct(services, located.reason, cfg.require_prometheus, started)
    try:
        t_rows, r_rows = observe(
            located.url, services, expected, located.mode == "started", cfg.wait_s
        )
    except prom.PrometheusError as exc:
        return crashed(f"{located.reason}: {exc}", started)
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
