"""Python dependencies: run pip-audit (its CLI only) over pinned requirements files.

Each requirements file is audited with `--no-deps` (no resolver, no package index): only what
the file pins is checked. pip-audit asks either golive's local OSV endpoint (`--osv-url`, see
golive.audit.osv) or one of its online services; an online service that cannot be reached is
said so plainly (AdvisoryServiceUnreachable), never taken for a clean audit. PipAudit is this
module's FindingSource.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from golive.audit.interface import (
    AdvisoryServiceUnreachable,
    AuditError,
    Finding,
    Report,
    ScannerFailed,
    quote,
)
from golive.audit.severity import UNKNOWN, Severity, worst
from golive.errors import GoliveError
from golive.runner import NETWORK_KEYS, Completed, child_env, run

ServiceName = Literal["osv", "pypi"]
OFFLINE_ADVICE = (
    "audit offline instead: set audit.advisories to a folder (or zip export) of OSV records "
    "and source = 'local'"
)
_INCLUDE = re.compile(r"^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(\S+)")
_INLINE_COMMENT = re.compile(r"(^|\s+)#.*$")
# What requests/urllib3 say when a service cannot be reached (pip-audit lets them through).
_UNREACHABLE = re.compile(
    r"ConnectionError|NameResolution|Max retries exceeded|Failed to resolve|Could not connect"
    r"|Connection refused|timed out|Timeout",
    re.IGNORECASE,
)
_NOT_ON_PYPI = "not found on PyPI"


@dataclass(frozen=True)
class AdvisoryService:
    """Where pip-audit gets advisories: a local OSV endpoint (url) or an online service."""

    name: ServiceName
    url: str | None = None  # the local endpoint; None means pip-audit's own online default

    @property
    def online(self) -> bool:
        """Whether pip-audit asks a service on the internet rather than golive's endpoint."""
        return self.url is None


@dataclass(frozen=True)
class PipAudit:
    """pip-audit over one requirements file at a time, asking service (a FindingSource).

    severities maps advisory ids to their severity: pip-audit's report carries none.
    """

    service: AdvisoryService
    timeout: float
    severities: Mapping[str, Severity] = field(default_factory=dict)

    def audit(self, path: Path, out: Path) -> Report:
        """The findings for the pins in path; pip-audit's JSON report is written to out.

        Raises AdvisoryServiceUnreachable or ScannerFailed when the file was not audited.
        """
        dependencies = audit_file(path, self.service, out, self.timeout)
        return Report(
            findings=tuple(findings(dependencies, self.severities)),
            evidence=out,
            audited=sum(1 for dep in dependencies if "skip_reason" not in dep),
            not_audited=tuple(not_audited(dependencies)),
        )


def audit_file(
    path: Path, service: AdvisoryService, out: Path, timeout: float
) -> list[dict[str, Any]]:
    """pip-audit's dependency list for one file, its report written to out.

    Raises AdvisoryServiceUnreachable when the advisory service could not be reached, and
    ScannerFailed when pip-audit failed otherwise.
    """
    # A report left by an earlier run must never stand in for this one.
    out.unlink(missing_ok=True)
    try:
        done = run(argv(path, service, out, timeout), timeout=timeout, env=_env())
    except GoliveError as exc:
        if service.online and "timed out" in str(exc):
            raise _unreachable(service, str(exc)) from exc
        raise ScannerFailed(f"pip-audit failed on {path}: {exc}") from exc
    # pip-audit exits 1 both for "found vulnerabilities" and for fatal errors; only the
    # report tells them apart (a fatal error writes none).
    if done.returncode not in (0, 1):
        raise _tool_failure(path, done, service)
    dependencies = _dependencies(out)
    found = dependencies is not None and any(dep.get("vulns") for dep in dependencies)
    if dependencies is None or (done.returncode == 1 and not found):
        raise _tool_failure(path, done, service)
    _check_pypi_answered(service, dependencies)
    return dependencies


