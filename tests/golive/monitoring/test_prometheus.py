"""A real Prometheus for an environment: generated config, start, targets up, state, stop.

The metric endpoints are tiny prometheus_client servers on free ports; Prometheus listens on a
free port too. Every test stops the Prometheus it started.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from golive.gates.monitor import monitor
from golive.manifest import Monitoring, Service
from golive.monitoring import prepare
from golive.monitoring import prometheus as prom
from golive.monitoring.prometheus_watch import target_rows
from golive.ports import free_ports
from golive.runner import alive
from tests.conftest import missing

GOOD_RULES = """\
groups:
  - name: demo
    rules:
      - alert: DemoDown
        expr: up == 0
        for: 30s
"""
BAD_RULES = """\
groups:
  - name: broken
    rules:
      - alert: Unclosed
        expr: sum(rate(demo_requests_total[1m]) >
"""


def require_binary() -> str:
    found = shutil.which("prometheus")
    if found is None:
        missing("prometheus binary not on PATH; run .ci/prometheus.sh (apt-get install prometheus)")
    return found


@contextmanager
def serve_metrics(value: float = 0.2, port: int = 0) -> Iterator[int]:
    """A metrics endpoint on `port` (a free one by default): a gauge `demo_value` and a counter;
    yields the port."""
    registry = CollectorRegistry()
    Gauge("demo_value", "A value the tests compare.", registry=registry).set(value)
    Counter("demo_requests", "Requests.", ["status"], registry=registry).labels("200").inc(5)
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        yield int(server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def service(name: str, port: int) -> Service:
    return Service(name=name, source=Path("."), command="unused", port=port)


@contextmanager
def two_services() -> Iterator[list[Service]]:
    with serve_metrics(0.2) as one, serve_metrics(0.3) as two:
        yield [service("alpha", one), service("beta", two)]


def wait_up(url: str, count: int, timeout: float = 15) -> list[dict[str, object]]:
    """The active targets once `count` of them are up (discovery and a first scrape take a
    moment after Prometheus says it is ready)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5) as client:
        while True:
            targets = prom.api_get(client, url, "/api/v1/targets")["activeTargets"]
            if sum(t["health"] == "up" for t in targets) >= count:
                return list(targets)
            assert time.monotonic() < deadline, f"targets not up: {targets}"
            time.sleep(0.2)


@pytest.fixture
def env_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "env"
    yield path
    prom.stop_prometheus(path)


def test_config_discovers_targets_from_a_file_with_a_job_per_service(tmp_path: Path) -> None:
    services = [service("api", 18201), service("payments", 18202), service("quiet", 18203)]
    services[1] = services[1].model_copy(update={"metrics": "/internal/metrics"})
    services[2] = services[2].model_copy(update={"metrics": ""})
    targets = prom.write_targets(tmp_path / "env", services)
    config = prom.scrape_config(0.5, [tmp_path / "alerts.yml"], targets)
    written = yaml.safe_load(prom.write_config(tmp_path / "env", config).read_text())
    assert written["global"] == {
        "scrape_interval": "500ms",
        "scrape_timeout": "500ms",
        "evaluation_interval": "500ms",
    }
    assert written["rule_files"] == [str(tmp_path / "alerts.yml")]
    [job] = written["scrape_configs"]
    assert job["file_sd_configs"][0]["files"] == [str(targets)]
    groups = json.loads(targets.read_text())
    assert groups == [
        {"targets": ["127.0.0.1:18201"], "labels": {"job": "api", "__metrics_path__": "/metrics"}},
        {
            "targets": ["127.0.0.1:18202"],
            "labels": {"job": "payments", "__metrics_path__": "/internal/metrics"},
        },
    ]


