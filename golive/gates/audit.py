"""Security gate: known vulnerabilities in the target's dependencies, decided by a policy.

Python pins are audited with pip-audit, by default offline: the advisory records (a folder or a
zip export of OSV records) are served through golive.audit.osv's local endpoint. `source =
"osv"` or `"pypi"` uses pip-audit's online services instead, and an unreachable service fails
the gate (it never passes an audit that did not happen). npm lock files are audited with `npm
audit`. Every finding is scored (CVSS, see golive.audit.severity), merged with its aliases and
decided by the manifest's policy (golive.audit.policy); the gate fails iff a finding blocks, or
when the audit could not be done (an AuditError, whose message is the summary).
With `installed = true` what the target's interpreter has installed is listed into a pinned
file first and audited with the rest; a requirements file that pins a package twice is named
with its lines before pip-audit runs (golive.audit.installed).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, assert_never

from golive.audit import (
    AdvisoryDataError,
    AdvisoryService,
    AuditError,
    AuditInputError,
    Decision,
    Finding,
    FindingSource,
    NpmAudit,
    PipAudit,
    Policy,
    Report,
    evidence_paths,
    merge,
    of_record,
    osv,
    requirement_files,
    requirement_names,
    row,
)
from golive.audit.installed import check_duplicates, installed_pins, write_installed
from golive.files import private_dir
from golive.gates.outputs import AuditOutput
from golive.manifest import Audit
from golive.results import GateResult, failed, passed, warned

__all__ = ["audit", "audit_cache_key", "requirement_names"]

GATE = "audit"
POINTS_PER_FINDING = 25


@dataclass
class _Scans:
    """The reports so far, pip-audit's and npm's apart, and every file a scanner wrote."""

    python: list[Report] = field(default_factory=list)
    node: list[Report] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    @property
    def reports(self) -> list[Report]:
        """Every report, pip-audit's first, each in the order its file was scanned."""
        return self.python + self.node

    @property
    def audited(self) -> int:
        """Pinned Python packages pip-audit checked."""
        return sum(r.audited for r in self.reports)

    @property
    def not_audited(self) -> list[str]:
        """ "name: reason" for each package a scanner skipped."""
        return [skipped for r in self.reports for skipped in r.not_audited]


def audit(
    spec: Audit,
    root: Path,
    evidence_dir: Path,
    today: date | None = None,
    *,
    python: str | None = None,
) -> GateResult:
    """Audit the requirements and lock files spec names (relative to root) under its policy;
    with `installed`, what `python` (the target's interpreter) has installed too."""
    started = time.monotonic()
    nothing = not (spec.requirements or spec.npm_lockfiles or spec.installed)
    if nothing:  # the manifest says why (not_audited): not a pass
        return warned(GATE, f"nothing audited: {spec.not_audited.strip()}", score=50)
    private_dir(evidence_dir)
    scans = _Scans()
    try:
        _scan_python(spec, root, evidence_dir, scans, python)
        _scan_node(spec, root, evidence_dir, scans)
    except AuditError as stop:
        result = failed(GATE, str(stop), evidence=scans.evidence)
    else:
        result = _verdict(scans, Policy.of(spec), today or date.today())
    return dataclasses.replace(result, duration_s=time.monotonic() - started)


def _scan_python(
    spec: Audit, root: Path, evidence_dir: Path, into: _Scans, python: str | None = None
) -> None:
    """Each requirements file through pip-audit; its report is named after the file."""
    requirements = [root / p for p in spec.requirements]
    missing = [str(p) for p in requirements if not p.is_file()]
    if missing:
        raise AuditInputError(f"requirements file not found: {', '.join(missing)}")
    for path in requirements:
        check_duplicates(path)
    if spec.installed:
        listing = evidence_dir / "installed-requirements.txt"
        requirements.append(write_installed(python or sys.executable, listing, spec.timeout))
    if not requirements:
        return
    outs = evidence_paths(requirements, evidence_dir)
    with _pip_audit(spec, root, requirements) as source:
        for path, out in zip(requirements, outs, strict=True):
            _scan(source, path, out, into.python, into.evidence)


