"""The audit policy: merge findings that are one vulnerability, then decide which ones block.

Scanners report the same vulnerability under several ids (PYSEC-x, GHSA-y, CVE-z); a finding
here is one vulnerability in one package version, with every id it is known by. The policy
(manifest `[audit]`: block_at, unknown_severity_blocks, fixable_only, allowlist) gives each
finding one decision, and the gate fails iff any decision is "blocking".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from packaging.version import InvalidVersion, Version

from golive.audit.interface import Finding
from golive.audit.severity import Rating, worst
from golive.manifest import AllowlistEntry, Audit


class Kind(StrEnum):
    """What the policy decided for one finding; only BLOCKING fails the gate."""

    BLOCKING = "blocking"
    ALLOWED = "allowed"
    BELOW_THRESHOLD = "below threshold"
    NO_FIX = "no fix available"
    UNKNOWN_SEVERITY = "severity unknown"


@dataclass(frozen=True)
class Decision:
    """The policy's decision for one finding, with the allowlist entries that bore on it."""

    kind: Kind
    until: date | None = None  # the allowlist entry's expiry, for ALLOWED
    # Allowlist entries that matched but have expired: reported, never applied.
    expired: tuple[AllowlistEntry, ...] = field(default=())

    def __str__(self) -> str:
        if self.kind is Kind.ALLOWED and self.until is not None:
            return f"allowed until {self.until.isoformat()}"
        return self.kind.value

    @property
    def blocks(self) -> bool:
        """Whether this finding stops the launch."""
        return self.kind is Kind.BLOCKING


def merge(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per vulnerability: same package and version, ids linked through aliases.

    Linking is transitive (A aliases B, B aliases C: one vulnerability): a union-find over
    the findings, each group rooted at its earliest member, so the order is first appearance.
    """
    items = list(findings)
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    owner: dict[tuple[str, str, str], int] = {}
    for i, finding in enumerate(items):
        for vid in finding.ids:
            key = (finding.package, finding.version, vid.upper())
            if key not in owner:
                owner[key] = i
                continue
            a, b = root(i), root(owner[key])
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[Finding]] = {}
    for i, finding in enumerate(items):
        groups.setdefault(root(i), []).append(finding)
    return [_combined(g) for g in groups.values()]


def _combined(group: list[Finding]) -> Finding:
    """The group as one finding: the first id reported, every other id as an alias."""
    first = group[0]
    ids = {vid for f in group for vid in f.ids}
    fixed = {v for f in group for v in f.fixed_in}
    return Finding(
        package=first.package,
        version=first.version,
        id=first.id,
        aliases=frozenset(ids - {first.id}),
        severity=worst(f.severity for f in group),
        fixed_in=tuple(sorted(fixed, key=_version_key)),
    )


def _version_key(text: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(text))
    except InvalidVersion:
        return (1, text)


@dataclass(frozen=True)
class Policy:
    """What blocks a launch; built from the manifest's [audit] table."""

    block_at: Rating = Rating.HIGH
    unknown_severity_blocks: bool = True
    fixable_only: bool = False
    allowlist: tuple[AllowlistEntry, ...] = ()

    @classmethod
    def of(cls, spec: Audit) -> Policy:
        """The policy of a manifest's [audit] table."""
        return cls(
            block_at=Rating(spec.block_at),
            unknown_severity_blocks=spec.unknown_severity_blocks,
            fixable_only=spec.fixable_only,
            allowlist=tuple(spec.allowlist),
        )

    def decide(self, finding: Finding, today: date) -> Decision:
        """The one decision for finding; an allowlist entry is valid through its expiry day."""
        wanted = {vid.upper() for vid in finding.ids}
        matching = [e for e in self.allowlist if e.id.strip().upper() in wanted]
        valid = [e for e in matching if e.expires >= today]
        expired = tuple(e for e in matching if e.expires < today)
        if valid:
            return Decision(Kind.ALLOWED, max(e.expires for e in valid), expired)
        return Decision(self._kind(finding), None, expired)

    def _kind(self, finding: Finding) -> Kind:
        if self.fixable_only and not finding.fixed_in:
            return Kind.NO_FIX
        if not finding.severity.known:
            return Kind.BLOCKING if self.unknown_severity_blocks else Kind.UNKNOWN_SEVERITY
        if finding.severity.rating.rank >= self.block_at.rank:
            return Kind.BLOCKING
        return Kind.BELOW_THRESHOLD


def row(finding: Finding, decision: Decision) -> dict[str, Any]:
    """The artifact row of one finding: what it is, how bad, where fixed, what was decided."""
    note = "; ".join(
        f"allowlist entry {e.id} expired on {e.expires.isoformat()}" for e in decision.expired
    )
    return {
        "package": finding.package,
        "version": finding.version,
        "id": finding.id,
        "aliases": ", ".join(sorted(finding.aliases)),
        "severity": str(finding.severity),
        "fixed_in": ", ".join(finding.fixed_in),
        "decision": str(decision),
        "note": note,
    }
