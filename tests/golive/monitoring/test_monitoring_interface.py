"""The monitoring boundary: both watchers keep the contract, the factory picks the offline one
when there is no Prometheus, and its errors are not 'bad input'. Cheap: no Prometheus runs."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from golive.errors import GoliveError
from golive.manifest import Monitoring
from golive.monitoring import (
    DirectScrape,
    MonitoringError,
    PrometheusError,
    PrometheusWatch,
    Watcher,
    open_watch,
)
from golive.ports import free_port
from tests.golive.monitoring.test_prometheus import serve_metrics, service

NO_BINARY = Monitoring(prometheus_binary="golive-no-such-prometheus")


def protocol_members() -> dict[str, Any]:
    return {
        name: member
        for name, member in vars(Watcher).items()
        if (callable(member) or isinstance(member, property)) and not name.startswith("_")
    }


@pytest.mark.parametrize("watcher", [DirectScrape, PrometheusWatch])
def test_each_watcher_has_every_member_with_the_protocols_signature(watcher: type) -> None:
    assert sorted(protocol_members()) == ["located", "observe"]
    for name, member in protocol_members().items():
        assert hasattr(watcher, name), f"{watcher.__name__} has no {name}"
        if not isinstance(member, property):
            assert inspect.signature(getattr(watcher, name)) == inspect.signature(member)


def test_the_boundarys_errors_are_not_bad_input() -> None:
    assert issubclass(PrometheusError, MonitoringError)
    assert not issubclass(MonitoringError, GoliveError)


def test_without_prometheus_the_factory_picks_direct_scraping(tmp_path: Path) -> None:
    watch = open_watch([], tmp_path / "env", NO_BINARY, [])
    assert isinstance(watch, DirectScrape)
    assert watch.located.mode == "none" and watch.located.url is None
    assert "'golive-no-such-prometheus' not found on PATH" in watch.located.reason


def test_a_rule_file_that_is_not_rules_fails_before_anything_is_picked(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("rules: []\n")
    with pytest.raises(PrometheusError, match=r"broken\.yml: needs a list of named"):
        open_watch([], tmp_path / "env", NO_BINARY, [broken])


def test_direct_scraping_reads_each_endpoint_once() -> None:
    with serve_metrics() as port:
        services = [service("alpha", port), service("gone", free_port())]
        targets, rules = open_watch(services, None, NO_BINARY, []).observe(services, 0)
    assert rules == []
    assert [(r["service"], r["problem"]) for r in targets] == [
        ("alpha", "-"),
        ("gone", "/metrics unreachable: ConnectError"),
    ]
    assert targets[0]["families"] >= 2
