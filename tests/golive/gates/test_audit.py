"""The audit gate: real pip-audit against real PyPA advisory records, decided by the policy."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive.audit import osv
from golive.gates.audit import audit, audit_cache_key, requirement_names
from golive.gates.outputs import AuditOutput
from golive.manifest import Audit
from golive.results import Category, Status

# Read off vulns/urllib3 and vulns/jinja2 of tests/fixtures/advisories (both folders whole, as
# in the PyPA snapshot): every record whose ECOSYSTEM range holds the pinned version. Not there:
# urllib3 PYSEC-2017-98 (1.17 to 1.18.1), PYSEC-2018-32 (fixed 1.23), PYSEC-2020-149 (1.25.2 to
# 1.25.8), PYSEC-2021-59 (1.26.0 to 1.26.4); jinja2 PYSEC-2014-8 (fixed 2.7.2), PYSEC-2014-82
# (fixed 2.7.3), PYSEC-2019-220 (fixed 2.8.1).
# Values: (pip-audit's fix versions, severity). Only the three 2023 urllib3 records carry a
# CVSS vector (v3.1); the others have none, so their severity is unknown.
URLLIB3_1_24_1 = {
    "PYSEC-2019-132": ("1.24.3", "unknown"),
    "PYSEC-2019-133": ("1.24.2", "unknown"),
    "PYSEC-2020-148": ("1.25.9", "unknown"),
    "PYSEC-2021-108": ("1.26.5", "unknown"),
    "PYSEC-2023-192": ("1.26.17, 2.0.6", "8.1 high"),  # AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N
    "PYSEC-2023-207": ("1.24.2", "6.1 medium"),  # AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N
    "PYSEC-2023-212": ("1.26.18, 2.0.7", "4.2 medium"),  # AV:A/AC:H/PR:H/UI:N/S:U/C:H/I:N/A:N
}
JINJA2_2_10 = {"PYSEC-2019-217": ("2.10.1", "unknown"), "PYSEC-2021-66": ("2.11.3", "unknown")}
TODAY = date(2025, 1, 15)
V4_CRITICAL = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"  # 9.3


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def spec(*requirements: Path, advisories: Path | None = None, **policy: Any) -> Audit:
    """An [audit] table; absolute paths, so any root resolves them to themselves."""
    fields: dict[str, Any] = {"requirements": list(requirements), **policy}
    if advisories is not None:
        fields["advisories"] = advisories
    return Audit.model_validate(fields)


def run(tmp_path: Path, text: str, advisories: Path, today: date = TODAY, **policy: Any) -> Any:
    reqs = write(tmp_path / "requirements.txt", text)
    return audit(spec(reqs, advisories=advisories, **policy), tmp_path, tmp_path / "ev", today)


def by_id(result: Any) -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in result.details}


def test_vulnerable_pins_fail_with_ids_fixes_and_severities(
    advisories: Path, tmp_path: Path
) -> None:
    result = run(tmp_path, "# pinned\nurllib3==1.24.1\nJinja2==2.10  # old\n", advisories)

    assert result.status is Status.FAILED and result.blocks_launch
    assert (result.gate, result.category) == ("audit", Category.SECURITY)
    found = {
        package: {
            d["id"]: (d["fixed_in"], d["severity"])
            for d in result.details
            if d["package"] == package
        }
        for package in ("urllib3", "jinja2")
    }
    assert found == {"urllib3": URLLIB3_1_24_1, "jinja2": JINJA2_2_10}
    assert {d["version"] for d in result.details} == {"1.24.1", "2.10"}
    rows = by_id(result)
    assert set(rows["PYSEC-2019-133"]["aliases"].split(", ")) == {
        "CVE-2019-11324",
        "GHSA-mh33-7rrq-662w",
    }
    # Default policy: block at high, unknown blocks. The two medium ones do not.
    below = {i for i, d in rows.items() if d["decision"] == "below threshold"}
    assert below == {"PYSEC-2023-207", "PYSEC-2023-212"}
    assert all(d["decision"] == "blocking" for i, d in rows.items() if i not in below)
    assert [d["decision"] for d in result.details[:7]] == ["blocking"] * 7  # blocking first
    assert result.score == 0
    first = result.details[0]
    assert result.summary.startswith(
        f"7 known vulnerabilities: {first['package']} {first['version']} ({first['id']}, "
    )
    assert "urllib3 1.24.1 (PYSEC-" in result.summary and "2 below threshold" in result.summary
    (evidence,) = result.evidence
    report = json.loads(Path(evidence).read_text())
    assert Path(evidence).parent == tmp_path / "ev"
    assert {dep["name"] for dep in report["dependencies"]} == {"urllib3", "jinja2"}


def test_one_finding_scores_75(advisories: Path, tmp_path: Path) -> None:
    result = run(tmp_path, "jinja2==2.11.2\n", advisories)  # only PYSEC-2021-66
    assert result.status is Status.FAILED and result.blocks_launch
    assert result.score == 75
    assert result.summary == (
        "1 known vulnerability: jinja2 2.11.2 (PYSEC-2021-66, unknown severity)"
    )


def test_fixed_pins_pass(advisories: Path, tmp_path: Path) -> None:
    # Newer than every urllib3/jinja2 range in the records (the snapshot is dated 2024-10-10).
    result = run(tmp_path, "urllib3==2.2.3\njinja2==3.1.4\n", advisories)
    assert result.status is Status.PASSED and not result.blocks_launch
    assert result.score == 100 and result.details == []
    assert "no known vulnerabilities in 2" in result.summary
    assert json.loads(Path(result.evidence[0]).read_text())["dependencies"]


def test_several_files_are_each_audited(advisories: Path, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    clean = write(tmp_path / "a" / "requirements.txt", "urllib3==2.2.3\n")
    vulnerable = write(tmp_path / "b" / "requirements.txt", "jinja2==2.11.2\n")
    result = audit(spec(clean, vulnerable, advisories=advisories), tmp_path, tmp_path / "ev")
    assert result.status is Status.FAILED
    assert [d["id"] for d in result.details] == ["PYSEC-2021-66"]
    assert len(set(result.evidence)) == 2 and all(Path(p).is_file() for p in result.evidence)


def test_policy_threshold_and_unknown_severity(advisories: Path, tmp_path: Path) -> None:
    medium = run(
        tmp_path, "urllib3==1.24.1\n", advisories, block_at="medium",
        unknown_severity_blocks=False,
    )  # fmt: skip
    decisions = {i: d["decision"] for i, d in by_id(medium).items()}
    assert {i for i, d in decisions.items() if d == "blocking"} == {
        "PYSEC-2023-192", "PYSEC-2023-207", "PYSEC-2023-212",
    }  # fmt: skip
    assert list(decisions.values()).count("severity unknown") == 4
    assert medium.summary.startswith("3 known vulnerabilities: urllib3 1.24.1 (PYSEC-2023-")

    critical = run(
        tmp_path, "urllib3==1.24.1\n", advisories, block_at="critical",
        unknown_severity_blocks=False,
    )  # fmt: skip
    assert critical.status is Status.WARNED and not critical.blocks_launch
    assert critical.summary.startswith("no blocking vulnerabilities; ")
    assert "3 below threshold" in critical.summary and "4 severity unknown" in critical.summary


def test_allowlist_by_alias_and_its_expiry(advisories: Path, tmp_path: Path) -> None:
    yesterday = TODAY - timedelta(days=1)
    allowlist = [
        # CVE-2023-43804 is an alias of PYSEC-2023-192; the entry is valid through today.
        {"id": "CVE-2023-43804", "reason": "no cookies sent", "expires": TODAY},
        {"id": "PYSEC-2019-132", "reason": "old waiver", "expires": yesterday},
    ]
    result = run(tmp_path, "urllib3==1.24.1\n", advisories, allowlist=allowlist)
    rows = by_id(result)
    assert rows["PYSEC-2023-192"]["decision"] == "allowed until 2025-01-15"
    assert rows["PYSEC-2019-132"]["decision"] == "blocking"
    assert rows["PYSEC-2019-132"]["note"] == "allowlist entry PYSEC-2019-132 expired on 2025-01-14"
    assert result.status is Status.FAILED
    assert "allowlist entry PYSEC-2019-132 expired on 2025-01-14" in result.summary
    assert isinstance(result.output, AuditOutput)
    assert result.output.expired_allowlist == ("PYSEC-2019-132 expired on 2025-01-14",)

    # A day later the first entry has expired too.
    later = run(tmp_path, "urllib3==1.24.1\n", advisories, TODAY + timedelta(days=1),
                allowlist=allowlist)  # fmt: skip
    assert by_id(later)["PYSEC-2023-192"]["decision"] == "blocking"


def test_aliases_merge_into_one_row(advisories: Path, tmp_path: Path) -> None:
    # PYSEC-2021-871 and PYSEC-2021-872 are one vulnerability: both alias CVE-2021-42343.
    result = run(tmp_path, "distributed==2021.9.0\n", advisories)
    (only,) = result.details
    ids = {only["id"], *only["aliases"].split(", ")}
    assert {"PYSEC-2021-871", "PYSEC-2021-872", "CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr"} <= ids
    assert (only["package"], only["version"], only["fixed_in"]) == (
        "distributed", "2021.9.0", "2021.10.0",
    )  # fmt: skip
    assert result.summary.startswith("1 known vulnerability: distributed 2021.9.0 (PYSEC-2021-87")


def test_withdrawn_advisory_is_ignored(advisories: Path, tmp_path: Path) -> None:
    # redis PYSEC-2023-73 covers every version but was withdrawn; 4.1.0 predates the others.
    result = run(tmp_path, "redis==4.1.0\n", advisories)
    assert result.status is Status.PASSED, result.summary


def osv_record(rid: str, fixed: str | None, vector: str | None) -> dict[str, Any]:
    events: list[dict[str, str]] = [{"introduced": "0"}]
    if fixed:
        events.append({"fixed": fixed})
    rec: dict[str, Any] = {
        "id": rid,
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {"package": {"name": "demo-pkg", "ecosystem": "PyPI"},
             "ranges": [{"type": "ECOSYSTEM", "events": events}]}
        ],
    }  # fmt: skip
    if vector:
        rec["severity"] = [{"type": "CVSS_V4", "score": vector}]
    return rec


def test_cvss_v4_and_fixable_only_on_written_records(tmp_path: Path) -> None:
    data = tmp_path / "advisories"
    data.mkdir()
    for rec in (osv_record("TEST-1", None, V4_CRITICAL), osv_record("TEST-2", "9.0", None)):
        (data / f"{rec['id']}.yaml").write_text(yaml.safe_dump(rec))
    result = run(tmp_path, "demo-pkg==1.0\n", data, fixable_only=True)
    rows = by_id(result)
    assert rows["TEST-1"]["severity"] == "9.3 critical"
    assert rows["TEST-1"]["decision"] == "no fix available"
    assert rows["TEST-2"]["decision"] == "blocking"  # unknown severity, fix in 9.0
    assert result.summary.startswith("1 known vulnerability: demo-pkg 1.0 (TEST-2, unknown")


def zip_export(folder: Path, packages: list[str], out: Path) -> Path:
    """A zip of JSON records, like OSV's per-ecosystem all.zip."""
    with zipfile.ZipFile(out, "w") as archive:
        for rec in osv.load_records(folder, packages):
            archive.writestr(f"{rec['id']}.json", json.dumps(rec))
    return out


