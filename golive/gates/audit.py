"""Security gate: known vulnerabilities in the target's dependencies, decided by a policy.

Python pins are audited with pip-audit, by default offline: the advisory records (a folder or a
zip export of OSV records) are served through golive.audit.osv's local endpoint. `source = "osv"` or
`"pypi"` uses pip-audit's online services instead, and an unreachable service fails the gate
(it never passes an audit that did not happen). npm lock files are audited with `npm audit`.
Every finding is scored (CVSS, see golive.audit.severity), merged with its aliases and decided by
the manifest's policy (golive.audit.policy); the gate fails iff a finding blocks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from golive.audit import osv
from golive.audit.npm import NpmUnreachable, audit_lockfile
from golive.audit.policy import Decision, Finding, Policy, merge, row
from golive.audit.pypi import (
    OFFLINE_ADVICE,
    AdvisoryService,
    Unreachable,
    audit_file,
    evidence_paths,
    findings,
    not_audited,
    requirement_files,
    requirement_names,
)
from golive.audit.severity import Severity, of_record
from golive.errors import GoliveError
from golive.gates.outputs import AuditOutput
from golive.manifest import Audit
from golive.results import GateResult, failed, passed, warned

__all__ = ["audit", "audit_cache_key", "requirement_names"]

GATE = "audit"
POINTS_PER_FINDING = 25


class _Failed(Exception):
    """The audit could not be done: the message is the gate's one-line summary."""


@dataclass
class _Collected:
    findings: list[Finding] = field(default_factory=list)
    audited: int = 0  # pinned Python packages pip-audit checked
    lockfiles: int = 0  # npm lock files audited
    not_audited: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


def audit(spec: Audit, root: Path, evidence_dir: Path, today: date | None = None) -> GateResult:
    """Audit the requirements and lock files spec names (relative to root) under its policy."""
    started = time.monotonic()
    evidence_dir.mkdir(parents=True, exist_ok=True)
    collected = _Collected()
    try:
        _audit_python(spec, root, evidence_dir, collected)
        _audit_node(spec, root, evidence_dir, collected)
    except _Failed as stop:
        result = failed(GATE, str(stop), evidence=collected.evidence)
    else:
        result = _verdict(collected, Policy.of(spec), today or date.today())
    return dataclasses.replace(result, duration_s=time.monotonic() - started)


def _audit_python(spec: Audit, root: Path, evidence_dir: Path, into: _Collected) -> None:
    requirements = [root / p for p in spec.requirements]
    if not requirements:
        return
    missing = [str(p) for p in requirements if not p.is_file()]
    if missing:
        raise _Failed(f"requirements file not found: {', '.join(missing)}")
    if spec.source != "local":
        _run_pip_audit(requirements, AdvisoryService(spec.source), {}, evidence_dir, spec, into)
        return
    try:
        names = {n for path in requirements for n in requirement_names(path)}
        records = osv.load_records(root / spec.advisories, names)
    except (OSError, GoliveError) as exc:
        raise _Failed(f"cannot read the audit inputs: {exc}") from exc
    severities = {str(r["id"]): of_record(r) for r in records}
    with osv.serve(records) as url:
        service = AdvisoryService("osv", url)
        _run_pip_audit(requirements, service, severities, evidence_dir, spec, into)


def _run_pip_audit(
    requirements: list[Path],
    service: AdvisoryService,
    severities: dict[str, Severity],
    evidence_dir: Path,
    spec: Audit,
    into: _Collected,
) -> None:
    for path, out in zip(requirements, evidence_paths(requirements, evidence_dir), strict=True):
        try:
            report = audit_file(path, service, out, spec.timeout)
        except Unreachable as exc:
            raise _Failed(
                f"pip-audit could not reach its advisory service ({exc}); {OFFLINE_ADVICE}"
            ) from exc
        if isinstance(report, str):
            raise _Failed(report)
        into.evidence.append(str(out))
        into.findings += findings(report, severities)
        into.not_audited += not_audited(report)
        into.audited += sum(1 for dep in report if "skip_reason" not in dep)