def test_started_prometheus_scrapes_both_endpoints_and_stops(env_dir: Path) -> None:
    require_binary()
    with two_services() as services:
        url = prom.start_prometheus(env_dir, services, Monitoring(), [])
        assert prom.running_url(env_dir) == url
        state = (env_dir / "monitoring" / "prometheus.json").read_text()
        assert str(url.rsplit(":", 1)[1]) in state
        targets = wait_up(url, len(services))
        assert {t["labels"]["job"] for t in targets} == {"alpha", "beta"}
        assert all(prom.target_for(s, targets) for s in services)
    pid = int(yaml.safe_load(state)["pid"])
    assert prom.stop_prometheus(env_dir) is True
    assert not alive(pid)
    assert prom.running_url(env_dir) is None
    assert (env_dir / "monitoring" / "data").is_dir(), "storage is kept after a stop"
    assert prom.stop_prometheus(env_dir) is False


def test_a_rule_file_prometheus_rejects_is_named(env_dir: Path, tmp_path: Path) -> None:
    require_binary()
    bad = tmp_path / "bad-rules.yml"
    bad.write_text(BAD_RULES)
    with serve_metrics() as port, pytest.raises(prom.PrometheusError) as err:
        prom.start_prometheus(env_dir, [service("alpha", port)], Monitoring(), [bad])
    assert "rule file bad-rules.yml rejected" in str(err.value)
    assert "could not parse expression" in str(err.value)
    assert prom.running_url(env_dir) is None


def test_a_binary_that_does_not_exist_is_named(env_dir: Path) -> None:
    cfg = Monitoring(prometheus_binary="golive-no-such-prometheus")
    with pytest.raises(prom.PrometheusError, match="golive-no-such-prometheus"):
        prom.start_prometheus(env_dir, [service("alpha", 18299)], cfg, [])


def test_rule_groups_names_a_file_that_is_not_rules(tmp_path: Path) -> None:
    good, broken = tmp_path / "good.yml", tmp_path / "broken.yml"
    good.write_text(GOOD_RULES)
    broken.write_text("groups: [unclosed\n")
    assert prom.rule_groups(good) == ["demo"]
    with pytest.raises(prom.PrometheusError, match=r"rule file broken\.yml: not valid YAML"):
        prom.rule_groups(broken)
    broken.write_text("rules: []\n")
    with pytest.raises(prom.PrometheusError, match=r"broken\.yml: needs a list of named"):
        prom.rule_groups(broken)


def test_prometheus_times_parse_with_nanoseconds() -> None:
    assert prom.parse_time("2024-05-01T10:00:00.123456789Z") == pytest.approx(1714557600.123456)
    assert prom.parse_time("0001-01-01T00:00:00Z") == 0.0  # a target never scraped
    assert prom.parse_time("") == 0.0


def state_pid(env_dir: Path) -> int:
    return int(json.loads((env_dir / "monitoring" / "prometheus.json").read_text())["pid"])


def test_a_prometheus_started_ahead_gets_the_deployed_targets_without_a_restart(
    env_dir: Path, tmp_path: Path
) -> None:
    """Hour 1 starts Prometheus with nothing live; after deploy the monitor gate of the same
    launch only writes the targets file and waits: the process it reads is the one Hour 1
    started, so its duration holds no Prometheus start-up."""
    require_binary()
    rules = tmp_path / "alerts.yml"
    rules.write_text(GOOD_RULES)
    cfg = Monitoring(scrape_interval_s=0.5, rule_files=[rules])
    line = prepare(env_dir, [], cfg, [rules], launch_id=7)
    assert "ahead of deploy" in line, line
    started = state_pid(env_dir)
    assert prom.prepared_url(env_dir, 7) is not None
    assert prom.prepared_url(env_dir, 8) is None, "another launch starts its own"

    with two_services() as services:
        result = monitor(services, env_dir, cfg, tmp_path, launch_id=7)
    assert result.status.value == "passed", result.summary
    assert "during Hour 1" in result.summary and "2 target(s) up" in result.summary
    assert state_pid(env_dir) == started and alive(started), "the gate restarted Prometheus"
    assert {r["check"] for r in result.details} >= {"target alpha", "target beta"}


