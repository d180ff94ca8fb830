"""Fault test: a canary whose bake fails serves only its share, and is switched back.

The example, with `[proxy] kind = "nginx"`, `canary_weight = 30` and a bake whose check reads the
canary's own 5xx ratio (`{release}`), is launched to production (GO: nothing to share traffic
with yet, so no canary and no bake). Then, while a probe asks every public port for /health
every 20 ms and the api for /recommendations (a path only the new release has, and answers
500), a launch of that release runs. Counted, never timed: not one /health probe fails, both
releases answered the api's public port while the canary baked, payments (never changed) keeps
its process, the verdict is NO-GO naming the bake check, and afterwards only the old release
serves.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest

from golive import settings
from golive.proxy import load_routes
from tests.golive.monitoring.test_prometheus import require_binary
from tests.golive.proxy.test_nginx import nginx_or_missing
from tests.reliability.test_proxy_switch import PORTS, launch, payments_pid

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "golive_home")]

# The bake's upper bound only: it aborts at the second failed measurement in a row, as soon as
# Prometheus has scraped the canary's errors.
OWN = 'release="{release}", path!~"/metrics|/health"'
QUERY = (
    f'(sum(rate(azora_http_requests_total{{{OWN}, status=~"5.."}}[30s])) or vector(0))'
    f" / sum(rate(azora_http_requests_total{{{OWN}}}[30s]))"
)
CANARY = """
canary_weight = 30

[bake]
duration_s = 120
interval_s = 1
failure_limit = 2

[[bake.checks]]
name = "canary-error-ratio"
query = 'QUERY'
comparison = "<"
threshold = 0.05
no_data = "pass"
""".replace("QUERY", QUERY)
# Only the new release has the path, and it fails there; every answer it gives says who it is.
NEW_RELEASE = """

from fastapi import Request as _Request
from fastapi.responses import JSONResponse as _JSONResponse


@app.get("/recommendations")
def _recommendations() -> _JSONResponse:
    return _JSONResponse({"status": "broken"}, 500)


@app.middleware("http")
async def _marked(request: _Request, call_next):
    response = await call_next(request)
    response.headers["x-golive-test"] = "canary"
    return response
"""


class Probe:
    """Every 20 ms: /health on every public port, /recommendations on the api's; counts what
    it saw and which release answered."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def ask(self, client: httpx.Client, port: int, path: str) -> None:
        try:
            answer = client.get(f"http://127.0.0.1:{port}{path}")
        except httpx.HTTPError as exc:
            self.seen[f"{path} error {type(exc).__name__}"] += 1
            return
        who = "canary" if "x-golive-test" in answer.headers else "live"
        self.seen[f"{port}{path} {answer.status_code} {who}"] += 1

    def run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self.done.wait(0.02):
                for port in PORTS:
                    self.ask(client, port, "/health")
                self.ask(client, PORTS[0], "/recommendations")


def test_a_failing_canary_serves_its_share_then_is_switched_back(target: Path) -> None:
    require_binary()
    # The example's fleet-wide metric checks leave out the path the probe breaks on purpose:
    # its errors are the bake's to find, and must not fail the good launch that follows.
    example = target.read_text().replace(
        '"/metrics|/health"', '"/metrics|/health|/recommendations"'
    )
    toml = example + f'\n[proxy]\nkind = "nginx"\nbinary = "{nginx_or_missing()}"\n'
    target.write_text(toml + CANARY)
    first = launch(target)
    assert first["verdict"] == "GO", first["reasons"]
    payments = payments_pid()
    routes = load_routes(settings.environment_dir("production")).services
    old_api = routes["api"].live
    assert old_api is not None and routes["api"].candidate is None

    app = target.parent / "services" / "api" / "app.py"
    app.write_text(app.read_text() + NEW_RELEASE)
    probe = Probe()
    probe.thread.start()
    try:
        canary = launch(target)
    finally:
        probe.done.set()
        probe.thread.join()

    assert canary["verdict"] == "NO-GO"
    reason = next(r for r in canary["reasons"] if r.startswith("bake"))
    assert "check canary-error-ratio on release" in reason and "at measurement" in reason
    assert any("api: release" in line for line in canary["rollback"]), canary["rollback"]
    seen = probe.seen
    health = {k: v for k, v in seen.items() if "/health" in k}
    assert all(" 200 " in k for k in health), seen  # not one /health probe failed
    assert seen[f"{PORTS[0]}/health 200 canary"] > 0, seen  # the canary answered its share,
    assert seen[f"{PORTS[0]}/health 200 live"] > 0, seen  # the live release the rest
    assert seen[f"{PORTS[0]}/recommendations 500 canary"] > 0, seen
    assert not any("canary" in k for k in seen if k.startswith(str(PORTS[1]))), seen
    assert payments_pid() == payments

    routes = load_routes(settings.environment_dir("production")).services
    assert routes["api"].live == old_api and routes["api"].candidate is None
    with httpx.Client(timeout=5) as client:
        for _ in range(10):
            answer = client.get(f"http://127.0.0.1:{PORTS[0]}/recommendations")
            assert answer.status_code == 404 and "x-golive-test" not in answer.headers

    # A good canary bakes its whole (short) duration, takes all the traffic, and GO retires
    # the old release.
    app.write_text(
        app.read_text().replace(
            'return _JSONResponse({"status": "broken"}, 500)',
            'return _JSONResponse({"status": "ok"})',
        )
    )
    target.write_text(toml + CANARY.replace("duration_s = 120", "duration_s = 3"))
    good = launch(target)
    assert good["verdict"] == "GO", good["reasons"]
    baked = next(g for g in good["gates"] if g["gate"] == "bake")
    assert baked["status"] == "passed" and len(baked["details"]) == 3, baked
    routes = load_routes(settings.environment_dir("production")).services
    live = routes["api"].live
    assert live is not None and routes["api"].candidate is None and live != old_api
    with httpx.Client(timeout=5) as client:
        for _ in range(10):
            answer = client.get(f"http://127.0.0.1:{PORTS[0]}/recommendations")
            assert answer.status_code == 200 and "x-golive-test" in answer.headers
    assert payments_pid() == payments