def _dependencies(out: Path) -> list[dict[str, Any]] | None:
    """The dependency list of pip-audit's JSON report; None when there is no readable one."""
    try:
        dependencies = json.loads(out.read_text(encoding="utf-8"))["dependencies"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return dependencies if isinstance(dependencies, list) else None


def argv(path: Path, service: AdvisoryService, out: Path, timeout: float) -> list[str]:
    """The pip-audit command line for one requirements file, its JSON report written to out."""
    endpoint = ["--osv-url", service.url] if service.url else []
    return [
        sys.executable, "-m", "pip_audit",
        "-r", str(path), "--no-deps", "--disable-pip",
        "-s", service.name, *endpoint, "--timeout", str(max(1, int(timeout))),
        "-f", "json", "-o", str(out),
        # The spinner writes to stderr, where it would bury the line a failure summary quotes.
        "--progress-spinner", "off",
    ]  # fmt: skip


def _env() -> dict[str, str]:
    """The minimal child env and the network settings, with the local endpoint exempt from any
    configured HTTP proxy."""
    exempt = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
    return child_env({"NO_PROXY": exempt, "no_proxy": exempt}, pass_env=NETWORK_KEYS)


def _tool_failure(path: Path, done: Completed, service: AdvisoryService) -> AuditError:
    """The error of a failed run: ScannerFailed, or AdvisoryServiceUnreachable if it says so.

    ScannerFailed names the file and pip-audit's last error line (its very last may be a caret).
    """
    lines = done.tail(5).split(" | ")
    errors = [line for line in lines if "error" in line.lower()]
    last = quote((errors or lines)[-1] or "no output")
    if _UNREACHABLE.search(done.tail(5)):
        return _unreachable(service, last)
    return ScannerFailed(f"pip-audit failed on {path} (exit {done.returncode}): {last}")


def _unreachable(service: AdvisoryService, detail: str) -> AdvisoryServiceUnreachable:
    """The gate's summary for a service that did not answer, with the way to audit offline."""
    return AdvisoryServiceUnreachable(
        f"pip-audit could not reach its advisory service ({service.name}: {detail}); "
        f"{OFFLINE_ADVICE}"
    )


def _check_pypi_answered(service: AdvisoryService, dependencies: list[dict[str, Any]]) -> None:
    """PyPI's service marks a package it cannot look up as skipped, not as an error.

    When it could look up none of them, the service did not really answer (a proxy or a
    firewall in the way): treat it as unreachable rather than as a clean audit.
    """
    if service.name != "pypi" or not service.online or not dependencies:
        return
    reasons = [str(dep.get("skip_reason", "")) for dep in dependencies]
    if all(_NOT_ON_PYPI in reason for reason in reasons):
        raise _unreachable(service, f"no package could be looked up ({quote(reasons[0])})")


def evidence_paths(requirements: list[Path], evidence_dir: Path) -> list[Path]:
    """One report per requirements file, named after it; numbered when two names clash."""
    stems = [p.stem for p in requirements]
    unique = len(set(stems)) == len(stems)
    return [
        evidence_dir / (f"pip-audit-{s}.json" if unique else f"pip-audit-{i}-{s}.json")
        for i, s in enumerate(stems, start=1)
    ]


def findings(
    dependencies: list[dict[str, Any]], severities: Mapping[str, Severity]
) -> list[Finding]:
    """pip-audit's vulns as findings; severity from the records known by any of their ids.

    pip-audit's report carries no severity: it comes from the local records (by id), and is
    UNKNOWN for an online service's findings.
    """
    found = []
    for dep in dependencies:
        for vuln in dep.get("vulns") or []:
            ids = {str(vuln["id"]), *map(str, vuln.get("aliases") or [])}
            found.append(
                Finding(
                    package=str(dep["name"]),
                    version=str(dep["version"]),
                    id=str(vuln["id"]),
                    aliases=frozenset(ids - {str(vuln["id"])}),
                    severity=worst(severities.get(i, UNKNOWN) for i in ids),
                    fixed_in=tuple(map(str, vuln.get("fix_versions") or [])),
                )
            )
    return found


def not_audited(dependencies: list[dict[str, Any]]) -> list[str]:
    """ "name: reason" for each dependency pip-audit skipped (unpinned, not on PyPI, ...)."""
    return [
        f"{dep.get('name')}: {dep['skip_reason']}" for dep in dependencies if "skip_reason" in dep
    ]


def requirement_names(path: Path) -> set[str]:
    """The canonical names a requirements file (and the files it includes) asks for.

    Comments, options and lines that are not PEP 508 requirements (paths, URLs) are skipped:
    pip-audit reports what it cannot read, the gate only needs names to pick advisories.
    """
    names: set[str] = set()
    for line in _requirement_lines(path, []):
        # Per-requirement options such as --hash follow the requirement itself.
        words = line.split()
        cut = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
        try:
            names.add(canonicalize_name(Requirement(" ".join(words[:cut])).name))
        except InvalidRequirement:
            continue
    return names


def requirement_files(path: Path) -> list[Path]:
    """path and every file it includes (-r/-c), each once. Raises OSError if one is missing."""
    files: list[Path] = []
    for _ in _requirement_lines(path, files):
        pass
    return files


def _requirement_lines(path: Path, seen: list[Path]) -> Iterator[str]:
    """Logical requirement lines of path, following -r/-c includes; fills seen with files read."""
    resolved = path.resolve()
    if resolved in seen:
        return  # an include cycle: each file once
    seen.append(resolved)
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    for raw in text.splitlines():
        line = _INLINE_COMMENT.sub("", raw).strip()
        include = _INCLUDE.match(line)
        if include:
            yield from _requirement_lines(path.parent / include.group(1), seen)
        elif line and not line.startswith("-"):
            yield line
