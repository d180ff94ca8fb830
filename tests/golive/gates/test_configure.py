"""The configure gate: each rule caught by its id, and never a value in what it reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.envfile import read_env
from golive.gates.configure import configure
from golive.manifest import load
from golive.results import Status

STRONG = "q" * 20 + "7Hk2mZx9Lw4Rt6Yp8Nv3Bc5Df1Gh0Js"


def run(target: Path, key: str, value: str | None, environment: str = "production"):  # type: ignore[no-untyped-def]
    m = load(target)
    env_file = m.path(m.env.production)
    lines = [ln for ln in env_file.read_text().splitlines() if not ln.startswith(f"{key}=")]
    if value is not None:
        lines.append(f"{key}={value}")
    env_file.write_text("\n".join(lines) + "\n")
    return configure(m.env, m.root, environment)


def test_the_example_production_file_passes(target: Path) -> None:
    m = load(target)
    result = configure(m.env, m.root, "production")
    assert result.status is Status.PASSED, result.summary


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("JWT_SECRET", None, "missing-key"),
        ("JWT_SECRET", "", "empty-value"),
        ("JWT_SECRET", "changeme", "placeholder-value"),
        ("OAUTH_CLIENT_SECRET", "your-oauth-secret-here", "placeholder-value"),
        ("OAUTH_CLIENT_SECRET", "<paste the secret>", "placeholder-value"),
        ("JWT_SECRET", "short-but-real-7f3a", "weak-secret"),
        ("PAYMENT_SECRET_KEY", "sk_test_" + STRONG, "payment-test-key"),
        ("PAYMENT_PUBLISHABLE_KEY", "pk_test_" + STRONG, "payment-test-key"),
    ],
)
def test_each_defect_blocks_with_its_rule_and_no_value(
    target: Path, key: str, value: str | None, rule: str
) -> None:
    result = run(target, key, value)
    assert result.status is Status.FAILED and result.blocks_launch
    assert [(d["key"], d["rule"]) for d in result.details] == [(key, rule)]
    assert key in result.summary and rule in result.summary
    written = json.dumps(result.details) + result.summary
    if value and len(value) > 5:
        assert value not in written


def test_template_example_value_left_unchanged_is_a_placeholder(target: Path) -> None:
    m = load(target)
    template_value = read_env(m.path(m.env.template))["OAUTH_CLIENT_ID"]
    result = run(target, "OAUTH_CLIENT_ID", template_value)
    assert [d["rule"] for d in result.details] == ["placeholder-value"]


def test_test_mode_key_is_fine_outside_production(target: Path) -> None:
    m = load(target)
    env_file = m.path(m.env.production)
    env_file.write_text(env_file.read_text().replace("APP_ENV=production", "APP_ENV=staging"))
    result = run(target, "PAYMENT_SECRET_KEY", "sk_test_" + STRONG, environment="staging")
    assert result.status is Status.PASSED, result.summary


def test_key_not_in_template_only_warns(target: Path) -> None:
    result = run(target, "EXTRA_FLAG", "on")
    assert result.status is Status.WARNED and not result.blocks_launch
    assert [d["rule"] for d in result.details] == ["unknown-key"]