def test_zip_export_gives_the_same_findings_as_the_folder(advisories: Path, tmp_path: Path) -> None:
    export = zip_export(advisories, ["urllib3", "jinja2"], tmp_path / "all.zip")
    pins = "urllib3==1.24.1\njinja2==2.10\n"
    from_folder = run(tmp_path, pins, advisories)
    from_zip = run(tmp_path, pins, export)
    assert from_zip.details == from_folder.details and len(from_zip.details) == 9
    assert from_zip.summary == from_folder.summary


@pytest.mark.parametrize("source", ["osv", "pypi"])
def test_unreachable_online_service_fails_and_says_what_to_do(source: str, tmp_path: Path) -> None:
    reqs = write(tmp_path / "requirements.txt", "urllib3==1.24.1\n")
    result = audit(spec(reqs, source=source, timeout=15), tmp_path, tmp_path / "ev", TODAY)
    assert result.status is Status.FAILED and result.blocks_launch
    if "could not reach" not in result.summary:  # a machine where the service answers
        assert "urllib3 1.24.1" in result.summary
        return
    assert result.summary.startswith("pip-audit could not reach its advisory service")
    assert "audit.advisories" in result.summary and "\n" not in result.summary


def test_missing_requirements_file_is_named(tmp_path: Path) -> None:
    result = audit(spec(tmp_path / "nope.txt", advisories=tmp_path), tmp_path, tmp_path)
    assert result.status is Status.FAILED and result.blocks_launch
    assert "nope.txt" in result.summary and "not found" in result.summary


