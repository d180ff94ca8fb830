"""golive.audit.npm and the gate's npm lock files: real npm, and npm's report format mapped."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import pytest

from golive.audit import AdvisoryServiceUnreachable, NpmAudit, ScannerFailed
from golive.audit.npm import audit_lockfile, findings
from golive.gates.audit import audit
from golive.manifest import Audit
from golive.results import Status
from tests.golive.audit.test_pypi import closed_port

LOCK = {
    "name": "tiny",
    "version": "1.0.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {
        "": {"name": "tiny", "version": "1.0.0", "dependencies": {"lodash": "4.17.20"}},
        "node_modules/lodash": {
            "version": "4.17.20",
        },
    },
}


@pytest.fixture
def npm(require: Callable[[str], NoReturn]) -> str:
    found = shutil.which("npm")
    if found is None:
        require("npm is not installed: the npm audit gate cannot be exercised")
    return found


def tiny_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(
        json.dumps({"name": "tiny", "version": "1.0.0", "dependencies": {"lodash": "4.17.20"}})
    )
    lock = folder / "package-lock.json"
    lock.write_text(json.dumps(LOCK, indent=2))
    return lock


def test_unreachable_npm_service_fails_the_gate_plainly(npm: str, tmp_path: Path) -> None:
    lock = tiny_project(tmp_path / "web")
    spec = Audit(npm_lockfiles=[Path("web/package-lock.json")], timeout=60)
    result = audit(spec, tmp_path, tmp_path / "ev", date(2025, 1, 15))
    assert result.status is Status.FAILED and result.blocks_launch
    if "could not reach" not in result.summary:  # a machine where the registry answers
        assert "lodash 4.17.20" in result.summary  # lodash 4.17.20 has known advisories
        return
    assert result.summary.startswith("npm audit could not reach its advisory service: ")
    assert "\n" not in result.summary
    assert lock.read_text() == json.dumps(LOCK, indent=2)  # --package-lock-only: untouched
    assert [Path(p).name for p in result.evidence] == ["npm-audit-1-web.json"]


def test_a_registry_that_does_not_answer_is_unreachable_not_clean(
    npm: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{closed_port()}/")
    lock = tiny_project(tmp_path / "web")
    with pytest.raises(AdvisoryServiceUnreachable) as err:
        NpmAudit(timeout=60).audit(lock, tmp_path / "out.json")
    message = str(err.value)
    assert message.startswith("npm audit could not reach its advisory service: ")
    assert "ECONNREFUSED" in message and "\n" not in message
    assert message.endswith(f"drop {lock} from audit.npm_lockfiles")
    assert json.loads((tmp_path / "out.json").read_text())["error"]  # npm's answer is kept


def test_missing_lock_is_npm_s_own_error_not_unreachable(npm: str, tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "empty", "version": "1.0.0"}')
    with pytest.raises(ScannerFailed) as failed:
        audit_lockfile(tmp_path / "package-lock.json", tmp_path / "out.json", 60)
    message = str(failed.value)
    assert message.startswith(f"npm audit failed on {tmp_path / 'package-lock.json'}: ")
    assert "lockfile" in message and "\n" not in message
    assert json.loads((tmp_path / "out.json").read_text())["error"]  # npm's answer is kept


def test_gate_names_a_missing_lock_file(tmp_path: Path) -> None:
    spec = Audit(npm_lockfiles=[Path("gone/package-lock.json")])
    result = audit(spec, tmp_path, tmp_path / "ev")
    assert result.status is Status.FAILED and "npm lock file not found" in result.summary


# npm's auditReportVersion 2 shape, as `npm audit --json` prints it when the registry answers
# (it cannot be reached from here): one advisory with a CVSS vector, one named only, and a
# package vulnerable only through another (its `via` is a name).
REPORT: dict[str, Any] = {
    "auditReportVersion": 2,
    "vulnerabilities": {
        "lodash": {
            "name": "lodash",
            "severity": "high",
            "isDirect": True,
            "via": [
                {
                    "source": 1096305,
                    "name": "lodash",
                    "title": "Command Injection in lodash",
                    "url": "https://github.com/advisories/GHSA-35jh-r3h4-6jhm",
                    "severity": "high",
                    "cvss": {
                        "score": 7.2,
                        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
                    },
                    "range": "<4.17.21",
                },
                {
                    "source": 1094500,
                    "name": "lodash",
                    "url": "https://github.com/advisories/GHSA-29mw-wpgm-hmr9",
                    "severity": "moderate",
                    "cvss": {"score": 0, "vectorString": None},
                    "range": ">=4.0.0 <4.17.21",
                },
            ],
            "effects": ["wrapper"],
            "range": "<=4.17.20",
            "nodes": ["node_modules/lodash"],
            "fixAvailable": {"name": "lodash", "version": "4.17.21", "isSemVerMajor": False},
        },
        "wrapper": {
            "name": "wrapper",
            "severity": "high",
            "via": ["lodash"],
            "nodes": ["node_modules/wrapper"],
            "fixAvailable": False,
        },
    },
}


def test_report_maps_to_findings_with_versions_from_the_lock() -> None:
    versions = {"node_modules/lodash": "4.17.20", "node_modules/wrapper": "1.0.0"}
    found = findings(REPORT, versions)
    assert [(f.package, f.version, f.id, str(f.severity), f.fixed_in) for f in found] == [
        ("lodash", "4.17.20", "GHSA-35jh-r3h4-6jhm", "7.2 high", ("4.17.21",)),
        ("lodash", "4.17.20", "GHSA-29mw-wpgm-hmr9", "medium", ("4.17.21",)),
    ]
