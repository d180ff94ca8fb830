"""Blue/green through a real nginx with the example's real services: a release failing health
or a critical smoke check is never switched to; a good one is, and switching back or promoting
stops the right process; an unchanged service keeps its process throughout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from golive.backends.process import ProcessBackend
from golive.envfile import Redactor
from golive.gates.deploy import PreviousRelease
from golive.gates.outputs import BuiltRelease, DeployOutput
from golive.gates.smoke import smoke
from golive.proxy import NginxProxy, load_routes
from golive.proxy.switch import critical_smoke, deploy_switched, promote, reweigh, switch_back
from golive.results import Status
from tests.conftest import output_of, port
from tests.golive.gates.test_deploy import change_api, pids, prepare
from tests.golive.proxy.test_nginx import nginx_or_missing

HEALTH_FAILS = """

from fastapi import Request as _Request
from fastapi.responses import JSONResponse as _JSONResponse


@app.middleware("http")
async def _broken_health(request: _Request, call_next):
    if request.url.path == "/health":
        return _JSONResponse({"status": "broken"}, 503)
    response = await call_next(request)
    response.headers["x-golive-test"] = "bad-release"
    return response
"""

# A good release whose answers say so (the live one's do not carry the header).
MARKED = """

from fastapi import Request as _Request


@app.middleware("http")
async def _marked(request: _Request, call_next):
    response = await call_next(request)
    response.headers["x-golive-test"] = "canary"
    return response
"""

CATALOG_FAILS = HEALTH_FAILS.replace('"/health"', '"/catalog"').replace("_broken_health", "_broken")


@pytest.fixture
def env_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "env"
    yield path
    NginxProxy(path).stop()
    ProcessBackend(path).stop_all()


class World:
    """The example's services behind one nginx, deployed the way the deploy task does."""

    def __init__(self, target: Path, env_dir: Path) -> None:
        self.target, self.env_dir = target, env_dir
        self.m, self.releases, self.env = prepare(target, env_dir)
        self.backend = ProcessBackend(env_dir)
        self.proxy = NginxProxy(env_dir, nginx_or_missing())
        self.services = self.m.services_in_start_order()
        self.live: dict[str, BuiltRelease] = {}

    def deploy(self, releases: dict[str, BuiltRelease], canary_weight: int = 100) -> DeployOutput:
        verify = critical_smoke(self.services, self.m.smoke, smoke)
        result = deploy_switched(
            self.services,
            releases,
            self.backend,
            self.proxy,
            self.env_dir,
            self.env,
            Redactor({}),
            verify,
            same_config=[s.name for s in self.services],
            canary_weight=canary_weight,
        )
        self.last = result
        return output_of(result, DeployOutput)

    def previous(self) -> dict[str, PreviousRelease]:
        return {name: PreviousRelease(rel, self.env) for name, rel in self.live.items()}


def get(port: int, path: str = "/health") -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}{path}")


@pytest.fixture
def world(target: Path, env_dir: Path) -> World:
    w = World(target, env_dir)
    w.deploy(w.releases)
    assert w.last.status is Status.PASSED, w.last.summary
    assert sorted(promote(w.backend, w.proxy, env_dir)) == ["api", "assistant", "payments"]
    w.live = dict(w.releases)
    return w


def bad_release(world: World, code: str) -> dict[str, BuiltRelease]:
    app = world.target.parent / "services" / "api" / "app.py"
    app.write_text(app.read_text() + code)
    return change_api(world.target, world.m, world.env_dir, 0)


def live_instances(env_dir: Path) -> dict[str, str]:
    return {n: r.live.instance for n, r in load_routes(env_dir).services.items() if r.live}


@pytest.mark.parametrize(
    ("code", "why"),
    [
        (HEALTH_FAILS, "health answered 503"),
        (CATALOG_FAILS, "a critical smoke check failed: critical check catalog"),
    ],
)
def test_a_release_failing_verification_never_takes_traffic(
    world: World, code: str, why: str
) -> None:
    before, routes = pids(world.env_dir), load_routes(world.env_dir)
    out = world.deploy(bad_release(world, code))
    assert world.last.status is Status.FAILED
    assert "service api: release" in world.last.summary and why in world.last.summary
    assert out.started == ("api",) and out.replaced == ()  # api comes first: nothing else ran
    assert load_routes(world.env_dir) == routes  # never routed to
    assert pids(world.env_dir) == before  # it is stopped; nothing else moved
    for public in (port(18101), port(18102), port(18103)):
        answer = get(public)
        assert answer.status_code == 200 and "x-golive-test" not in answer.headers