def test_pip_audit_error_is_blocking_and_names_file_and_cause(tmp_path: Path) -> None:
    # --no-deps cannot audit an unpinned requirement: pip-audit exits 1 without a report.
    (tmp_path / "advisories").mkdir()
    result = run(tmp_path, "urllib3==2.2.3\nrequests\n", tmp_path / "advisories")
    assert result.status is Status.FAILED and result.blocks_launch
    assert str(tmp_path / "requirements.txt") in result.summary
    assert "not pinned" in result.summary
    assert "\n" not in result.summary


def test_requirement_names_skip_comments_options_and_follow_includes(tmp_path: Path) -> None:
    write(tmp_path / "base.txt", "Flask_Cors==4.0.0 \\\n    --hash=sha256:abc\n")
    reqs = write(
        tmp_path / "requirements.txt",
        "# comment\n--index-url https://example.invalid/simple\n-r base.txt\n"
        "urllib3==1.24.1  # pinned\nrich[jupyter]==13.0 ; python_version >= '3.8'\n"
        "./local/path\n-e .\n",
    )
    assert requirement_names(reqs) == {"flask-cors", "urllib3", "rich"}


def test_cache_key_follows_requirements_advisories_and_policy(
    advisories: Path, tmp_path: Path
) -> None:
    data = tmp_path / "advisories"
    for package in ("urllib3", "jinja2"):
        shutil.copytree(advisories / "vulns" / package, data / "vulns" / package)
    reqs = write(tmp_path / "requirements.txt", "urllib3==1.24.1\n")
    base = spec(reqs, advisories=data)
    first = audit_cache_key(base, tmp_path, TODAY)
    assert audit_cache_key(base, tmp_path, TODAY) == first  # stable for the same inputs
    # No allowlist, local data: the date plays no part.
    assert audit_cache_key(base, tmp_path, TODAY + timedelta(days=9)) == first

    reqs.write_text("urllib3==1.24.2\n")
    assert audit_cache_key(base, tmp_path, TODAY) != first
    reqs.write_text("urllib3==1.24.1\n")
    assert audit_cache_key(base, tmp_path, TODAY) == first

    for policy in ({"block_at": "critical"}, {"unknown_severity_blocks": False},
                   {"fixable_only": True}):  # fmt: skip
        assert audit_cache_key(spec(reqs, advisories=data, **policy), tmp_path, TODAY) != first

    record = data / "vulns" / "urllib3" / "PYSEC-2019-133.yaml"
    record.write_text(record.read_text().replace("fixed: 1.24.2", "fixed: 1.24.3"))
    assert audit_cache_key(base, tmp_path, TODAY) != first


