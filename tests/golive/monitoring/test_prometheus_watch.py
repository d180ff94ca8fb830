"""The Prometheus watcher's rows, from API answers given here (no Prometheus runs)."""

from __future__ import annotations

from pathlib import Path

from golive.monitoring.prometheus_watch import Expected, rule_rows, target_rows
from tests.golive.monitoring.test_prometheus import service


def test_rule_rows_report_a_rule_that_fails_to_evaluate(tmp_path: Path) -> None:
    alerts = tmp_path / "alerts.yml"
    groups = [
        {
            "name": "demo",
            "file": str(alerts),
            "rules": [{"name": "Dup", "health": "err", "lastError": "same labelset"}],
        }
    ]
    expected = [Expected(alerts, "demo"), Expected(alerts, "absent")]
    rows = rule_rows(expected, groups, match_file=True)
    assert [(r["health"], r["problem"]) for r in rows] == [
        ("err", "rule Dup: same labelset"),
        ("missing", "group 'absent' not loaded"),
    ]


def test_target_rows_say_which_service_is_not_scraped() -> None:
    targets = [
        {"scrapeUrl": "http://127.0.0.1:18291/metrics", "health": "up"},
        {"scrapeUrl": "http://127.0.0.1:18292/metrics", "health": "down", "lastError": "EOF"},
    ]
    services = [service("alpha", 18291), service("beta", 18292), service("gamma", 18293)]
    rows = target_rows(services, targets)
    assert [(r["check"], r["health"], r["problem"]) for r in rows] == [
        ("target alpha", "up", "-"),
        ("target beta", "down", "EOF"),
        ("target gamma", "missing", "Prometheus has no target scraping it"),
    ]