def test_targets_given_in_hour_1_are_scraped_before_deploy_and_not_given_again(
    env_dir: Path, tmp_path: Path
) -> None:
    """A rehearsal's Prometheus starts with the targets its deploy will start (labelled with
    their releases): they are discovered while nothing listens there, so after deploy the
    monitor gate, giving the very same list (the file is not rewritten), waits for no discovery,
    only for a scrape."""
    require_binary()
    cfg = Monitoring(scrape_interval_s=0.5)
    alpha, beta = free_ports(2)
    planned = [service("alpha", alpha), service("beta", beta)]
    targets = {svc.name: [(svc.port, f"release-{svc.name}")] for svc in planned}
    prepare(env_dir, planned, cfg, [], launch_id=7, targets=targets)
    url = prom.prepared_url(env_dir, 7)
    assert url is not None

    def discovered() -> list[dict[str, Any]]:
        with httpx.Client(timeout=5) as client:
            return list(prom.api_get(client, url, "/api/v1/targets")["activeTargets"])

    deadline = time.monotonic() + 60
    while {t["labels"].get("release") for t in discovered()} != {"release-alpha", "release-beta"}:
        assert time.monotonic() < deadline, f"targets not discovered: {discovered()}"
        time.sleep(0.2)
    assert all(t["health"] != "up" for t in discovered())  # nothing deployed yet
    written = prom.targets_file(env_dir).stat().st_mtime_ns

    with serve_metrics(0.2, alpha), serve_metrics(0.3, beta):
        result = monitor(planned, env_dir, cfg, tmp_path, targets=targets, launch_id=7)
    assert result.status.value == "passed", result.summary
    assert "2 target(s) up" in result.summary
    assert prom.targets_file(env_dir).stat().st_mtime_ns == written


def test_a_prometheus_of_another_launch_is_replaced_by_the_monitor_gate(
    env_dir: Path, tmp_path: Path
) -> None:
    require_binary()
    cfg = Monitoring(scrape_interval_s=0.5)
    prepare(env_dir, [], cfg, [], launch_id=7)
    earlier = state_pid(env_dir)
    with two_services() as services:
        result = monitor(services, env_dir, cfg, tmp_path, launch_id=9)
    assert result.status.value == "passed", result.summary
    assert "during Hour 1" not in result.summary
    assert state_pid(env_dir) != earlier and not alive(earlier)


def test_a_start_abandoned_by_a_no_go_leaves_no_prometheus(env_dir: Path) -> None:
    require_binary()
    seen: list[int] = []

    def abandon() -> bool:
        state = env_dir / "monitoring" / "prometheus.json"
        if state.exists():  # the process runs: abandon it now
            seen.append(state_pid(env_dir))
        return bool(seen)

    line = prepare(env_dir, [], Monitoring(), [], launch_id=3, abandon=abandon)
    assert "abandoned" in line, line
    assert seen and not alive(seen[0])
    assert prom.running_url(env_dir) is None
    assert prepare(env_dir, [], Monitoring(), [], 3, lambda: True).startswith(
        "Prometheus not started"
    )
    assert prom.running_url(env_dir) is None


def test_a_target_last_scraped_before_deploy_is_not_judged() -> None:
    svc = service("alpha", 18211)
    scraped = {
        "scrapeUrl": "http://127.0.0.1:18211/metrics",
        "health": "up",
        "lastScrape": "2026-01-01T10:00:00Z",
    }
    deployed_at = prom.parse_time("2026-01-01T10:00:01Z")
    [before] = target_rows([svc], [scraped], since=deployed_at)
    assert (before["health"], before["problem"]) == ("unknown", "not scraped since deploy yet")
    [after] = target_rows([svc], [scraped], since=deployed_at - 2)
    assert (after["health"], after["problem"]) == ("up", "-")