def test_cache_key_with_an_allowlist_changes_each_day(tmp_path: Path) -> None:
    reqs = write(tmp_path / "requirements.txt", "urllib3==1.24.1\n")
    entry = {"id": "PYSEC-2019-132", "reason": "r", "expires": TODAY}
    allowing = spec(reqs, advisories=tmp_path, allowlist=[entry])
    key = audit_cache_key(allowing, tmp_path, TODAY)
    assert key != audit_cache_key(spec(reqs, advisories=tmp_path), tmp_path, TODAY)
    assert audit_cache_key(allowing, tmp_path, TODAY + timedelta(days=1)) != key
    longer = spec(reqs, advisories=tmp_path, allowlist=[{**entry, "expires": "2030-01-01"}])
    assert audit_cache_key(longer, tmp_path, TODAY) != key


def test_cache_key_follows_a_zip_export(advisories: Path, tmp_path: Path) -> None:
    reqs = write(tmp_path / "requirements.txt", "urllib3==1.24.1\n")
    export = zip_export(advisories, ["urllib3"], tmp_path / "all.zip")
    first = audit_cache_key(spec(reqs, advisories=export), tmp_path, TODAY)
    zip_export(advisories, ["jinja2"], export)
    assert audit_cache_key(spec(reqs, advisories=export), tmp_path, TODAY) != first


def test_cache_key_sees_included_files_and_tolerates_missing_ones(tmp_path: Path) -> None:
    write(tmp_path / "base.txt", "urllib3==1.24.1\n")
    reqs = write(tmp_path / "requirements.txt", "-r base.txt\n")
    nowhere = tmp_path / "no-advisories"
    first = audit_cache_key(spec(reqs, advisories=nowhere), tmp_path)
    (tmp_path / "base.txt").write_text("urllib3==2.2.3\n")
    assert audit_cache_key(spec(reqs, advisories=nowhere), tmp_path) != first
    assert audit_cache_key(spec(tmp_path / "missing.txt", advisories=tmp_path), tmp_path)
