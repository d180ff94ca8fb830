"""The route table's upstreams, its file, and the manifest's `[proxy]`."""

from __future__ import annotations

from pathlib import Path

from golive.manifest import load
from golive.proxy import RouteTable, ServiceRoute, Upstream, load_routes, open_proxy, save_routes


def up(port: int) -> Upstream:
    return Upstream(instance=f"api.x-{port}", release_id="x", port=port)


def test_upstreams_follow_live_candidate_and_weight() -> None:
    assert ServiceRoute(public_port=1).upstreams() == []
    assert ServiceRoute(public_port=1, live=up(2)).upstreams() == [(2, 1, False)]
    assert ServiceRoute(public_port=1, candidate=up(3)).upstreams() == [(3, 1, False)]
    both = ServiceRoute(public_port=1, live=up(2), candidate=up(3))
    assert both.upstreams() == [(3, 1, False), (2, 1, True)]  # the live one as a backup
    canary = both.model_copy(update={"candidate_weight": 10})
    assert canary.upstreams() == [(3, 10, False), (2, 90, False)]
    assert both.model_copy(update={"candidate_weight": 0}).upstreams() == [(2, 1, False)]


def test_the_route_table_round_trips_and_starts_empty(tmp_path: Path) -> None:
    assert load_routes(tmp_path) == RouteTable()
    table = RouteTable(services={"api": ServiceRoute(public_port=1, live=up(2))})
    save_routes(tmp_path, table)
    assert load_routes(tmp_path) == table
    (tmp_path / "proxy" / "routes.json").write_text("{not json")
    assert load_routes(tmp_path) == RouteTable()


def test_the_manifest_chooses_the_proxy(target: Path, tmp_path: Path) -> None:
    assert open_proxy(tmp_path, load(target)) is None
    target.write_text(target.read_text() + '\n[proxy]\nkind = "nginx"\n')
    proxy = open_proxy(tmp_path, load(target))
    assert proxy is not None and proxy.kind == "nginx"


def test_the_proxy_works_with_either_backend(target: Path, tmp_path: Path) -> None:
    text = target.read_text().replace('backend = "process"', 'backend = "docker"')
    target.write_text(text + '\n[proxy]\nkind = "nginx"\n')
    m = load(target)
    proxy = open_proxy(tmp_path, m)
    assert m.backend == "docker" and proxy is not None and proxy.kind == "nginx"
