"""Monitor gate with services that have no metrics (`metrics = ""`): their health endpoint is
checked instead, a warning and not a NO-GO, and Prometheus does not scrape them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from golive.gates.monitor import monitor
from golive.manifest import Monitoring, Service
from golive.monitoring import prometheus as prom
from golive.results import Status
from tests.golive.gates.auth_app import auth_app
from tests.golive.monitoring.test_prometheus import require_binary, serve_metrics, service


@pytest.fixture
def env_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "env"
    yield path
    prom.stop_prometheus(path)


def bare(name: str, port: int, health: str = "/health") -> Service:
    """A service without Prometheus metrics."""
    return Service(name=name, source=Path("."), command="-", port=port, health=health, metrics="")


def test_a_service_without_metrics_is_health_checked_and_warns(env_dir: Path) -> None:
    with auth_app() as app:
        result = monitor([bare("backend", app.port)], env_dir, Monitoring())
        assert app.hits["GET /health"] == 1
    assert result.status is Status.WARNED and not result.blocks_launch
    assert 'no metrics for backend (metrics = ""): health checked instead' in result.summary
    assert [(r["check"], r["health"]) for r in result.details] == [("health backend", "up")]
    assert prom.running_url(env_dir) is None, "nothing to scrape: no Prometheus started"


def test_a_service_without_metrics_whose_health_is_down_blocks(env_dir: Path) -> None:
    with auth_app() as app:
        result = monitor([bare("backend", app.port, "/broken")], env_dir, Monitoring())
    assert result.status is Status.FAILED and result.blocks_launch
    assert result.summary == "health backend is down: /broken answered 503"


def test_prometheus_scrapes_only_the_services_with_metrics(env_dir: Path) -> None:
    require_binary()
    with serve_metrics() as port, auth_app() as app:
        services = [service("alpha", port), bare("backend", app.port)]
        result = monitor(services, env_dir, Monitoring(wait_s=20))
        url = prom.running_url(env_dir)
        assert url is not None
        targets = httpx.get(f"{url}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
    assert result.status is Status.WARNED and not result.blocks_launch, result.summary
    assert "1 target(s) up" in result.summary and "no metrics for backend" in result.summary
    assert {t["labels"]["job"] for t in targets} == {"alpha"}
    health = {r["check"]: r["health"] for r in result.details}
    assert health == {"target alpha": "up", "health backend": "up"}


def test_the_scrape_targets_leave_out_services_without_metrics() -> None:
    groups = prom.target_groups([service("alpha", 9100), bare("backend", 9200)])
    assert [group["labels"]["job"] for group in groups] == ["alpha"]
