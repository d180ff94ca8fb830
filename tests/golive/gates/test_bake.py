"""Bake gate against a real Prometheus scraping two tiny endpoints of one service, as golive
scrapes a live release and its canary behind the proxy: each target labelled with its release
(gauge demo_value: 0.2 on the live release, 0.9 on the canary). Measurements never depend on
how long anything takes: the values are constant, and read only once both targets are up."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from golive.gates.bake import bake, canaries_of, queries
from golive.gates.outputs import BakeOutput
from golive.manifest import Bake, MetricCheck, Monitoring
from golive.monitoring import Located
from golive.monitoring import prometheus as prom
from golive.proxy import RouteTable, ServiceRoute, Upstream
from golive.results import Status
from tests.conftest import output_of
from tests.golive.monitoring.test_prometheus import require_binary, serve_metrics, service, wait_up

LIVE, CANARY, FLIP = "1111aaaa-live", "2222bbbb-canary", "3333cccc-flip"
FLIP_REGISTRY = CollectorRegistry()
FLIP_VALUE = Gauge("demo_value", "A value the test changes.", registry=FLIP_REGISTRY)


@pytest.fixture(scope="module")
def located(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Located]:
    require_binary()
    env_dir = tmp_path_factory.mktemp("bake") / "env"
    server, thread = start_http_server(0, addr="127.0.0.1", registry=FLIP_REGISTRY)
    flip = int(server.server_port)
    with serve_metrics(0.2) as live, serve_metrics(0.9) as canary:
        targets = {"api": [(live, LIVE), (canary, CANARY)], "web": [(flip, FLIP)]}
        services = [service("api", live), service("web", flip)]
        try:
            url = prom.start_prometheus(env_dir, services, Monitoring(), [], targets=targets)
            wait_up(url, 3)
            yield Located("started", url, "")
        finally:
            prom.stop_prometheus(env_dir)
            server.shutdown()
            server.server_close()
            thread.join(5)


def ratio(no_data: str = "fail") -> MetricCheck:
    return MetricCheck.model_validate(
        {
            "name": "ratio",
            "query": 'max(demo_value{release="{release}"})',
            "comparison": "<",
            "threshold": 0.5,
            "no_data": no_data,
        }
    )


def plan(limit: int = 2, measurements: int = 3, *checks: MetricCheck) -> Bake:
    return Bake(
        duration_s=0.05 * measurements,
        interval_s=0.05,
        failure_limit=limit,
        checks=list(checks) or [ratio()],
    )


def test_a_canary_that_holds_bakes_every_measurement(located: Located) -> None:
    result = bake(plan(2, 3), located, {"api": LIVE})
    assert result.status is Status.PASSED, result.summary
    out = output_of(result, BakeOutput)
    assert out.aborted_at is None and out.canaries == {"api": LIVE}
    assert [(m.measurement, m.release, m.value, m.decision) for m in out.measurements] == [
        (1, LIVE, 0.2, "passed"),
        (2, LIVE, 0.2, "passed"),
        (3, LIVE, 0.2, "passed"),
    ]
    assert [row["measurement"] for row in result.details] == [1, 2, 3]  # the artifact's table
    assert result.category.value == "Deployment" and result.gate == "bake"


def test_the_canarys_own_series_fail_it_at_the_failure_limit(located: Located) -> None:
    result = bake(plan(2, 4), located, {"api": CANARY})
    assert result.status is Status.FAILED and result.blocks_launch
    assert result.summary == (
        f"check ratio on release {CANARY[:12]}: 0.9 is not < 0.5 at measurement 2"
        " (2 failed measurement(s) in a row, failure_limit 2)"
    )
    out = output_of(result, BakeOutput)
    assert out.aborted_at == 2 and len(out.measurements) == 2  # measurements 3, 4 never taken


def test_a_check_without_release_and_no_data_policies(located: Located) -> None:
    whole = MetricCheck(name="all", query="max(demo_value)", comparison="<", threshold=1)
    empty = MetricCheck(
        name="empty", query="sum(demo_never_exported)", comparison="<", threshold=1, no_data="warn"
    )
    result = bake(plan(1, 2, whole, empty), located, {"api": CANARY})
    assert result.status is Status.PASSED, result.summary
    rows = [(m.check, m.release, m.decision) for m in output_of(result, BakeOutput).measurements]
    assert rows == [("all", "-", "passed"), ("empty", "-", "warned")] * 2

    failing = empty.model_copy(update={"no_data": "fail"})
    result = bake(plan(1, 2, failing), located, {"api": CANARY})
    assert result.status is Status.FAILED
    assert result.summary.startswith("check empty: no data for sum(demo_never_exported)")


def test_a_passing_measurement_resets_the_count(located: Located) -> None:
    """The canary fails, passes, fails, fails: with failure_limit 2 it aborts at the fourth
    measurement, not the third. Before each measurement the canary's value is set and the bake
    waits until Prometheus has scraped it (however long that takes)."""
    schedule = iter([0.9, 0.2, 0.9, 0.9, 0.2])

    def then(_: float) -> None:
        value = next(schedule)
        FLIP_VALUE.set(value)
        url = located.url or ""
        query = f'max(demo_value{{release="{FLIP}"}})'
        with httpx.Client(timeout=5) as client:
            for _ in range(300):
                seen = prom.api_get(client, url, "/api/v1/query", query=query)["result"]
                if seen and float(seen[0]["value"][1]) == value:
                    return
                time.sleep(0.1)
        raise AssertionError(f"Prometheus never scraped {value}")

    result = bake(plan(2, 5), located, {"web": FLIP}, sleep=then)
    assert result.status is Status.FAILED, result.summary
    out = output_of(result, BakeOutput)
    assert [m.decision for m in out.measurements] == ["failed", "passed", "failed", "failed"]
    assert out.aborted_at == 4 and "at measurement 4" in result.summary


def test_two_canaries_each_measured_by_their_own_release(located: Located) -> None:
    result = bake(plan(1, 1), located, {"api": CANARY, "other": LIVE})
    assert result.status is Status.FAILED
    assert {(m.release, m.decision) for m in output_of(result, BakeOutput).measurements} == {
        (CANARY, "failed"),
        (LIVE, "passed"),
    }


def test_no_prometheus_fails_and_no_canary_skips() -> None:
    gone = Located("none", None, "binary 'prometheus' not found")
    result = bake(plan(), gone, {"api": CANARY})
    assert (
        result.status is Status.FAILED and "no Prometheus to measure the canary" in result.summary
    )
    assert bake(plan(), gone, {}).status is Status.SKIPPED


def test_canaries_are_candidates_sharing_traffic_with_a_live_release() -> None:
    def up(rid: str, port: int) -> Upstream:
        return Upstream(instance=f"x.{rid}", release_id=rid, port=port)

    table = RouteTable(
        services={
            "api": ServiceRoute(
                public_port=1, live=up("a", 2), candidate=up("b", 3), candidate_weight=10
            ),
            "payments": ServiceRoute(public_port=4, live=up("c", 5)),  # unchanged
            "fresh": ServiceRoute(public_port=6, candidate=up("d", 7)),  # nothing to share with
            "other": ServiceRoute(public_port=8, live=up("e", 9), candidate=up("f", 10)),
        }
    )
    assert canaries_of(table, {"api", "payments", "fresh"}) == {"api": "b"}
    filled = queries(ratio(), {"api": "b", "web": "b"})
    assert [(rid, c.query) for rid, c in filled] == [("b", 'max(demo_value{release="b"})')]


def test_scrape_targets_are_labelled_with_their_release() -> None:
    groups = prom.target_groups(
        [service("api", 18201), service("web", 18202)],
        {"api": [(30001, LIVE), (30002, CANARY)]},
    )
    by_target = {g["targets"][0]: g["labels"] for g in groups}
    metrics = {"__metrics_path__": "/metrics"}
    assert by_target == {
        "127.0.0.1:30001": {"job": "api", **metrics, "release": LIVE},
        "127.0.0.1:30002": {"job": "api", **metrics, "release": CANARY},
        "127.0.0.1:18202": {"job": "web", **metrics},  # no release known: no label
    }
