"""Fault test: behind nginx, public traffic never meets a release that is not verified.

The example, with `[proxy] kind = "nginx"`, is launched to production (GO); then, while a probe
asks every public port for /health every 20 ms, four more launches run: one whose api fails its
health check, one whose api fails a critical smoke check (both NO-GO at deploy, never switched
to), one whose api passes deploy but whose load test fails (NO-GO after the switch: switched
back), and a good one (GO). Counted, never timed: not one probe fails, none is answered by a
failing release, and payments (never changed) keeps its process through all of it.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest

from flows.launch import run_launch
from golive import settings
from golive.proxy import load_routes
from golive.request import LaunchRequest
from tests.conftest import port, run_golive
from tests.golive.proxy.test_nginx import nginx_or_missing

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "golive_home")]

PORTS = (port(18101), port(18102))
# Broken only where golive runs it (the target's own suites still pass): the release gets
# as far as deploy. Every answer it gives carries a header the probe looks for.
BROKEN = """

import os as _os

from fastapi import Request as _Request
from fastapi.responses import JSONResponse as _JSONResponse


@app.middleware("http")
async def _broken(request: _Request, call_next):
    if _os.environ.get("GOLIVE_ENVIRONMENT") and request.url.path == "{path}":
        return _JSONResponse({{"status": "broken"}}, 503)
    response = await call_next(request)
    if _os.environ.get("GOLIVE_ENVIRONMENT"):
        response.headers["x-golive-test"] = "bad-release"
    return response
"""


class Probe:
    """Asks each of `ports` for /health every 20 ms until stopped; counts what it saw."""

    def __init__(self, ports: tuple[int, ...] = PORTS) -> None:
        self.ports = ports
        self.seen: Counter[str] = Counter()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self.done.wait(0.02):
                for port in self.ports:
                    try:
                        answer = client.get(f"http://127.0.0.1:{port}/health")
                    except httpx.HTTPError as exc:
                        self.seen[f"error {type(exc).__name__}"] += 1
                        continue
                    self.seen["ok" if answer.status_code == 200 else str(answer.status_code)] += 1
                    if "x-golive-test" in answer.headers:
                        self.seen["bad release answered"] += 1

    def total(self) -> int:
        return sum(v for k, v in self.seen.items() if k != "bad release answered")


def payments_pid() -> int:
    env_dir = settings.environment_dir("production")
    live = load_routes(env_dir).services["payments"].live
    assert live is not None
    return int(json.loads((env_dir / "run" / f"{live.instance}.json").read_text())["pid"])


def launch(target: Path, variant: str = "soft") -> dict[str, object]:
    return run_launch(LaunchRequest(manifest=str(target), variant=variant))  # type: ignore[arg-type]


def test_no_probe_fails_and_no_failing_release_answers(target: Path) -> None:
    toml = target.read_text() + f'\n[proxy]\nkind = "nginx"\nbinary = "{nginx_or_missing()}"\n'
    target.write_text(toml)
    app = target.parent / "services" / "api" / "app.py"
    original = app.read_text()
    first = launch(target)
    assert first["verdict"] == "GO", first["reasons"]
    payments = payments_pid()

    probe = Probe()
    probe.thread.start()
    counts = []
    try:
        app.write_text(original + BROKEN.format(path="/health"))
        health = launch(target)
        counts.append(probe.total())
        app.write_text(original + BROKEN.format(path="/catalog"))
        smoke = launch(target)
        counts.append(probe.total())
        app.write_text(original + "\n# a good change\n")
        target.write_text(toml.replace("min_rps = 5", "min_rps = 100000"))
        load = launch(target, "full")
        counts.append(probe.total())
        target.write_text(toml)
        good = launch(target)
        counts.append(probe.total())
    finally:
        probe.done.set()
        probe.thread.join()

    assert health["verdict"] == "NO-GO" and "deploy: service api" in health["reasons"][0]
    assert "health answered 503" in health["reasons"][0]
    assert smoke["verdict"] == "NO-GO" and "critical smoke check failed" in smoke["reasons"][0]
    assert load["verdict"] == "NO-GO" and any(r.startswith("load") for r in load["reasons"])
    assert any("api: release" in line for line in load["rollback"]), load["rollback"]
    assert good["verdict"] == "GO", good["reasons"]
    # The probe ran through every launch, and every answer was the live release's, healthy.
    assert 0 < counts[0] < counts[1] < counts[2] < counts[3], counts
    assert set(probe.seen) == {"ok"}, probe.seen
    assert payments_pid() == payments

    shown = run_golive("status", "--environment", "production", env={"COLUMNS": "200"})
    assert shown.returncode == 0, shown.stderr
    assert "proxy (running)" in shown.stdout
    routes = load_routes(settings.environment_dir("production")).services
    for name, public in (("api", port(18101)), ("payments", port(18102))):
        live = routes[name].live
        assert live is not None and f"{live.release_id} :{live.port}" in shown.stdout
        assert f"{public}" in shown.stdout
