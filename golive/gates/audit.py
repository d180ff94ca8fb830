"""Security gate: audit pinned requirements for known vulnerabilities with pip-audit, offline.

pip-audit's online services may be unreachable, so the gate serves the advisory records from
a local folder through golive.osv's OSV-compatible endpoint and points pip-audit at it. Each
requirements file is audited with `--no-deps` (no resolver, no package index): only what the
file pins is checked. Any known vulnerability blocks the launch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from golive import osv
from golive.errors import GoliveError
from golive.results import Category, GateResult, failed, passed
from golive.runner import Completed, child_env, run

GATE = "audit"
POINTS_PER_FINDING = 25
MAX_QUOTE = 240  # characters of pip-audit output quoted in a one-line summary
_INCLUDE = re.compile(r"^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(\S+)")
_INLINE_COMMENT = re.compile(r"(^|\s+)#.*$")


def audit(
    requirements: list[Path], advisories: Path, evidence_dir: Path, timeout: float = 300
) -> GateResult:
    """Run pip-audit on each requirements file against the OSV records in advisories."""
    started = time.monotonic()

    def fail(summary: str) -> GateResult:
        return failed(GATE, Category.SECURITY, summary, duration_s=time.monotonic() - started)

    if not requirements:
        return fail("no requirements files to audit")
    missing = [str(p) for p in requirements if not p.is_file()]
    if missing:
        return fail(f"requirements file not found: {', '.join(missing)}")
    try:
        names = {n for path in requirements for n in requirement_names(path)}
        records = osv.load_records(advisories, names)
    except (OSError, GoliveError) as exc:
        return fail(f"cannot read the audit inputs: {exc}")

    evidence_dir.mkdir(parents=True, exist_ok=True)
    reports: list[list[dict[str, Any]]] = []
    evidence = _evidence_paths(requirements, evidence_dir)
    with osv.serve(records) as url:
        for path, out in zip(requirements, evidence, strict=True):
            report = _audit_file(path, url, out, timeout)
            if isinstance(report, str):
                return fail(report)
            reports.append(report)
    result = _verdict(reports, [str(p) for p in evidence])
    return dataclasses.replace(result, duration_s=time.monotonic() - started)


def _audit_file(path: Path, url: str, out: Path, timeout: float) -> list[dict[str, Any]] | str:
    """pip-audit's dependency list for one file, or a one-line reason it could not be had."""
    # A report left by an earlier run must never stand in for this one.
    out.unlink(missing_ok=True)
    try:
        done = run(_argv(path, url, out), timeout=timeout, env=_env())
    except GoliveError as exc:
        return f"pip-audit failed on {path}: {exc}"
    # pip-audit exits 1 both for "found vulnerabilities" and for fatal errors; only the
    # report tells them apart (a fatal error writes none).
    if done.returncode not in (0, 1):
        return _tool_failure(path, done)
    try:
        report = json.loads(out.read_text(encoding="utf-8"))
        dependencies = report["dependencies"]
        if not isinstance(dependencies, list):
            raise TypeError("'dependencies' is not a list")
    except (OSError, ValueError, KeyError, TypeError):
        return _tool_failure(path, done)
    found = any(dep.get("vulns") for dep in dependencies)
    if done.returncode == 1 and not found:
        return _tool_failure(path, done)
    return dependencies


def _argv(path: Path, url: str, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "pip_audit",
        "-r", str(path), "--no-deps", "--disable-pip",
        "-s", "osv", "--osv-url", url,
        "-f", "json", "-o", str(out),
        # The spinner writes to stderr, where it would bury the line a failure summary quotes.
        "--progress-spinner", "off",
    ]  # fmt: skip


def _env() -> dict[str, str]:
    """The child env, with the local endpoint exempt from any configured HTTP proxy."""
    exempt = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
    return child_env({"NO_PROXY": exempt, "no_proxy": exempt})


def _tool_failure(path: Path, done: Completed) -> str:
    """One line: the file and pip-audit's last error line (its very last may be a caret)."""
    lines = done.tail(5).split(" | ")
    errors = [line for line in lines if "error" in line.lower()]
    last = (errors or lines)[-1] or "no output"
    if len(last) > MAX_QUOTE:
        last = last[: MAX_QUOTE - 1] + "…"
    return f"pip-audit failed on {path} (exit {done.returncode}): {last}"


def _evidence_paths(requirements: list[Path], evidence_dir: Path) -> list[Path]:
    """One report per requirements file, named after it; numbered when two names clash."""
    stems = [p.stem for p in requirements]
    unique = len(set(stems)) == len(stems)
    return [
        evidence_dir / (f"pip-audit-{s}.json" if unique else f"pip-audit-{i}-{s}.json")
        for i, s in enumerate(stems, start=1)
    ]


def _verdict(reports: list[list[dict[str, Any]]], evidence: list[str]) -> GateResult:
    findings = _findings(reports)
    skipped = [
        f"{dep.get('name')}: {dep['skip_reason']}"
        for deps in reports
        for dep in deps
        if "skip_reason" in dep
    ]
    audited = sum(1 for deps in reports for dep in deps if "skip_reason" not in dep)
    data: dict[str, Any] = {"audited": audited, "not_audited": skipped}
    if not findings:
        summary = f"no known vulnerabilities in {audited} pinned packages"
        if skipped:
            summary += f"; {len(skipped)} not audited ({skipped[0]})"
        return passed(GATE, Category.SECURITY, summary, evidence=evidence, data=data)
    first = findings[0]
    noun = "vulnerability" if len(findings) == 1 else "vulnerabilities"
    summary = f"{len(findings)} known {noun}: {first['package']} {first['version']} ({first['id']})"
    if len(findings) > 1:
        summary += ", ..."
    score = max(0, 100 - POINTS_PER_FINDING * len(findings))
    return failed(
        GATE,
        Category.SECURITY,
        summary,
        blocking=True,
        score=score,
        details=findings,
        evidence=evidence,
        data=data,
    )


def _findings(reports: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per (package, version, id); a package pinned in two files counts once."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for deps in reports:
        for dep in deps:
            for vuln in dep.get("vulns") or []:
                row = _row(dep, vuln)
                rows.setdefault((row["package"], row["version"], row["id"]), row)
    return list(rows.values())


def _row(dep: dict[str, Any], vuln: dict[str, Any]) -> dict[str, Any]:
    return {
        "package": str(dep["name"]),
        "version": str(dep["version"]),
        "id": str(vuln["id"]),
        "aliases": ", ".join(vuln.get("aliases") or []),
        "fix_versions": ", ".join(vuln.get("fix_versions") or []),
    }


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


def audit_cache_key(requirements: list[Path], advisories: Path) -> str:
    """sha256 of the requirement files (with includes), the advisory records and pip-audit.

    Equal keys mean an audit would see the same inputs, so a cached verdict can be reused.
    """
    digest = hashlib.sha256()
    for path in requirements:
        for data in _requirement_bytes(path):
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
    digest.update(osv.advisory_digest(advisories).encode() if advisories.is_dir() else b"-")
    digest.update(importlib.metadata.version("pip-audit").encode())
    return digest.hexdigest()


def _requirement_bytes(path: Path) -> list[bytes]:
    """The bytes of path and of every file it includes; a marker when one is missing."""
    files: list[Path] = []
    try:
        for _ in _requirement_lines(path, files):
            pass
        return [f.read_bytes() for f in files]
    except OSError:
        # Still a valid key: the audit itself will report the missing file.
        return [b"<unreadable>", str(path).encode()]
