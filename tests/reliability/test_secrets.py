"""Fault tests: a service that leaks pieces of its secrets, and an operator's shell that holds a
token no service should see.

A private copy of the example whose api prints, at start-up, the first 16 and the last 12
characters of JWT_SECRET and the base64 of the whole value, plus what it finds of a canary
variable set only in the test process's environment and of a key the manifest passes on
(`[env] pass_env`). After a real rehearsal no fragment of 8 or more characters of the secret
(nor of its base64) is in the report, the ledger's gate rows, Prefect's logs and artifacts, the
evidence, or anywhere under GOLIVE_HOME; the canary reached nothing, the passed key reached the
service; and everything golive wrote under GOLIVE_HOME that holds data is 0600 in 0700 folders.
"""

from __future__ import annotations

import base64
import json
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.launch import run_launch
from golive import settings
from golive.ledger import open_ledger
from golive.request import LaunchRequest
from tests.flows.test_launch import artifacts, edit, logs, set_env

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

CANARY_KEY = "GOLIVE_CANARY_TOKEN"
PASSED_KEY = "GOLIVE_TEST_PASSED_SETTING"

LEAKY_START = f"""

import base64 as _b64
import os as _os

_jwt = _os.environ.get("JWT_SECRET", "")
print("jwt head", _jwt[:16], flush=True)
print("jwt tail", _jwt[-12:], flush=True)
print("jwt base64", _b64.b64encode(_jwt.encode()).decode(), flush=True)
print("canary", _os.environ.get({CANARY_KEY!r}), flush=True)
print("passed", _os.environ.get({PASSED_KEY!r}), flush=True)
"""


def fragments(secret: str) -> set[str]:
    """Every 8-character piece of the secret and of its base64 (standard and URL-safe)."""
    forms = [
        secret,
        base64.b64encode(secret.encode()).decode(),
        base64.urlsafe_b64encode(secret.encode()).decode(),
    ]
    return {form[i : i + 8] for form in forms for i in range(len(form) - 7)}


def leaks(texts: dict[str, str], pieces: set[str]) -> list[str]:
    """`where: …context…` for each text holding one of the pieces."""
    found = []
    for where, text in texts.items():
        for piece in pieces:
            at = text.find(piece)
            if at != -1:
                found.append(f"{where}: …{text[max(0, at - 60) : at + 30]!r}…")
                break
    return found


def files_under(home: Path) -> Iterator[Path]:
    return (p for p in sorted(home.rglob("*")) if p.is_file())


def in_release(path: Path, home: Path) -> bool:
    """A file inside a release: a copy of the target's code, which keeps the modes it had."""
    parts = path.relative_to(home).parts
    return parts[:1] == ("releases",) and len(parts) > 3


def wrong_modes(home: Path) -> list[str]:
    """Every file golive wrote under home that is not 0600, every folder that is not 0700."""
    wrong = []
    for path in [home, *sorted(home.rglob("*"))]:
        if in_release(path, home):
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        expected = 0o700 if path.is_dir() else 0o600
        if mode != expected:
            wrong.append(f"{path.relative_to(home)}: {mode:o}")
    return wrong


@pytest.fixture
def leaky_target(target: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The example with a leaky api, a fresh JWT secret, a canary in our environment only and a
    key the manifest passes on; returns the three values."""
    values = {
        "secret": secrets.token_urlsafe(48),
        "canary": "canary-" + secrets.token_hex(16),
        "passed": "passed-" + secrets.token_hex(16),
    }
    set_env(target, "JWT_SECRET", values["secret"])
    app = target.parent / "services" / "api" / "app.py"
    app.write_text(app.read_text() + LEAKY_START)
    secret_keys = 'secret_keys = ["JWT_SECRET", "OAUTH_CLIENT_SECRET", "PAYMENT_SECRET_KEY"]'
    edit(target, secret_keys, f'{secret_keys}\npass_env = ["{PASSED_KEY}"]')
    monkeypatch.setenv(CANARY_KEY, values["canary"])
    monkeypatch.setenv(PASSED_KEY, values["passed"])
    return values


def written_by_the_run(report: dict[str, Any], home: Path) -> dict[str, str]:
    """Everything the rehearsal wrote, by where: report, ledger rows, Prefect's logs and
    artifacts, and every file under GOLIVE_HOME (binary ones as Latin-1, byte for byte)."""
    texts = {"report (returned)": json.dumps(report), "prefect logs": logs(report)}
    for key, artifact in artifacts(report).items():
        texts[f"artifact {key}"] = f"{artifact.data} {artifact.description}"
    for row in open_ledger().gate_runs(report["launch_id"]):
        texts[f"ledger gate row {row.gate}"] = f"{row.summary} {row.result}"
    for path in files_under(home):
        texts[str(path.relative_to(home))] = path.read_bytes().decode("latin-1")
    return texts


def test_a_leaky_service_leaks_nothing_and_the_shell_reaches_no_service(
    leaky_target: dict[str, str], target: Path, golive_home: Path
) -> None:
    report = run_launch(LaunchRequest(manifest=str(target), rehearsal=True, variant="soft"))
    assert report["verdict"] == "GO", report["reasons"]
    launch_dir = golive_home / "launches" / str(report["launch_id"])

    # The api did print its pieces (so the checks below can fail): its log, kept as evidence,
    # has each one redacted; the canary never reached it, the passed key did.
    api_log = (launch_dir / "evidence" / "service-logs" / "api.log").read_text()
    for line in ("jwt head <JWT_SECRET>", "jwt tail <JWT_SECRET>", "jwt base64 <JWT_SECRET>"):
        assert line in api_log, api_log
    assert "canary None" in api_log
    assert f"passed {leaky_target['passed']}" in api_log

    texts = written_by_the_run(report, golive_home)
    assert {"report.json", "report.md"} <= {Path(k).name for k in texts}
    assert not leaks(texts, fragments(leaky_target["secret"]))
    assert not leaks(texts, {leaky_target["canary"]})
    assert not wrong_modes(golive_home)


def test_a_live_environment_and_its_backup_are_private(
    leaky_target: dict[str, str], target: Path, golive_home: Path
) -> None:
    # The second launch finds the first one's database, so it backs it up before migrating.
    for _ in range(2):
        report = run_launch(LaunchRequest(manifest=str(target), variant="soft"))
        assert report["verdict"] == "GO", report["reasons"]
    environment = golive_home / "environments" / "production"
    backups = list(settings.backup_dir(environment.name).glob("*.db"))
    assert backups and (environment / "logs" / "api.log").is_file()
    assert (environment / "data" / "azora.db").is_file()
    # The live service log is the service's own, as it wrote it: private, not redacted.
    assert leaky_target["secret"][:16] in (environment / "logs" / "api.log").read_text()
    assert not wrong_modes(golive_home)
