"""Security smoke checks against real HTTP servers on 127.0.0.1: a rate limit (one path behind a
real fixed-window limiter, one without), an answer that needs credentials, security headers.

The limiter's window is a minute, far longer than any burst here, so what the limiter answers
does not depend on how fast this machine sends (the suite runs with both cores busy).
"""

from __future__ import annotations

import threading
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from golive.gates.smoke import smoke
from golive.manifest import Service, SmokeCheck
from golive.results import Status

LIMIT, WINDOW_S = 5, 60.0
HOLD_S = 2.0
SECURITY_HEADERS = {"Strict-Transport-Security": "max-age=63072000", "X-Frame-Options": "DENY"}


class Site(ThreadingHTTPServer):
    """/limited: LIMIT requests per client per WINDOW_S, then 429; /open: always 200;
    /admin: 401 without an Authorization header; /leaky-admin: 200 to anyone;
    /secure: 200 with SECURITY_HEADERS; /plain: 200 with none of them."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SiteHandler)
        self.lock = threading.Lock()
        self.windows: dict[str, tuple[float, int]] = {}  # client -> (window start, count)
        self.hits: Counter[str] = Counter()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def allow(self, client: str) -> bool:
        """A fixed-window rate limiter, as a real service runs one."""
        now = time.monotonic()
        with self.lock:
            start, count = self.windows.get(client, (now, 0))
            if now - start >= WINDOW_S:
                start, count = now, 0
            self.windows[client] = (start, count + 1)
            return count < LIMIT


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Site

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits[self.path] += 1
        headers: dict[str, str] = {}
        code = 200
        if self.path == "/limited-held":  # held while a burst may trip the limiter, then limited
            self.hold_until_limited()
        if self.path.startswith("/limited") and not self.server.allow(self.client_address[0]):
            code = 429
        elif self.path == "/admin" and "Authorization" not in self.headers:
            code = 401
        elif self.path == "/secure":
            headers = SECURITY_HEADERS
        elif self.path not in ("/open", "/limited", "/limited-held", "/leaky-admin", "/plain",
                               "/admin"):  # fmt: skip
            code = 404
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def hold_until_limited(self) -> None:
        """Wait (HOLD_S at most) until a burst went past the limit: a burst running beside this
        request would make it a 429. When none does, the wait is only latency."""
        deadline = time.monotonic() + HOLD_S
        while time.monotonic() < deadline:
            with self.server.lock:
                if self.server.hits["/limited"] > LIMIT:
                    return
            time.sleep(0.01)


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    thread.join()
    server.server_close()


def check(path: str, **kw: Any) -> SmokeCheck:
    fields = {"name": path.strip("/"), "service": "web", "path": path, "critical": True}
    return SmokeCheck.model_validate(fields | kw)


def run(site: Site, *checks: SmokeCheck) -> Any:
    return smoke(list(checks), [Service(name="web", source=Path("."), command="-", port=site.port)])


def test_a_rate_limit_check_against_a_limited_path_passes_and_stops_at_the_first_429(
    site: Site,
) -> None:
    result = run(site, check("/limited", kind="rate-limit", requests=50, within_s=60))
    assert result.status is Status.PASSED, result.summary
    (row,) = result.details
    assert row["got"] == 429 and row["result"] == "ok"
    assert row["expected"] == "a 429 within 50 requests in 60 s"
    # It stopped once answered: the limit, the 429s of the requests already in flight, no more.
    assert LIMIT < site.hits["/limited"] < 50


def test_a_rate_limit_check_against_a_path_without_a_limit_is_no_go_naming_the_check(
    site: Site,
) -> None:
    result = run(site, check("/open", name="login-rate-limit", kind="rate-limit", requests=30,
                             within_s=60))  # fmt: skip
    assert result.status is Status.FAILED and result.blocks_launch
    assert result.summary.startswith("critical check login-rate-limit (GET /open on web): ")
    assert "sent 30 requests in " in result.summary and "got no 429" in result.summary
    assert "200 x30" in result.summary
    assert site.hits["/open"] == 30  # bounded: exactly N requests


def test_a_rate_limit_check_runs_after_the_other_checks_so_its_429s_reach_none_of_them(
    site: Site,
) -> None:
    # The plain check, behind the same limiter, is listed after the burst; it still runs first.
    burst = check("/limited", name="burst", kind="rate-limit", requests=20, within_s=60)
    plain = check("/limited-held", name="plain")
    result = run(site, burst, plain)
    assert result.status is Status.PASSED, result.details
    assert [row["got"] for row in result.details] == [429, 200]


def test_auth_required_passes_on_401_and_fails_naming_the_status_got(site: Site) -> None:
    assert run(site, check("/admin", kind="auth-required")).status is Status.PASSED
    result = run(site, check("/leaky-admin", kind="auth-required"))
    assert result.status is Status.FAILED
    assert result.summary.endswith(
        "leaky-admin (GET /leaky-admin on web): expected 401 or 403, got 200"
    )


def test_headers_pass_when_all_are_there_and_fail_naming_the_missing_ones(site: Site) -> None:
    wanted = ["Strict-Transport-Security", "X-Frame-Options"]
    assert (
        run(site, check("/secure", kind="headers", expect_headers=wanted)).status is Status.PASSED
    )
    result = run(site, check("/plain", kind="headers", expect_headers=wanted))
    assert result.status is Status.FAILED
    assert result.summary.endswith(
        "missing header(s) Strict-Transport-Security, X-Frame-Options"
    ), result.summary


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"kind": "rate-limit"}, "needs requests and within_s"),
        ({"kind": "rate-limit", "requests": 1001, "within_s": 5}, "less than or equal to 1000"),
        ({"kind": "rate-limit", "requests": 10, "within_s": 0}, "greater than 0"),
        ({"requests": 10, "within_s": 5}, 'for kind = "rate-limit" only'),
        ({"kind": "rate-limit", "requests": 10, "within_s": 5, "capture": {"t": "token"}},
         "no single answer"),
        ({"kind": "headers"}, "expect_headers"),
        ({"expect_headers": ["X-Frame-Options"]}, "expect_headers"),
        ({"kind": "headers", "expect_headers": ["Bad Header"]}, "pattern"),
        ({"kind": "auth-required", "expect": 200}, "401 or 403"),
        ({"kind": "auth-required", "headers": {"Authorization": "x"}}, "remove Authorization"),
        ({"kind": "sql-injection"}, "'rate-limit'"),
    ],
)  # fmt: skip
def test_checks_that_do_not_fit_their_kind_are_refused(
    fields: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValidationError) as err:
        check("/x", **fields)
    assert problem in str(err.value)


def test_the_readmes_examples_are_valid() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Security smoke checks") :]
    example = tomllib.loads(section.split("```toml\n", 1)[1].split("```", 1)[0])
    kinds = [SmokeCheck.model_validate(c).kind for c in example["smoke"]]
    assert kinds == ["rate-limit", "auth-required", "headers"]
