"""The configure gate on a real project's own `.env` as its template: optional keys, template
examples that are right as they are, and every finding named in the summary and the details."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.gates.configure import configure
from golive.gates.configure_rules import is_placeholder
from golive.manifest import EnvFiles
from golive.report import LaunchReport
from golive.results import Status
from golive.scorecard import decide

# A FastAPI project's .env as it ships: examples that are fine in production (DOMAIN, SMTP_PORT,
# FIRST_SUPERUSER) next to placeholders (changethis) and keys a deployment may leave empty.
TEMPLATE = """\
DOMAIN=localhost
ENVIRONMENT=production
PROJECT_NAME="Full Stack FastAPI Project"
SECRET_KEY=changethis
FIRST_SUPERUSER=admin@example.com
FIRST_SUPERUSER_PASSWORD=changethis
SMTP_HOST=
SMTP_USER=
SMTP_PASSWORD=
EMAILS_FROM_EMAIL=info@example.com
SMTP_PORT=587
SENTRY_DSN=
POSTGRES_SERVER=localhost
POSTGRES_PORT=5432
POSTGRES_DB=app
POSTGRES_USER=postgres
POSTGRES_PASSWORD=changethis
"""
REAL = {
    "SECRET_KEY": "Zq3vN8xLp2Rt7Yw5Kb9Mc4Hd6Jf1Gs0Aq8Wz3Ex7Tu",
    "FIRST_SUPERUSER_PASSWORD": "Xk7Pq2Wm9Lv4Rz8Tn3Yb6Hc1Jd5Gf0Sa",
    "POSTGRES_PASSWORD": "Mh4Tz9Qw2Ln7Rv5Xb8Kc3Jd6Gf1Sp0Ya",
}
PLACEHOLDER_KEYS = ["SECRET_KEY", "FIRST_SUPERUSER_PASSWORD", "POSTGRES_PASSWORD"]


def spec(optional: list[str]) -> EnvFiles:
    return EnvFiles.model_validate(
        {"template": ".env", "production": ".env.production", "optional": optional}
    )


def write(folder: Path, values: dict[str, str]) -> None:
    (folder / ".env").write_text(TEMPLATE)
    text = TEMPLATE
    for key, value in values.items():
        text = text.replace(f"{key}=changethis", f"{key}={value}")
    (folder / ".env.production").write_text(text)
    (folder / ".env.production").chmod(0o600)


def line_of(folder: Path, key: str) -> int:
    lines = (folder / ".env.production").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(f"{key}="))


def test_placeholders_are_all_named_in_summary_and_details(tmp_path: Path) -> None:
    write(tmp_path, {})
    result = configure(spec(["SMTP_*", "SENTRY_DSN"]), tmp_path, "production")
    assert result.status is Status.FAILED and result.blocks_launch
    rows = [(r["key"], r["line"], r["rule"]) for r in result.details]
    assert rows == [(k, line_of(tmp_path, k), "placeholder-value") for k in PLACEHOLDER_KEYS]
    for key in PLACEHOLDER_KEYS:
        assert f"{key} (line {line_of(tmp_path, key)}) [placeholder-value]" in result.summary
    assert "3 blocking" in result.summary and "more)" not in result.summary


def test_the_report_json_holds_every_finding(tmp_path: Path) -> None:
    write(tmp_path, {})
    result = configure(spec(["SMTP_*", "SENTRY_DSN"]), tmp_path, "production")
    report = LaunchReport(1, "t", "production", "full", False, decide([result], "full"), [result])
    report.write_json(tmp_path / "report.json")
    gate = json.loads((tmp_path / "report.json").read_text())["gates"][0]
    assert [d["key"] for d in gate["details"]] == PLACEHOLDER_KEYS
    assert all(k in " ".join(report.scorecard.reasons) for k in PLACEHOLDER_KEYS)


def test_real_values_pass_with_optional_keys_empty(tmp_path: Path) -> None:
    write(tmp_path, REAL)
    result = configure(spec(["SMTP_*", "SENTRY_DSN"]), tmp_path, "production")
    assert result.status is Status.PASSED, result.summary
    assert result.details == []


def test_without_optional_the_empty_keys_are_findings(tmp_path: Path) -> None:
    write(tmp_path, REAL)
    result = configure(spec(["SMTP_HOST"]), tmp_path, "production")
    found = {r["key"]: r["rule"] for r in result.details}
    assert found == {k: "empty-value" for k in ("SMTP_USER", "SMTP_PASSWORD", "SENTRY_DSN")}
    assert all(k in result.summary for k in found)


def test_an_optional_key_may_be_left_out(tmp_path: Path) -> None:
    write(tmp_path, REAL)
    production = tmp_path / ".env.production"
    production.write_text(production.read_text().replace("SENTRY_DSN=\n", ""))
    assert configure(spec(["SMTP_*", "SENTRY_DSN"]), tmp_path, "production").details == []
    missing = configure(spec(["SMTP_*"]), tmp_path, "production").details
    assert [(r["key"], r["rule"]) for r in missing] == [("SENTRY_DSN", "missing-key")]


@pytest.mark.parametrize(
    ("value", "template", "secret", "expected"),
    [
        ("localhost", "localhost", False, False),  # an example that is right as it is
        ("587", "587", False, False),
        ("localhost", "localhost", True, True),  # a secret is never the template's example
        ("your-client-id", "your-client-id", False, True),
        ("<domain>", "<domain>", False, True),
        ("sk_test_xxx", "sk_test_xxx", False, True),
        ("TODO set me", "TODO set me", False, True),
        ("changethis", "", False, True),  # a placeholder word whatever the template says
        ("smtp.real.example", "localhost", True, False),
    ],
)
def test_what_counts_as_a_placeholder(
    value: str, template: str, secret: bool, expected: bool
) -> None:
    assert is_placeholder(value, template, secret=secret) is expected
