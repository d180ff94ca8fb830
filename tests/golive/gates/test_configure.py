"""The configure gate: each rule caught by its id, and never a value in what it reports.

The corpus in env_corpus/ holds a template, a clean production file, and files with exactly one
known defect each, named `<rule-id>--<what>.env`; each must be caught by that rule and nothing
else. The bundled example is checked as it ships, and the secret generator on real files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.envfile import parse_env, read_env
from golive.gates.configure import configure, tcp_failure
from golive.gates.configure_rules import RULES
from golive.manifest import EnvFiles, load
from golive.ports import free_port
from golive.results import GateResult, Status

CORPUS = Path(__file__).parent / "env_corpus"
DEFECTS = sorted(CORPUS.glob("*--*.env"))
STAGING_MARK = "# corpus: environment=staging"
STRONG = "q" * 20 + "7Hk2mZx9Lw4Rt6Yp8Nv3Bc5Df1Gh0Js"


def corpus_spec(production: str, **kw: object) -> EnvFiles:
    return EnvFiles.model_validate(
        {
            "template": "template.env",
            "production": production,
            "secret_keys": ["JWT_SECRET", "OAUTH_CLIENT_SECRET", "PAYMENT_SECRET_KEY"],
            "allowed_redirect_domains": ["azora.example"],
            **kw,
        }
    )


@pytest.fixture
def db_port() -> Iterator[int]:
    """A TCP listener standing in for the corpus's database server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def place(corpus_file: Path, folder: Path, db_port: int, mode: int = 0o600) -> Path:
    """Copy a corpus file and the template into `folder`, with the ports filled in."""
    shutil.copy(CORPUS / "template.env", folder / "template.env")
    text = corpus_file.read_text().replace("@PORT@", str(db_port))
    text = text.replace("@DEAD_PORT@", str(free_port()))
    copy = folder / corpus_file.name
    copy.write_text(text)
    copy.chmod(mode)
    return copy


def check_corpus_file(corpus_file: Path, folder: Path, db_port: int, mode: int) -> GateResult:
    copy = place(corpus_file, folder, db_port, mode)
    environment = "staging" if STAGING_MARK in copy.read_text() else "production"
    return configure(corpus_spec(copy.name), folder, environment)


def leaked_values(result: GateResult, *files: Path) -> list[str]:
    """Values of the files found in the result. APP_ENV's value names the environment, rightly,
    and a corpus file's own name (`placeholder-value--changeme.env`) is not a value."""
    written = json.dumps(result.details) + result.summary
    for f in files:
        written = written.replace(f.name, "<file>")
    values = {v for f in files for k, v in parse_env(f).values.items() if k != "APP_ENV"}
    return [v for v in values if len(v) >= 6 and v in written]


def test_the_corpus_has_every_rule_and_enough_cases() -> None:
    assert len(DEFECTS) >= 25
    assert {p.name.split("--")[0] for p in DEFECTS} == set(RULES)


def test_the_clean_corpus_file_has_no_findings(tmp_path: Path, db_port: int) -> None:
    result = check_corpus_file(CORPUS / "clean.env", tmp_path, db_port, 0o600)
    assert result.status is Status.PASSED, result.summary
    assert result.details == []
    assert leaked_values(result, tmp_path / "clean.env", tmp_path / "template.env") == []


@pytest.mark.parametrize("corpus_file", DEFECTS, ids=[p.stem for p in DEFECTS])
def test_each_corpus_defect_is_caught_by_its_rule_alone(
    corpus_file: Path, tmp_path: Path, db_port: int
) -> None:
    rule = corpus_file.name.split("--")[0]
    mode = 0o644 if rule == "env-file-permissions" else 0o600
    result = check_corpus_file(corpus_file, tmp_path, db_port, mode)

    assert [d["rule"] for d in result.details] == [rule], result.details
    [row] = result.details
    assert row["severity"] == ("blocking" if RULES[rule] else "warning")
    assert result.blocks_launch is RULES[rule]
    assert result.status is (Status.FAILED if RULES[rule] else Status.WARNED)
    assert row["file"] == corpus_file.name and rule in result.summary
    assert row["key"] in row["message"] and row["key"] in result.summary
    if row["line"] is not None:  # the line named is the one that holds the key
        text_line = (tmp_path / corpus_file.name).read_text().splitlines()[row["line"] - 1]
        assert row["key"] in text_line if row["key"] else "=" not in text_line
    assert leaked_values(result, tmp_path / corpus_file.name, tmp_path / "template.env") == []


