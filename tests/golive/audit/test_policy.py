"""golive.audit.policy: alias merging and the decision each finding gets."""

from __future__ import annotations

from datetime import date, timedelta

from golive.audit import Finding, Kind, Policy, merge, row
from golive.audit.severity import UNKNOWN, Rating, Severity
from golive.manifest import AllowlistEntry

TODAY = date(2025, 1, 15)
HIGH = Severity(Rating.HIGH, 7.5)
LOW = Severity(Rating.LOW, 2.0)


def finding(
    fid: str,
    *aliases: str,
    severity: Severity = HIGH,
    version: str = "1.0",
    fixed_in: tuple[str, ...] = (),
) -> Finding:
    return Finding("demo", version, fid, frozenset(aliases), severity, fixed_in)


def entry(fid: str, expires: date) -> AllowlistEntry:
    return AllowlistEntry(id=fid, reason="accepted risk", expires=expires)


def test_merge_links_ids_transitively_within_one_package_version() -> None:
    merged = merge(
        [
            finding("PYSEC-1", "CVE-1", fixed_in=("2.0",)),
            finding("OTHER-9", severity=LOW),
            finding("GHSA-1", "CVE-2", severity=UNKNOWN),
            finding("PYSEC-2", "CVE-1", "GHSA-1", fixed_in=("1.10",)),  # joins both groups
            finding("PYSEC-1", version="2.0"),  # another version: another vulnerability row
        ]
    )
    assert [(f.id, f.version) for f in merged] == [
        ("PYSEC-1", "1.0"), ("OTHER-9", "1.0"), ("PYSEC-1", "2.0"),
    ]  # fmt: skip
    first = merged[0]
    assert first.aliases == {"CVE-1", "CVE-2", "GHSA-1", "PYSEC-2"}
    assert first.severity == HIGH  # the worst known one
    assert first.fixed_in == ("1.10", "2.0")  # in version order


def test_threshold_unknown_and_fixable_only() -> None:
    policy = Policy(block_at=Rating.HIGH)
    assert policy.decide(finding("A"), TODAY).kind is Kind.BLOCKING
    assert policy.decide(finding("A", severity=LOW), TODAY).kind is Kind.BELOW_THRESHOLD
    assert policy.decide(finding("A", severity=UNKNOWN), TODAY).kind is Kind.BLOCKING
    lenient = Policy(block_at=Rating.NONE, unknown_severity_blocks=False, fixable_only=True)
    assert lenient.decide(finding("A", severity=UNKNOWN, fixed_in=("2",)), TODAY).kind is (
        Kind.UNKNOWN_SEVERITY
    )
    assert lenient.decide(finding("A", severity=LOW), TODAY).kind is Kind.NO_FIX
    zero = Severity(Rating.NONE, 0.0)
    assert lenient.decide(finding("A", severity=zero, fixed_in=("2",)), TODAY).blocks


def test_allowlist_matches_any_alias_through_its_expiry_day() -> None:
    yesterday = TODAY - timedelta(days=1)
    policy = Policy(allowlist=(entry("cve-1", TODAY), entry("GHSA-9", yesterday)))
    allowed = policy.decide(finding("PYSEC-1", "CVE-1"), TODAY)
    assert str(allowed) == "allowed until 2025-01-15" and not allowed.blocks
    assert policy.decide(finding("PYSEC-1", "CVE-1"), TODAY + timedelta(days=1)).blocks
    stale = policy.decide(finding("PYSEC-2", "GHSA-9"), TODAY)
    assert stale.blocks and [e.id for e in stale.expired] == ["GHSA-9"]
    assert row(finding("PYSEC-2", "GHSA-9"), stale) == {
        "package": "demo",
        "version": "1.0",
        "id": "PYSEC-2",
        "aliases": "GHSA-9",
        "severity": "7.5 high",
        "fixed_in": "",
        "decision": "blocking",
        "note": "allowlist entry GHSA-9 expired on 2025-01-14",
    }