@contextmanager
def _pip_audit(spec: Audit, root: Path, requirements: list[Path]) -> Iterator[PipAudit]:
    """pip-audit asking the service spec.source names; local records are served meanwhile."""
    match spec.source:
        case "osv" | "pypi":
            yield PipAudit(AdvisoryService(spec.source), spec.timeout)
        case "local":
            records = _records(root / spec.advisories, requirements)
            severities = {str(r["id"]): of_record(r) for r in records}
            with osv.serve(records) as url:
                yield PipAudit(AdvisoryService("osv", url), spec.timeout, severities)
        case _:
            assert_never(spec.source)


def _records(advisories: Path, requirements: list[Path]) -> list[osv.Record]:
    """The advisory records that mention a package the requirements files ask for."""
    try:
        names = {n for path in requirements for n in requirement_names(path)}
        return osv.load_records(advisories, names)
    except (OSError, AdvisoryDataError) as exc:
        raise AuditInputError(f"cannot read the audit inputs: {exc}") from exc


def _scan_node(spec: Audit, root: Path, evidence_dir: Path, into: _Scans) -> None:
    """Each npm lock file through npm audit; its answer is named after the lock's folder."""
    source = NpmAudit(spec.timeout)
    for i, relative in enumerate(spec.npm_lockfiles, start=1):
        lockfile = root / relative
        if not lockfile.is_file():
            raise AuditInputError(f"npm lock file not found: {lockfile}")
        out = evidence_dir / f"npm-audit-{i}-{lockfile.parent.name or 'root'}.json"
        _scan(source, lockfile, out, into.node, into.evidence)


def _scan(
    source: FindingSource, path: Path, out: Path, into: list[Report], evidence: list[str]
) -> None:
    """One file through one source; what the tool wrote is evidence, even when it failed."""
    try:
        into.append(source.audit(path, out))
    finally:
        if out.is_file():
            evidence.append(str(out))


def _verdict(scans: _Scans, policy: Policy, today: date) -> GateResult:
    """Failed iff a finding blocks; warned for the non-blocking rest or what was not audited."""
    decided = _decided(scans.reports, policy, today)
    expired = _expired(d for _, d in decided)
    output = AuditOutput(
        audited=scans.audited,
        npm_lockfiles=len(scans.node),
        not_audited=tuple(scans.not_audited),
        blocking=sum(d.blocks for _, d in decided),
        expired_allowlist=tuple(expired),
        block_at=policy.block_at.value,
    )
    details = [row(f, d) for f, d in decided]
    kw: dict[str, Any] = {"details": details, "evidence": scans.evidence, "output": output}
    blocking = [f for f, d in decided if d.blocks]
    notes = _notes(decided, scans.not_audited, expired)
    if blocking:
        summary = _blocking_summary(blocking) + "".join(f"; {n}" for n in notes)
        score = max(0, 100 - POINTS_PER_FINDING * len(blocking))
        return failed(GATE, summary, blocking=True, score=score, **kw)
    if decided or scans.not_audited:
        summary = "no blocking vulnerabilities; " + "; ".join(notes)
        score = max(50, 100 - 10 * (len(decided) + len(scans.not_audited)))
        return warned(GATE, summary, score=score, **kw)
    return passed(GATE, _clean_summary(scans), **kw)


def _decided(reports: list[Report], policy: Policy, today: date) -> list[tuple[Finding, Decision]]:
    """Every merged finding with its decision: blocking ones first, so the summary names one
    of them, and otherwise in the order found."""
    found = merge(f for report in reports for f in report.findings)
    decided = [(f, policy.decide(f, today)) for f in found]
    decided.sort(key=lambda pair: not pair[1].blocks)
    return decided