def _audit_node(spec: Audit, root: Path, evidence_dir: Path, into: _Collected) -> None:
    for i, relative in enumerate(spec.npm_lockfiles, start=1):
        lockfile = root / relative
        if not lockfile.is_file():
            raise _Failed(f"npm lock file not found: {lockfile}")
        out = evidence_dir / f"npm-audit-{i}-{lockfile.parent.name or 'root'}.json"
        try:
            found = audit_lockfile(lockfile, out, spec.timeout)
        except NpmUnreachable as exc:
            raise _Failed(
                f"npm audit could not reach its advisory service: {exc}; npm cannot audit "
                f"offline: run where the registry answers, or drop {relative} from "
                "audit.npm_lockfiles"
            ) from exc
        finally:
            # npm's own answer, error or report, is the evidence either way.
            if out.is_file():
                into.evidence.append(str(out))
        if isinstance(found, str):
            raise _Failed(found)
        into.findings += found
        into.lockfiles += 1


def _verdict(collected: _Collected, policy: Policy, today: date) -> GateResult:
    decided = [(f, policy.decide(f, today)) for f in merge(collected.findings)]
    # Blocking rows first (stable: discovery order within), so the summary names one of them.
    decided.sort(key=lambda pair: not pair[1].blocks)
    details = [row(f, d) for f, d in decided]
    expired = _expired(d for _, d in decided)
    output = AuditOutput(
        audited=collected.audited,
        npm_lockfiles=collected.lockfiles,
        not_audited=tuple(collected.not_audited),
        blocking=sum(d.blocks for _, d in decided),
        expired_allowlist=tuple(expired),
        block_at=policy.block_at.value,
    )
    kw: dict[str, Any] = {"details": details, "evidence": collected.evidence, "output": output}
    blocking = [f for f, d in decided if d.blocks]
    notes = _notes(decided, collected, expired)
    if blocking:
        summary = _blocking_summary(blocking) + "".join(f"; {n}" for n in notes)
        score = max(0, 100 - POINTS_PER_FINDING * len(blocking))
        return failed(GATE, summary, blocking=True, score=score, **kw)
    if decided or collected.not_audited:
        summary = "no blocking vulnerabilities; " + "; ".join(notes)
        score = max(50, 100 - 10 * (len(decided) + len(collected.not_audited)))
        return warned(GATE, summary, score=score, **kw)
    return passed(GATE, _clean_summary(collected), **kw)


def _blocking_summary(blocking: list[Finding]) -> str:
    first = blocking[0]
    noun = "vulnerability" if len(blocking) == 1 else "vulnerabilities"
    severity = str(first.severity) if first.severity.known else "unknown severity"
    more = ", ..." if len(blocking) > 1 else ""
    return (
        f"{len(blocking)} known {noun}: {first.package} {first.version} "
        f"({first.id}, {severity}){more}"
    )


def _notes(
    decided: list[tuple[Finding, Decision]], collected: _Collected, expired: list[str]
) -> list[str]:
    """The non-blocking rest, counted by decision, then what was not audited or has expired."""
    counts: dict[str, int] = {}
    for _, decision in decided:
        if not decision.blocks:
            counts[decision.kind.value] = counts.get(decision.kind.value, 0) + 1
    notes = [f"{n} {kind}" for kind, n in counts.items()]
    if collected.not_audited:
        notes.append(f"{len(collected.not_audited)} not audited ({collected.not_audited[0]})")
    notes += [f"allowlist entry {e}" for e in expired]
    return notes


def _expired(decisions: Iterable[Decision]) -> list[str]:
    """Each expired allowlist entry that still matched a finding, once: "ID expired on DATE"."""
    seen: dict[str, None] = {}
    for decision in decisions:
        for entry in decision.expired:
            seen[f"{entry.id} expired on {entry.expires.isoformat()}"] = None
    return list(seen)


def _clean_summary(collected: _Collected) -> str:
    summary = f"no known vulnerabilities in {collected.audited} pinned packages"
    if collected.lockfiles:
        summary += f" and {collected.lockfiles} npm lock file(s)"
    return summary


def audit_cache_key(spec: Audit, root: Path, today: date | None = None) -> str:
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
    parts.append(importlib.metadata.version("pip-audit").encode())
    if spec.allowlist or spec.source != "local" or spec.npm_lockfiles:
        parts.append((today or date.today()).isoformat().encode())
    for part in parts:
        # Length prefixes keep "a" + "bc" and "ab" + "c" from hashing alike.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


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
