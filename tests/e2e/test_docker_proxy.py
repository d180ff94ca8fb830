"""Blue/green behind nginx on the docker backend: each release a container on an internal port of
its own (host network), nginx on the public ports.

The example on docker with `[proxy] kind = "nginx"` is launched (GO); then, while a probe asks
every public port for /health every 20 ms, a launch whose api fails its health check (NO-GO,
never switched to), one whose good api is switched to but whose load test fails (NO-GO after
the switch: switched back to the old api's container, still running) and a good one (GO).
Counted, never timed: not one probe fails, the failing release never answers, payments (never
changed) keeps its container, and after GO the new api serves while the old api's container is
gone.

Needs a Docker engine, a base image (`.ci/docker.sh`) and nginx. Ports 182xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from golive import settings
from golive.backends.docker import DockerBackend
from golive.proxy import load_routes
from golive.request import LaunchRequest
from tests.conftest import port
from tests.golive.proxy.test_nginx import nginx_or_missing
from tests.reliability.test_proxy_switch import BROKEN, Probe

pytestmark = pytest.mark.slow
ENVIRONMENT = "production"
PORTS = (port(18201), port(18202))  # api, payments (the soft launch deploys the core services only)


@pytest.fixture
def backend(golive_home: Path) -> Iterator[DockerBackend]:
    """The production environment's containers, all removed after the test."""
    found = DockerBackend(settings.environment_dir(ENVIRONMENT), ENVIRONMENT)
    yield found
    found.stop_all()


def live_instance(service: str) -> tuple[str, str]:
    """(instance name, release id) of the release the proxy routes a service to."""
    live = load_routes(settings.environment_dir(ENVIRONMENT)).services[service].live
    assert live is not None
    return live.instance, live.release_id


def container_id(backend: DockerBackend, instance: str) -> str | None:
    found = backend._container(instance)
    return None if found is None else str(found.id)


def test_docker_releases_switch_behind_nginx(
    prefect_harness: None, docker_target: Path, backend: DockerBackend
) -> None:
    from flows.launch import run_launch

    proxy = f'\n[proxy]\nkind = "nginx"\nbinary = "{nginx_or_missing()}"\n'
    toml = docker_target.read_text() + proxy
    docker_target.write_text(toml)
    app = docker_target.parent / "services" / "api" / "app.py"
    original = app.read_text()
    request = LaunchRequest(manifest=str(docker_target), variant="soft", environment=ENVIRONMENT)
    first = run_launch(request)
    assert first["verdict"] == "GO", first["reasons"]
    payments, _ = live_instance("payments")
    payments_id = container_id(backend, payments)
    old_api, old_release = live_instance("api")
    old_api_id = container_id(backend, old_api)
    assert payments_id is not None and old_api_id is not None

    probe = Probe(PORTS)
    probe.thread.start()
    counts = []
    try:
        app.write_text(original + BROKEN.format(path="/health"))
        health = run_launch(request)
        counts.append(probe.total())
        app.write_text(original + "\n# a good change\n")
        docker_target.write_text(toml.replace("min_rps = 5", "min_rps = 100000"))
        load = run_launch(request.model_copy(update={"variant": "full"}))
        counts.append(probe.total())
        switched_back = (*live_instance("api"), container_id(backend, old_api))
        docker_target.write_text(toml)
        good = run_launch(request)
        counts.append(probe.total())
    finally:
        probe.done.set()
        probe.thread.join()

    assert health["verdict"] == "NO-GO" and "deploy: service api" in health["reasons"][0]
    assert "health answered 503" in health["reasons"][0]
    assert load["verdict"] == "NO-GO" and any(r.startswith("load") for r in load["reasons"])
    assert any("api: release" in line for line in load["rollback"]), load["rollback"]
    assert switched_back == (old_api, old_release, old_api_id)  # the same container again
    assert good["verdict"] == "GO", good["reasons"]
    assert 0 < counts[0] < counts[1] < counts[2], counts
    assert set(probe.seen) == {"ok"}, probe.seen  # no failure, no answer from the bad release
    assert container_id(backend, payments) == payments_id
    new_api, new_release = live_instance("api")
    assert new_release != old_release
    assert container_id(backend, old_api) is None  # retired after GO
    assert set(backend.running()) == {new_api, payments}
    assert backend.running()[new_api] == new_release
    answer = httpx.get(f"http://127.0.0.1:{PORTS[0]}/health", timeout=5)
    assert answer.status_code == 200 and "x-golive-test" not in answer.headers
