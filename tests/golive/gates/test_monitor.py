"""Monitor gate with a real Prometheus (started, or an existing one at a URL) and without one.

Metric endpoints are tiny prometheus_client servers on free ports; every Prometheus a test
starts is stopped by the env_dir fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.gates.monitor import monitor
from golive.gates.outputs import MonitorOutput
from golive.manifest import Monitoring
from golive.monitoring import prometheus as prom
from golive.ports import free_port
from golive.results import Status
from tests.conftest import output_of
from tests.golive.monitoring.test_prometheus import (
    BAD_RULES,
    GOOD_RULES,
    require_binary,
    serve_metrics,
    service,
    two_services,
)


@pytest.fixture
def env_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "env"
    yield path
    prom.stop_prometheus(path)


@pytest.fixture
def other_env(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "other-env"
    yield path
    prom.stop_prometheus(path)


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "target"
    (folder / "monitoring").mkdir(parents=True)
    (folder / "monitoring" / "alerts.yml").write_text(GOOD_RULES)
    (folder / "monitoring" / "broken.yml").write_text(BAD_RULES)
    return folder


def test_started_prometheus_sees_targets_up_and_rules_healthy(env_dir: Path, rules: Path) -> None:
    require_binary()
    cfg = Monitoring(rule_files=[Path("monitoring/alerts.yml")], wait_s=20)
    with two_services() as services:
        result = monitor(services, env_dir, cfg, rules)
    assert result.status is Status.PASSED, result.summary
    assert "Prometheus started at http://127.0.0.1:" in result.summary
    assert "2 target(s) up; 1 rule group(s) from 1 file(s) healthy" in result.summary
    health = {r["check"]: r["health"] for r in result.details}
    assert health == {"target alpha": "up", "target beta": "up", "rules alerts.yml: demo": "ok"}
    output = output_of(result, MonitorOutput)
    assert output.prometheus == "started"
    assert prom.running_url(env_dir) == output.prometheus_url, "it keeps running"


def test_a_broken_rule_file_blocks_and_is_named(env_dir: Path, rules: Path) -> None:
    require_binary()
    cfg = Monitoring(rule_files=[Path("monitoring/alerts.yml"), Path("monitoring/broken.yml")])
    with serve_metrics() as port:
        result = monitor([service("alpha", port)], env_dir, cfg, rules)
    assert result.status is Status.FAILED and result.blocks_launch
    assert "rule file broken.yml rejected" in result.summary
    assert prom.running_url(env_dir) is None


def test_soft_launch_runs_without_the_broken_rules_and_warns(env_dir: Path, rules: Path) -> None:
    require_binary()
    cfg = Monitoring(rule_files=[Path("monitoring/broken.yml")], wait_s=20)
    with serve_metrics() as port:
        result = monitor([service("alpha", port)], env_dir, cfg, rules, rules_block=False)
    assert result.status is Status.WARNED and not result.blocks_launch
    assert "alert rules NOT loaded: rule file broken.yml rejected" in result.summary
    assert prom.running_url(env_dir) is not None, "the targets are still watched"


def test_an_existing_prometheus_at_a_url(env_dir: Path, other_env: Path, rules: Path) -> None:
    require_binary()
    alerts = rules / "monitoring" / "alerts.yml"
    with two_services() as services:
        # "Existing": one started for another environment, which already scrapes the services.
        url = prom.start_prometheus(other_env, services, Monitoring(), [alerts])
        cfg = Monitoring(prometheus_url=url, rule_files=[Path("monitoring/alerts.yml")], wait_s=20)
        result = monitor(services, env_dir, cfg, rules)
    assert result.status is Status.PASSED, result.summary
    assert result.summary.startswith(f"Prometheus at {url}: 2 target(s) up")
    assert output_of(result, MonitorOutput) == MonitorOutput(
        prometheus="existing", prometheus_url=url
    )
    assert prom.running_url(env_dir) is None, "nothing is started beside an existing one"


def test_a_service_prometheus_does_not_scrape_fails(env_dir: Path, other_env: Path) -> None:
    require_binary()
    with serve_metrics() as one, serve_metrics() as two:
        url = prom.start_prometheus(other_env, [service("alpha", one)], Monitoring(), [])
        cfg = Monitoring(prometheus_url=url, wait_s=8)
        result = monitor([service("alpha", one), service("beta", two)], env_dir, cfg)
    assert result.status is Status.FAILED and result.blocks_launch
    assert result.summary == "target beta is missing: Prometheus has no target scraping it"


def test_without_a_binary_the_endpoints_are_scraped_directly(env_dir: Path) -> None:
    cfg = Monitoring(prometheus_binary="golive-no-such-prometheus")
    with two_services() as services:
        result = monitor(services, env_dir, cfg)
    assert result.status is Status.PASSED
    assert result.summary.startswith("2 metrics endpoint(s) scraped directly: no Prometheus")
    assert "'golive-no-such-prometheus' not found on PATH" in result.summary
    assert all(r["families"] >= 2 for r in result.details)


def test_require_prometheus_blocks_without_one(env_dir: Path) -> None:
    cfg = Monitoring(prometheus_binary="golive-no-such-prometheus", require_prometheus=True)
    with serve_metrics() as port:
        result = monitor([service("alpha", port)], env_dir, cfg)
    assert result.status is Status.FAILED and result.blocks_launch
    assert "'golive-no-such-prometheus' not found" in result.summary
    assert "monitoring.require_prometheus is true" in result.summary


def test_require_prometheus_names_a_url_that_does_not_answer(env_dir: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    cfg = Monitoring(prometheus_url=url, require_prometheus=True, wait_s=1)
    with serve_metrics() as port:
        result = monitor([service("alpha", port)], env_dir, cfg)
    assert result.status is Status.FAILED and result.blocks_launch
    assert f"Prometheus at {url} is not ready" in result.summary


def test_the_old_call_still_works_and_says_why_there_is_no_prometheus() -> None:
    with serve_metrics() as port:
        result = monitor([service("alpha", port)])
    assert result.status is Status.PASSED
    assert "scraped directly: no Prometheus" in result.summary