def test_a_good_release_is_switched_to_then_back(world: World) -> None:
    first = pids(world.env_dir)
    old_api = live_instances(world.env_dir)["api"]
    out = world.deploy(change_api(world.target, world.m, world.env_dir, 1))
    assert world.last.status is Status.PASSED, world.last.summary
    assert out.replaced == ("api",) and set(out.unchanged) == {"payments", "assistant"}
    route = load_routes(world.env_dir).services["api"]
    assert route.candidate is not None and route.live is not None
    assert route.live.instance == old_api and old_api in world.backend.running()  # kept ready
    assert get(port(18101)).status_code == 200

    lines = [
        o.line
        for o in switch_back(
            world.services, world.previous(), world.backend, world.proxy, world.env_dir
        )
    ]
    assert lines[0].startswith("api: release") and lines[0].endswith("serving again")
    assert all("left alone" in line for line in lines[1:]), lines
    after = pids(world.env_dir)
    assert after == first  # the old api process serves again; the candidate is gone
    assert get(port(18101)).status_code == 200


def test_promote_stops_the_replaced_release_only(world: World) -> None:
    first = pids(world.env_dir)
    old_api = live_instances(world.env_dir)["api"]
    world.deploy(change_api(world.target, world.m, world.env_dir, 2))
    assert promote(world.backend, world.proxy, world.env_dir) == ["api"]
    running = world.backend.running()
    assert old_api not in running and live_instances(world.env_dir)["api"] in running
    now = pids(world.env_dir)
    for name, pid in first.items():
        if not name.startswith("api."):
            assert now[name] == pid
    assert get(port(18101)).status_code == 200


def test_switching_back_restarts_what_is_gone(world: World) -> None:
    """As a recovery after a lost machine: nginx and the live api are gone, a candidate is
    routed; switching back starts the last good api and nginx again, routed to it."""
    world.deploy(change_api(world.target, world.m, world.env_dir, 3))
    candidate = load_routes(world.env_dir).services["api"].candidate
    assert candidate is not None
    world.backend.stop(live_instances(world.env_dir)["api"])
    assert world.proxy.stop()

    lines = [
        o.line
        for o in switch_back(
            world.services, world.previous(), world.backend, world.proxy, world.env_dir
        )
    ]
    assert lines[0].endswith("serving again"), lines
    assert world.proxy.running()
    route = load_routes(world.env_dir).services["api"]
    assert route.candidate is None and route.live is not None
    assert route.live.release_id == world.live["api"].release_id
    assert candidate.instance not in world.backend.running()
    assert get(port(18101)).status_code == 200 and get(port(18102)).status_code == 200


def canary_answers(n: int) -> list[bool]:
    """Whether each of n requests to the api's public port was answered by the canary."""
    return ["x-golive-test" in get(port(18101)).headers for _ in range(n)]


def test_a_canary_takes_its_share_then_all_or_none(world: World) -> None:
    first = pids(world.env_dir)
    world.deploy(bad_release(world, MARKED), canary_weight=25)
    assert world.last.status is Status.PASSED, world.last.summary
    route = load_routes(world.env_dir).services["api"]
    assert route.candidate_weight == 25 and route.live is not None
    assert "weight=25;" in world.proxy.conf.read_text()
    seen = canary_answers(40)
    assert any(seen) and not all(seen), seen  # both releases answer the public port

    assert reweigh(world.proxy, world.env_dir, 0) == ["api"]  # a failed bake: none at once
    assert not any(canary_answers(10))
    assert reweigh(world.proxy, world.env_dir, 100) == ["api"]  # a passed one: all of it
    assert all(canary_answers(10))
    now = pids(world.env_dir)
    assert {n: p for n, p in now.items() if not n.startswith("api.")} == {
        n: p for n, p in first.items() if not n.startswith("api.")
    }
