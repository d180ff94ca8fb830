"""Where each service is scraped: its own port without the proxy, each release's internal port
behind it, every target labelled with its release."""

from __future__ import annotations

from pathlib import Path

from golive.monitoring.targets import as_scraped, scrape_targets
from golive.proxy import RouteTable, ServiceRoute, Upstream, save_routes
from tests.golive.monitoring.test_prometheus import service


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