def test_an_unreachable_database_names_host_port_and_failure_only(tmp_path: Path) -> None:
    result = check_corpus_file(CORPUS / "database-unreachable--refused.env", tmp_path, 0, 0o600)
    url = read_env(tmp_path / "database-unreachable--refused.env")["DATABASE_URL"]
    host_port = url.split("@")[1].split("/")[0]
    message = result.details[0]["message"]
    assert host_port.startswith("127.0.0.1:") and host_port in message
    assert "connection refused" in message
    assert "azora:" not in message and "Rk2vT9pLq4ZwX7mB" not in message


@pytest.mark.skipif(
    sys.platform != "linux", reason="relies on Linux dropping SYNs to a full backlog"
)
def test_a_database_that_never_answers_times_out_in_time() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers: list[socket.socket] = []
        try:
            while True:  # fill the accept queue: from then on, connects hang
                filler = socket.socket()
                filler.settimeout(0.3)
                fillers.append(filler)
                filler.connect(("127.0.0.1", port))
        except TimeoutError:
            pass
        try:
            assert tcp_failure("127.0.0.1", port, 0.5) == "timed out after 0.5s"
        finally:
            for filler in fillers:
                filler.close()


def test_sqlite_databases_are_not_dialled(tmp_path: Path, db_port: int) -> None:
    copy = place(CORPUS / "clean.env", tmp_path, db_port)
    text = re.sub(r"(?m)^DATABASE_URL=.*$", "DATABASE_URL=sqlite:///azora.db", copy.read_text())
    copy.write_text(text)
    result = configure(corpus_spec(copy.name), tmp_path, "production")
    assert result.status is Status.PASSED, result.summary


def test_the_database_key_comes_from_the_manifest(tmp_path: Path) -> None:
    copy = place(CORPUS / "database-unreachable--refused.env", tmp_path, 0)
    text = copy.read_text().replace("DATABASE_URL=", "PRIMARY_DB_URL=")
    (tmp_path / "template.env").write_text(
        (tmp_path / "template.env").read_text().replace("DATABASE_URL=", "PRIMARY_DB_URL=")
    )
    copy.write_text(text)
    spec = corpus_spec(copy.name)
    result = configure(spec, tmp_path, "production", database_url_key="PRIMARY_DB_URL")
    assert [(d["key"], d["rule"]) for d in result.details] == [
        ("PRIMARY_DB_URL", "database-unreachable")
    ]


# --- the bundled example ------------------------------------------------------------------


def run(target: Path, key: str, value: str | None, environment: str = "production") -> GateResult:
    """Set (or remove) one key of the example's production file, mode 0600, and check it."""
    m = load(target)
    env_file = m.path(m.env.production)
    lines = [ln for ln in env_file.read_text().splitlines() if not ln.startswith(f"{key}=")]
    if value is not None:
        lines.append(f"{key}={value}")
    env_file.write_text("\n".join(lines) + "\n")
    env_file.chmod(0o600)
    return configure(m.env, m.root, environment, database_url_key=m.database.url_env)


def test_the_example_production_file_passes_once_private(target: Path) -> None:
    result = run(target, "APP_ENV", "production")
    assert result.status is Status.PASSED, result.summary


def test_the_example_as_checked_out_only_warns_about_its_mode(target: Path) -> None:
    m = load(target)
    m.path(m.env.production).chmod(0o644)  # what a git checkout gives
    result = configure(m.env, m.root, "production")
    assert result.status is Status.WARNED and not result.blocks_launch, result.summary
    assert [d["rule"] for d in result.details] == ["env-file-permissions"]
    assert "0644" in result.summary and ".env.production" in result.summary


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("JWT_SECRET", None, "missing-key"),
        ("JWT_SECRET", "", "empty-value"),
        ("JWT_SECRET", "changeme", "placeholder-value"),
        ("OAUTH_CLIENT_SECRET", "your-oauth-secret-here", "placeholder-value"),
        ("OAUTH_CLIENT_SECRET", "<paste the secret>", "placeholder-value"),
        ("JWT_SECRET", "short-but-real-7f3a", "weak-secret"),
        ("JWT_SECRET", "ab" * 24, "low-entropy-secret"),
        ("PAYMENT_SECRET_KEY", "sk_test_" + STRONG, "payment-test-key"),
        ("PAYMENT_PUBLISHABLE_KEY", "pk_test_" + STRONG, "payment-test-key"),
        (
            "OAUTH_REDIRECT_URL",
            "http://app.azora.example/auth/callback",
            "oauth-redirect-not-https",
        ),
        ("SENTRY_DSN", "https://sentry.example/42", "invalid-dsn"),
        ("DATABASE_URL", "not a database url", "invalid-url"),
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


