"""The nginx proxy with a real nginx: its own folder, start, graceful reload, weights, stop."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from golive.health import port_in_use
from golive.ports import free_port
from golive.proxy import NginxProxy, RouteTable, ServiceRoute, Upstream
from golive.proxy.nginx import render
from tests.conftest import missing


def nginx_or_missing() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        missing("nginx is not installed (apt-get install -y nginx)")
    return found


class Named(BaseHTTPRequestHandler):
    """Answers every GET with the name of the server it belongs to."""

    def do_GET(self) -> None:
        body = self.server.name.encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def upstreams() -> Iterator[dict[str, int]]:
    """Two HTTP servers on 127.0.0.1, 'blue' and 'green', each answering its name."""
    servers = {}
    for name in ("blue", "green"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Named)
        server.name = name  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[name] = server
    yield {name: s.server_address[1] for name, s in servers.items()}
    for s in servers.values():
        s.shutdown()
        s.server_close()


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[NginxProxy]:
    nginx = NginxProxy(tmp_path / "env", nginx_or_missing())
    yield nginx
    nginx.stop()


def up(name: str, port: int) -> Upstream:
    return Upstream(instance=name, release_id=name, port=port)


def answers(port: int, n: int) -> list[str]:
    with httpx.Client() as client:
        return [client.get(f"http://127.0.0.1:{port}/").text for _ in range(n)]


def test_the_config_keeps_everything_in_its_own_folder(tmp_path: Path) -> None:
    table = RouteTable(services={"api": ServiceRoute(public_port=18999, live=up("a", 20001))})
    conf = render(table, tmp_path, 20000, 3)
    assert f"pid {tmp_path / 'nginx.pid'};" in conf
    assert "listen 127.0.0.1:18999;" in conf and "server 127.0.0.1:20001 weight=1;" in conf
    for line in conf.splitlines():
        if "/" in line and ("path" in line or "log" in line or line.startswith("pid")):
            assert str(tmp_path) in line, line
    assert ":80;" not in conf and 'return 200 "3"' in conf


def test_switch_between_releases_and_stop(proxy: NginxProxy, upstreams: dict[str, int]) -> None:
    public = free_port()
    blue, green = up("blue", upstreams["blue"]), up("green", upstreams["green"])
    proxy.apply(RouteTable(services={"api": ServiceRoute(public_port=public, live=blue)}))
    assert proxy.running()
    assert set(answers(public, 5)) == {"blue"}

    switched = ServiceRoute(public_port=public, live=blue, candidate=green)
    proxy.apply(RouteTable(services={"api": switched}))
    assert set(answers(public, 5)) == {"green"}  # the live release is only a backup now

    canary = switched.model_copy(update={"candidate_weight": 20})
    proxy.apply(RouteTable(services={"api": canary}))
    seen = answers(public, 20)  # one worker: weighted round robin, 1 in 5 to the candidate
    assert seen.count("green") == 4 and seen.count("blue") == 16

    proxy.apply(RouteTable(services={"api": ServiceRoute(public_port=public, live=blue)}))
    assert set(answers(public, 5)) == {"blue"}

    assert proxy.stop()
    assert not proxy.running() and not port_in_use(public)
    assert not proxy.stop()  # nothing left to stop


def test_a_candidate_that_refuses_falls_back_to_the_live_release(
    proxy: NginxProxy, upstreams: dict[str, int]
) -> None:
    public, closed = free_port(), free_port()  # nobody listens on `closed`
    route = ServiceRoute(
        public_port=public, live=up("blue", upstreams["blue"]), candidate=up("gone", closed)
    )
    proxy.apply(RouteTable(services={"api": route}))
    assert set(answers(public, 5)) == {"blue"}
