"""Node dependencies: run `npm audit --json --package-lock-only` beside a package-lock.json.

npm audit has no offline mode: it posts the lock file's packages to the registry's advisory
service. When that service cannot be reached, the audit did not happen, and the gate says so
(AdvisoryServiceUnreachable) instead of passing. npm's report (auditReportVersion 2) names
severities and GHSA advisories; it is mapped to the same findings as pip-audit's, so one policy
decides for both. NpmAudit is this module's FindingSource.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.audit.interface import (
    AdvisoryServiceUnreachable,
    AuditError,
    Finding,
    Report,
    ScannerFailed,
    quote,
)
from golive.audit.severity import Severity, from_name, from_vector
from golive.errors import GoliveError
from golive.files import write_private
from golive.runner import NETWORK_KEYS, child_env, run

# Node's and npm's codes for "the service did not answer".
_NETWORK_CODES = {"ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT"}


@dataclass(frozen=True)
class NpmAudit:
    """npm audit over one lock file at a time (a FindingSource)."""

    timeout: float

    def audit(self, path: Path, out: Path) -> Report:
        """The findings for the lock file at path; npm's JSON answer is written to out.

        Raises AdvisoryServiceUnreachable or ScannerFailed when the lock file was not audited.
        """
        return Report(findings=tuple(audit_lockfile(path, out, self.timeout)), evidence=out)


def audit_lockfile(lockfile: Path, out: Path, timeout: float) -> list[Finding]:
    """The findings for one lock file; npm's JSON answer (report or error) is kept in out.

    Raises AdvisoryServiceUnreachable when the advisory service could not be reached, and
    ScannerFailed when npm audit failed otherwise.
    """
    out.unlink(missing_ok=True)
    argv = ["npm", "audit", "--json", "--package-lock-only"]
    try:
        done = run(argv, cwd=lockfile.parent, timeout=timeout, env=npm_env())
    except GoliveError as exc:
        if "timed out" in str(exc):
            raise _unreachable(lockfile, str(exc)) from exc
        raise ScannerFailed(f"npm audit failed on {lockfile}: {exc}") from exc
    write_private(out, done.stdout)
    try:
        report = json.loads(done.stdout)
        if not isinstance(report, dict):
            raise TypeError("not a JSON object")
    except (ValueError, TypeError) as exc:
        raise ScannerFailed(
            f"npm audit failed on {lockfile} (exit {done.returncode}): {quote(done.tail())}"
        ) from exc
    if "error" in report and "vulnerabilities" not in report:
        raise _error(lockfile, report)
    return findings(report, _lock_versions(lockfile))


def npm_env() -> dict[str, str]:
    """npm's environment: the minimal one, the network settings and npm's own configuration
    (`npm_config_*`: the registry, a proxy, a cache)."""
    npm_config = [k for k in os.environ if k.lower().startswith("npm_config_")]
    return child_env(pass_env=[*NETWORK_KEYS, *npm_config])


def _error(lockfile: Path, report: dict[str, Any]) -> AuditError:
    """The error for npm's error JSON: AdvisoryServiceUnreachable for a service failure."""
    error = _mapping(report.get("error"))
    code = str(error.get("code") or "")
    # A fetch failure carries the HTTP request (uri, statusCode) and a top-level message; a
    # refused or failed connection may be named in that message only (npm 11).
    message = quote(str(report.get("message") or error.get("summary") or code or "no details"))
    network = code in _NETWORK_CODES or any(c in message for c in _NETWORK_CODES)
    if network or "uri" in report or "statusCode" in report:
        return _unreachable(lockfile, message)
    return ScannerFailed(f"npm audit failed on {lockfile}: {message}")


def _unreachable(lockfile: Path, detail: str) -> AdvisoryServiceUnreachable:
    """The gate's summary for a registry that did not answer, and what can be done instead."""
    return AdvisoryServiceUnreachable(
        f"npm audit could not reach its advisory service: {detail}; npm cannot audit "
        f"offline: run where the registry answers, or drop {lockfile} from "
        "audit.npm_lockfiles"
    )


def findings(report: dict[str, Any], versions: dict[str, str]) -> list[Finding]:
    """The advisories of an npm audit report (v2), one finding per advisory and package.

    An entry whose `via` is only names is vulnerable through another package, which has
    its own entry: skipping it keeps one row per advisory.
    """
    found = []
    for name, entry in (report.get("vulnerabilities") or {}).items():
        version = _version_of(name, entry, versions)
        fixed_in = _fixed_in(name, entry.get("fixAvailable"))
        for via in entry.get("via") or []:
            if isinstance(via, dict):
                found.append(
                    Finding(
                        package=str(name),
                        version=version,
                        id=_advisory_id(via),
                        severity=_severity(via),
                        fixed_in=fixed_in,
                    )
                )
    return found


def _advisory_id(via: dict[str, Any]) -> str:
    """The GHSA id at the end of the advisory URL; npm's own number when there is no URL."""
    url = str(via.get("url") or "").rstrip("/")
    tail = url.rsplit("/", 1)[-1]
    return tail if tail.upper().startswith("GHSA-") else f"npm-{via.get('source', '?')}"


def _severity(via: dict[str, Any]) -> Severity:
    """The score from the advisory's CVSS vector when it has one, else npm's severity name."""
    cvss = _mapping(via.get("cvss"))
    scored = from_vector(str(cvss.get("vectorString") or ""))
    return scored if scored is not None else from_name(str(via.get("severity") or ""))


def _fixed_in(name: str, fix: Any) -> tuple[str, ...]:
    """npm's fixAvailable: a version of this or of a parent package, True, or False (none)."""
    if isinstance(fix, dict) and fix.get("version"):
        target = str(fix.get("name") or name)
        version = str(fix["version"])
        return (version if target == name else f"{target} {version}",)
    return ("npm audit fix",) if fix is True else ()


def _version_of(name: str, entry: dict[str, Any], versions: dict[str, str]) -> str:
    """The installed version(s) from the lock file, by the entry's node paths."""
    found = sorted({versions[n] for n in entry.get("nodes") or [] if n in versions})
    if not found and name in versions:
        found = [versions[name]]
    return ", ".join(found) or str(entry.get("range") or "unknown")


def _lock_versions(lockfile: Path) -> dict[str, str]:
    """Node path (and, for lockfile v1, package name) to version; empty when unreadable."""
    try:
        lock = json.loads(lockfile.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    versions = {
        str(path): str(meta["version"])
        for path, meta in (lock.get("packages") or {}).items()
        if isinstance(meta, dict) and "version" in meta
    }
    for package, meta in (lock.get("dependencies") or {}).items():
        if isinstance(meta, dict) and "version" in meta:
            versions.setdefault(str(package), str(meta["version"]))
    return versions


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