def test_a_test_key_with_a_pattern_leads_with_the_test_key_finding(target: Path) -> None:
    result = run(target, "PAYMENT_SECRET_KEY", "sk_test_" + "a1B2" * 10)
    assert [d["rule"] for d in result.details] == ["payment-test-key", "low-entropy-secret"]
    assert "PAYMENT_SECRET_KEY is a test-mode payment key in production" in result.summary


def test_template_example_value_left_unchanged_is_a_placeholder(target: Path) -> None:
    m = load(target)
    template_value = read_env(m.path(m.env.template))["OAUTH_CLIENT_ID"]
    result = run(target, "OAUTH_CLIENT_ID", template_value)
    assert [d["rule"] for d in result.details] == ["placeholder-value"]


def test_test_mode_keys_are_fine_outside_production(target: Path) -> None:
    m = load(target)
    env_file = m.path(m.env.production)
    env_file.write_text(env_file.read_text().replace("APP_ENV=production", "APP_ENV=staging"))
    run(target, "PAYMENT_PUBLISHABLE_KEY", "pk_test_" + STRONG, environment="staging")
    result = run(target, "PAYMENT_SECRET_KEY", "sk_test_" + STRONG, environment="staging")
    assert result.status is Status.PASSED, result.summary


def test_key_not_in_template_only_warns(target: Path) -> None:
    result = run(target, "EXTRA_FLAG", "on")
    assert result.status is Status.WARNED and not result.blocks_launch
    assert [d["rule"] for d in result.details] == ["unknown-key"]


def test_the_new_manifest_fields_load(target: Path) -> None:
    target.write_text(
        target.read_text().replace(
            "[env]\n",
            '[env]\ngenerate = ["JWT_SECRET"]\nallowed_redirect_domains = ["azora.example"]\n'
            "database_timeout = 1.5\n",
        )
    )
    env = load(target).env
    assert (env.generate, env.allowed_redirect_domains, env.database_timeout) == (
        ["JWT_SECRET"],
        ["azora.example"],
        1.5,
    )
    assert EnvFiles.model_fields["generate"].description
    assert EnvFiles.model_fields["allowed_redirect_domains"].description
    assert EnvFiles.model_fields["database_timeout"].description


# --- secret generation ----------------------------------------------------------------------


def test_generation_fills_missing_and_placeholder_secrets_only(
    tmp_path: Path, db_port: int
) -> None:
    copy = place(CORPUS / "clean.env", tmp_path, db_port, mode=0o644)
    original = copy.read_text()
    text = re.sub(r"(?m)^JWT_SECRET=.*$", "export JWT_SECRET=changeme  # fill me", original)
    text = re.sub(r"(?m)^OAUTH_CLIENT_SECRET=.*\n", "", text)
    copy.write_text(text)
    spec = corpus_spec(copy.name, generate=["JWT_SECRET", "OAUTH_CLIENT_SECRET"])

    result = configure(spec, tmp_path, "production")

    assert result.status is Status.PASSED, result.summary
    assert "generated JWT_SECRET, OAUTH_CLIENT_SECRET" in result.summary
    assert [(d["key"], d["rule"]) for d in result.details] == [
        ("JWT_SECRET", "generated-secret"),
        ("OAUTH_CLIENT_SECRET", "generated-secret"),
    ]
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    values = read_env(copy)
    new = [values["JWT_SECRET"], values["OAUTH_CLIENT_SECRET"]]
    assert all(len(v) >= 64 for v in new) and new[0] != new[1]
    assert not any(v in json.dumps(result.details) + result.summary for v in new)
    after = copy.read_text().splitlines()
    before = text.splitlines()
    assert after[: len(before)] == [  # every other line and comment as it was
        "export JWT_SECRET=" + new[0] if ln.startswith("export JWT_SECRET=") else ln
        for ln in before
    ]
    assert after[len(before) :] == ["OAUTH_CLIENT_SECRET=" + new[1]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.env", "template.env"]


def test_generation_leaves_real_secrets_and_the_file_alone(tmp_path: Path, db_port: int) -> None:
    copy = place(CORPUS / "clean.env", tmp_path, db_port)
    before = (copy.read_bytes(), os.stat(copy).st_ino)
    spec = corpus_spec(copy.name, generate=["JWT_SECRET", "OAUTH_CLIENT_SECRET"])
    result = configure(spec, tmp_path, "production")
    assert result.status is Status.PASSED and result.details == []
    assert (copy.read_bytes(), os.stat(copy).st_ino) == before