def _blocking_summary(blocking: list[Finding]) -> str:
    """How many findings block, and the first of them: package, version, id and severity."""
    first = blocking[0]
    noun = "vulnerability" if len(blocking) == 1 else "vulnerabilities"
    severity = str(first.severity) if first.severity.known else "unknown severity"
    more = ", ..." if len(blocking) > 1 else ""
    return (
        f"{len(blocking)} known {noun}: {first.package} {first.version} "
        f"({first.id}, {severity}){more}"
    )


def _notes(
    decided: list[tuple[Finding, Decision]], not_audited: list[str], expired: list[str]
) -> list[str]:
    """The non-blocking rest, counted by decision, then what was not audited or has expired."""
    counts: dict[str, int] = {}
    for _, decision in decided:
        if not decision.blocks:
            counts[decision.kind.value] = counts.get(decision.kind.value, 0) + 1
    notes = [f"{n} {kind}" for kind, n in counts.items()]
    if not_audited:
        notes.append(f"{len(not_audited)} not audited ({not_audited[0]})")
    notes += [f"allowlist entry {e}" for e in expired]
    return notes


def _expired(decisions: Iterable[Decision]) -> list[str]:
    """Each expired allowlist entry that still matched a finding, once: "ID expired on DATE"."""
    seen: dict[str, None] = {}
    for decision in decisions:
        for entry in decision.expired:
            seen[f"{entry.id} expired on {entry.expires.isoformat()}"] = None
    return list(seen)


def _clean_summary(scans: _Scans) -> str:
    summary = f"no known vulnerabilities in {scans.audited} pinned packages"
    if scans.node:
        summary += f" and {len(scans.node)} npm lock file(s)"
    return summary


def audit_cache_key(
    spec: Audit, root: Path, today: date | None = None, *, python: str | None = None
) -> str:
    """sha256 of everything an audit's verdict depends on; equal keys allow a cached verdict.

    That is the requirement files (with includes), the npm lock files, the advisory data, the
    policy and the rest of [audit], and pip-audit's version. Today's date joins the key when
    an allowlist entry can expire (so the expiry is noticed) and when the advisory data is
    online (it changes without the key knowing, so a verdict is reused for a day at most).
    """
    digest = hashlib.sha256()
    parts: list[bytes] = [spec.model_dump_json().encode()]
    for path in spec.requirements:
        parts += _requirement_bytes(root / path)
    parts += [_file_bytes(root / path) for path in spec.npm_lockfiles]
    parts.append(_advisory_bytes(spec, root))
    if spec.installed:  # what is installed now, listed again: an upgrade changes the key
        parts.append(_installed_bytes(python or sys.executable, spec.timeout))
    parts.append(importlib.metadata.version("pip-audit").encode())
    if spec.allowlist or spec.source != "local" or spec.npm_lockfiles:
        parts.append((today or date.today()).isoformat().encode())
    for part in parts:
        # Length prefixes keep "a" + "bc" and "ab" + "c" from hashing alike.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _installed_bytes(python: str, timeout: float) -> bytes:
    try:
        return "\n".join([python, *installed_pins(python, timeout)]).encode()
    except AuditError as exc:
        return f"<not listed> {exc}".encode()  # the audit itself reports it


def _advisory_bytes(spec: Audit, root: Path) -> bytes:
    if spec.source != "local":
        return b"online:" + spec.source.encode()
    source = root / spec.advisories
    try:
        return osv.advisory_digest(source).encode()
    except OSError:
        return b"<no advisory data>"  # the audit itself reports it


def _requirement_bytes(path: Path) -> list[bytes]:
    """The bytes of path and of every file it includes; a marker when one is missing."""
    try:
        return [f.read_bytes() for f in requirement_files(path)]
    except OSError:
        # Still a valid key: the audit itself will report the missing file.
        return [b"<unreadable>", str(path).encode()]


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"<unreadable>" + str(path).encode()
