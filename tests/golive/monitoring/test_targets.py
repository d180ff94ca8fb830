"""Where each service is scraped: its own port without the proxy, each release's internal port
behind it, every target labelled with its release."""

from __future__ import annotations

import json
from pathlib import Path

from golive.manifest import Monitoring
from golive.monitoring import prometheus as prom
from golive.monitoring.targets import as_scraped, retarget, scrape_targets
from golive.proxy import RouteTable, ServiceRoute, Upstream, save_routes
from tests.golive.monitoring.test_prometheus import require_binary, service


def up(rid: str, port: int) -> Upstream:
    return Upstream(instance=f"api.{rid}-{port}", release_id=rid, port=port)


def test_without_routes_each_service_is_scraped_on_its_port_as_the_release_running(
    tmp_path: Path,
) -> None:
    services = [service("api", 18201), service("web", 18202)]
    assert scrape_targets(services, tmp_path, {"api": "r1"}) == {
        "api": [(18201, "r1")],
        "web": [(18202, "")],  # not running: no release to label it with
    }
    assert as_scraped(services, tmp_path) == services


def test_behind_the_proxy_each_release_is_scraped_on_its_internal_port(tmp_path: Path) -> None:
    canary = ServiceRoute(
        public_port=18201, live=up("old", 30001), candidate=up("new", 30002), candidate_weight=10
    )
    save_routes(tmp_path, RouteTable(services={"api": canary}))
    services = [service("api", 18201), service("web", 18202)]
    assert scrape_targets(services, tmp_path, {"web": "w1"}) == {
        "api": [(30001, "old"), (30002, "new")],
        "web": [(18202, "w1")],
    }
    # The gates waiting for a scrape look at the release this launch deployed.
    assert [s.port for s in as_scraped(services, tmp_path)] == [30002, 18202]
    only_live = ServiceRoute(public_port=18201, live=up("old", 30001))
    save_routes(tmp_path, RouteTable(services={"api": only_live}))
    assert [s.port for s in as_scraped(services, tmp_path)] == [30001, 18202]


def test_a_retired_release_stops_being_a_target_once_the_routes_change(tmp_path: Path) -> None:
    require_binary()
    services = [service("api", 18201)]
    canary = ServiceRoute(public_port=18201, live=up("old", 30001), candidate=up("new", 30002))
    save_routes(tmp_path, RouteTable(services={"api": canary}))
    assert not retarget(services, tmp_path, {})  # no Prometheus of golive's: nothing written
    assert not prom.targets_file(tmp_path).exists()

    prom.start_prometheus(
        tmp_path, services, Monitoring(), [], targets=scrape_targets(services, tmp_path, {})
    )
    try:
        # GO: the candidate is live alone, the old release stopped.
        save_routes(
            tmp_path,
            RouteTable(services={"api": ServiceRoute(public_port=18201, live=up("new", 30002))}),
        )
        assert retarget(services, tmp_path, {})
        groups = json.loads(prom.targets_file(tmp_path).read_text())
        assert [(g["targets"], g["labels"]["release"]) for g in groups] == [
            (["127.0.0.1:30002"], "new")
        ]
    finally:
        prom.stop_prometheus(tmp_path)
