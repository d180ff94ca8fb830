"""Smoke gate against real HTTP servers on 127.0.0.1: retries, the concurrency bound, criticality.

The servers are tiny stdlib ones that count what they receive, so a test can say how many
requests a check made and how many were in flight at once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from golive.gates.smoke import smoke
from golive.manifest import Service, SmokeCheck
from golive.ports import free_port
from golive.results import Status


class CountingServer(ThreadingHTTPServer):
    """Answers by path: /ok 200, /missing 404, /down 500, /flaky 503 twice then 200, /slow
    200 after 50 ms. Counts requests per path and the most ever in flight."""

    daemon_threads = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: CountingServer

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def answer(self) -> None:
        srv = self.server
        with srv.lock:
            srv.hits[self.path] += 1
            srv.in_flight += 1
            srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
            seen = srv.hits[self.path]
        try:
            if self.path == "/slow":
                time.sleep(0.05)
            code = {"/ok": 200, "/slow": 200, "/missing": 404, "/down": 500}.get(self.path, 404)
            if self.path == "/flaky":
                code = 503 if seen <= 2 else 200
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        finally:
            with srv.lock:
                srv.in_flight -= 1

    do_GET = answer
    do_POST = answer


def serve(server: CountingServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    return thread


@pytest.fixture
def server() -> Iterator[CountingServer]:
    srv = CountingServer()
    thread = serve(srv)
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def service(port: int, name: str = "web") -> Service:
    return Service(name=name, source=Path("."), command="-", port=port)


def check(path: str, **kw: object) -> SmokeCheck:
    fields: dict[str, object] = {"name": path.strip("/") or "root", "service": "web", "path": path}
    return SmokeCheck.model_validate(fields | kw)


class LateServer:
    """A CountingServer that starts listening on `port` only `delay` seconds after entry."""

    def __init__(self, port: int, delay: float) -> None:
        self.port = port
        self.server: CountingServer | None = None
        self.thread: threading.Thread | None = None
        self.timer = threading.Timer(delay, self._start)

    def _start(self) -> None:
        self.server = CountingServer(self.port)
        self.thread = serve(self.server)

    def __enter__(self) -> LateServer:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        self.timer.join(timeout=5)
        if self.server is not None and self.thread is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)


def test_connection_refused_is_retried_until_a_late_service_starts() -> None:
    port = free_port()
    with LateServer(port, delay=0.4) as late:
        result = smoke([check("/ok", attempts=6, critical=True)], [service(port)], backoff_s=0.1)
    assert result.status is Status.PASSED, result.summary
    row = result.details[0]
    assert row["attempts"] > 1 and row["got"] == 200
    assert late.server is not None and late.server.hits["/ok"] == 1  # refused tries never arrived
    assert "after a retry" in result.summary


def test_connection_refused_fails_after_bounded_attempts() -> None:
    port = free_port()  # nobody listens here
    result = smoke([check("/ok", attempts=2, critical=True)], [service(port)], backoff_s=0.01)
    assert result.status is Status.FAILED
    assert result.details[0]["attempts"] == 2
    assert "ConnectError" in result.summary


def test_5xx_is_retried_and_4xx_is_not(server: CountingServer) -> None:
    checks = [
        check("/flaky", attempts=3),
        check("/missing", attempts=3),
        check("/down", attempts=3),
    ]
    result = smoke(checks, [service(server.port)], backoff_s=0.01)
    rows = {r["check"]: r for r in result.details}
    assert server.hits["/flaky"] == 3 and rows["flaky"]["result"] == "ok"
    assert server.hits["/missing"] == 1 and rows["missing"]["attempts"] == 1
    assert rows["missing"]["result"] == "expected 200, got 404"
    assert server.hits["/down"] == 3 and rows["down"]["got"] == 500


def test_an_expected_5xx_is_not_retried(server: CountingServer) -> None:
    result = smoke([check("/down", expect=500, attempts=3)], [service(server.port)])
    assert result.status is Status.PASSED
    assert server.hits["/down"] == 1


def test_concurrency_bound_is_respected(server: CountingServer) -> None:
    checks = [check("/slow", name=f"slow-{i}") for i in range(40)]
    result = smoke(checks, [service(server.port)], concurrency=4)
    assert result.status is Status.PASSED, result.summary
    assert server.hits["/slow"] == 40
    assert 2 <= server.max_in_flight <= 4  # concurrent, never above the bound
    assert all(isinstance(r["latency_ms"], float) for r in result.details)


def test_a_failing_critical_check_blocks(server: CountingServer) -> None:
    checks = [check("/ok", critical=True), check("/missing", name="pay", critical=True)]
    result = smoke(checks, [service(server.port)])
    assert result.status is Status.FAILED and result.blocks_launch
    assert "critical check pay" in result.summary and "got 404" in result.summary


def test_a_failing_non_critical_check_warns(server: CountingServer) -> None:
    checks = [check("/ok", critical=True), check("/missing", name="extra")]
    result = smoke(checks, [service(server.port)])
    assert result.status is Status.WARNED and not result.blocks_launch
    assert "extra" in result.summary


def test_checks_for_services_not_deployed_are_left_out(server: CountingServer) -> None:
    checks = [check("/ok"), check("/ok", name="elsewhere", service="assistant")]
    result = smoke(checks, [service(server.port)])
    assert result.status is Status.PASSED and len(result.details) == 1
