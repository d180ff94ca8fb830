"""Metrics gate against a real Prometheus scraping two tiny endpoints (gauge demo_value: 0.2 on
alpha, 0.3 on beta). One Prometheus serves the whole module and is stopped at its end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from golive.gates.metrics import metrics
from golive.manifest import MetricCheck, Monitoring, Service
from golive.manifest import load as load_manifest
from golive.monitoring import Located, locate_running
from golive.monitoring import prometheus as prom
from golive.results import Status
from tests.conftest import EXAMPLE
from tests.golive.monitoring.test_prometheus import require_binary, two_services, wait_up


@pytest.fixture(scope="module")
def scraped(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Located, list[Service]]]:
    require_binary()
    env_dir = tmp_path_factory.mktemp("metrics") / "env"
    with two_services() as services:
        try:
            url = prom.start_prometheus(env_dir, services, Monitoring(), [])
            wait_up(url, len(services))
            yield Located("started", url, ""), services
        finally:
            prom.stop_prometheus(env_dir)


def check(query: str, comparison: Any, threshold: float, no_data: Any = "fail") -> MetricCheck:
    return MetricCheck(
        name="c", query=query, comparison=comparison, threshold=threshold, no_data=no_data
    )


def test_checks_that_hold_pass_with_value_and_threshold(
    scraped: tuple[Located, list[Service]],
) -> None:
    located, services = scraped
    checks = [
        check("max(demo_value)", "<", 0.5).model_copy(update={"name": "max"}),
        check("max(max_over_time(demo_value[1m]))", "<=", 0.3).model_copy(
            update={"name": "window"}
        ),
    ]
    result = metrics(checks, located, services, wait_s=10)
    assert result.status is Status.PASSED, result.summary
    assert result.summary == "2 metric check(s) passed"
    assert [(r["check"], r["value"], r["threshold"], r["decision"]) for r in result.details] == [
        ("max", 0.3, "< 0.5", "passed"),
        ("window", 0.3, "<= 0.3", "passed"),
    ]
    assert result.category.value == "Monitoring" and result.gate == "metrics"


def test_a_check_that_does_not_hold_blocks(scraped: tuple[Located, list[Service]]) -> None:
    located, services = scraped
    result = metrics([check("demo_value", ">", 0.25)], located, services, wait_s=10)
    assert result.status is Status.FAILED and result.blocks_launch
    assert result.summary == "check c: 0.2 is not > 0.25"
    assert result.details[0]["note"] == "2 series"


@pytest.mark.parametrize(
    ("policy", "status"),
    [("fail", Status.FAILED), ("pass", Status.PASSED), ("warn", Status.WARNED)],
)
def test_no_data_applies_the_checks_policy(
    scraped: tuple[Located, list[Service]], policy: str, status: Status
) -> None:
    located, services = scraped
    query = "sum(demo_never_exported)"
    result = metrics([check(query, "<", 1, policy)], located, services, wait_s=10)
    assert result.status is status
    assert result.details[0]["note"] == f"no data for {query} (no_data = {policy!r})"
    assert result.details[0]["value"] is None
    if status is not Status.PASSED:
        assert result.summary == f"check c: no data for {query} (no_data = {policy!r})"


def test_a_ratio_over_nothing_is_no_data_not_nan(
    scraped: tuple[Located, list[Service]],
) -> None:
    located, services = scraped
    query = "sum(rate(demo_requests_total[1m])) / sum(rate(demo_requests_total[1m]))"
    result = metrics([check(query, "<", 0.01, "warn")], located, services, wait_s=10)
    assert result.status is Status.WARNED
    assert "no data for" in result.summary


def test_a_query_prometheus_rejects_fails_with_its_error(
    scraped: tuple[Located, list[Service]],
) -> None:
    located, services = scraped
    result = metrics([check("sum(", "<", 1)], located, services, wait_s=10)
    assert result.status is Status.FAILED
    assert result.details[0]["note"].startswith("query failed: bad_data: ")


def test_the_examples_checks_are_valid_promql(
    scraped: tuple[Located, list[Service]],
) -> None:
    located, services = scraped
    checks = load_manifest(EXAMPLE / "launch.toml").monitoring.checks
    assert {c.name for c in checks} >= {"error-ratio", "p95-latency"}
    result = metrics(checks, located, services, wait_s=10)
    # No azora traffic here: each says "no data" and warns, as its policy asks; none errs.
    assert [r["decision"] for r in result.details] == ["warned"] * len(checks)
    assert all(r["note"].startswith("no data for ") for r in result.details)


def test_without_prometheus_the_gate_is_skipped_with_the_reason(tmp_path: Path) -> None:
    cfg = Monitoring(prometheus_binary="golive-no-such-prometheus")
    located = locate_running(tmp_path / "env", cfg)
    result = metrics([check("up", "==", 1)], located, [], wait_s=1)
    assert result.status is Status.SKIPPED
    assert "'golive-no-such-prometheus' not found on PATH" in result.summary


def test_with_no_checks_the_gate_is_skipped(scraped: tuple[Located, list[Service]]) -> None:
    located, services = scraped
    result = metrics([], located, services)
    assert result.status is Status.SKIPPED
    assert result.summary == "no [[monitoring.checks]] in the manifest"
