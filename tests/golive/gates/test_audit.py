"""The audit gate: real pip-audit against real PyPA advisory records, served locally."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from golive.gates.audit import audit, audit_cache_key, requirement_names
from golive.results import Category, Status

# Read off vulns/urllib3 and vulns/jinja2 of the snapshot: every record whose ECOSYSTEM range
# holds the pinned version. Not there: urllib3 PYSEC-2017-98 (1.17 to 1.18.1), PYSEC-2018-32
# (fixed 1.23), PYSEC-2020-149 (1.25.2 to 1.25.8), PYSEC-2021-59 (1.26.0 to 1.26.4); jinja2
# PYSEC-2014-8 (fixed 2.7.2), PYSEC-2014-82 (fixed 2.7.3), PYSEC-2019-220 (fixed 2.8.1).
# Values are pip-audit's fix_versions: every `fixed` event, sorted (2.x lines included).
URLLIB3_1_24_1 = {
    "PYSEC-2019-132": "1.24.3",
    "PYSEC-2019-133": "1.24.2",
    "PYSEC-2020-148": "1.25.9",
    "PYSEC-2021-108": "1.26.5",
    "PYSEC-2023-192": "1.26.17, 2.0.6",
    "PYSEC-2023-207": "1.24.2",
    "PYSEC-2023-212": "1.26.18, 2.0.7",
}
JINJA2_2_10 = {"PYSEC-2019-217": "2.10.1", "PYSEC-2021-66": "2.11.3"}


@pytest.fixture
def advisories(shared_advisories: Path) -> Path:
    return shared_advisories


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_vulnerable_pins_fail_and_block_with_their_pysec_ids(
    advisories: Path, tmp_path: Path
) -> None:
    reqs = write(tmp_path / "requirements.txt", "# pinned\nurllib3==1.24.1\nJinja2==2.10  # old\n")
    result = audit([reqs], advisories, tmp_path / "evidence")

    assert result.status is Status.FAILED and result.blocks_launch
    assert (result.gate, result.category) == ("audit", Category.SECURITY)
    by_package = {
        package: {d["id"]: d["fix_versions"] for d in result.details if d["package"] == package}
        for package in ("urllib3", "jinja2")
    }
    assert by_package == {"urllib3": URLLIB3_1_24_1, "jinja2": JINJA2_2_10}
    assert {d["version"] for d in result.details} == {"1.24.1", "2.10"}
    cve = next(d for d in result.details if d["id"] == "PYSEC-2019-133")["aliases"]
    assert set(cve.split(", ")) == {"CVE-2019-11324", "GHSA-mh33-7rrq-662w"}
    assert result.score == 0  # 9 findings at 25 points each
    first = result.details[0]
    assert result.summary.startswith(
        f"9 known vulnerabilities: {first['package']} {first['version']} ({first['id']})"
    )
    (evidence,) = result.evidence
    report = json.loads(Path(evidence).read_text())
    assert Path(evidence).parent == tmp_path / "evidence"
    assert {dep["name"] for dep in report["dependencies"]} == {"urllib3", "jinja2"}


def test_one_finding_scores_75(advisories: Path, tmp_path: Path) -> None:
    reqs = write(tmp_path / "requirements.txt", "jinja2==2.11.2\n")  # only PYSEC-2021-66
    result = audit([reqs], advisories, tmp_path)
    assert result.status is Status.FAILED and result.blocks_launch
    assert result.score == 75
    assert result.summary == "1 known vulnerability: jinja2 2.11.2 (PYSEC-2021-66)"


def test_fixed_pins_pass(advisories: Path, tmp_path: Path) -> None:
    # Newer than every urllib3/jinja2 range in the snapshot (dated 2024-10-10).
    reqs = write(tmp_path / "requirements.txt", "urllib3==2.2.3\njinja2==3.1.4\n")
    result = audit([reqs], advisories, tmp_path / "evidence")
    assert result.status is Status.PASSED and not result.blocks_launch
    assert result.score == 100 and result.details == []
    assert "no known vulnerabilities in 2" in result.summary
    assert json.loads(Path(result.evidence[0]).read_text())["dependencies"]


def test_several_files_are_each_audited(advisories: Path, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    clean = write(tmp_path / "a" / "requirements.txt", "urllib3==2.2.3\n")
    vulnerable = write(tmp_path / "b" / "requirements.txt", "jinja2==2.11.2\n")
    result = audit([clean, vulnerable], advisories, tmp_path / "evidence")
    assert result.status is Status.FAILED
    assert [d["id"] for d in result.details] == ["PYSEC-2021-66"]
    assert len(set(result.evidence)) == 2 and all(Path(p).is_file() for p in result.evidence)


def test_missing_requirements_file_is_named(tmp_path: Path) -> None:
    result = audit([tmp_path / "nope.txt"], tmp_path, tmp_path)
    assert result.status is Status.FAILED and result.blocks_launch
    assert "nope.txt" in result.summary and "not found" in result.summary


def test_pip_audit_error_is_blocking_and_names_file_and_cause(tmp_path: Path) -> None:
    # --no-deps cannot audit an unpinned requirement: pip-audit exits 1 without a report.
    reqs = write(tmp_path / "loose.txt", "urllib3==2.2.3\nrequests\n")
    (tmp_path / "advisories").mkdir()
    result = audit([reqs], tmp_path / "advisories", tmp_path / "evidence")
    assert result.status is Status.FAILED and result.blocks_launch
    assert str(reqs) in result.summary
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


def test_cache_key_follows_requirements_and_advisories(advisories: Path, tmp_path: Path) -> None:
    data = tmp_path / "advisories"
    for package in ("urllib3", "jinja2"):
        shutil.copytree(advisories / "vulns" / package, data / "vulns" / package)
    reqs = write(tmp_path / "requirements.txt", "urllib3==1.24.1\n")
    first = audit_cache_key([reqs], data)
    assert audit_cache_key([reqs], data) == first  # stable for the same inputs

    reqs.write_text("urllib3==1.24.2\n")
    assert audit_cache_key([reqs], data) != first
    reqs.write_text("urllib3==1.24.1\n")
    assert audit_cache_key([reqs], data) == first

    record = data / "vulns" / "urllib3" / "PYSEC-2019-133.yaml"
    record.write_text(record.read_text().replace("fixed: 1.24.2", "fixed: 1.24.3"))
    assert audit_cache_key([reqs], data) != first


def test_cache_key_sees_included_files_and_tolerates_missing_ones(tmp_path: Path) -> None:
    write(tmp_path / "base.txt", "urllib3==1.24.1\n")
    reqs = write(tmp_path / "requirements.txt", "-r base.txt\n")
    first = audit_cache_key([reqs], tmp_path / "no-advisories")
    (tmp_path / "base.txt").write_text("urllib3==2.2.3\n")
    assert audit_cache_key([reqs], tmp_path / "no-advisories") != first
    assert audit_cache_key([tmp_path / "missing.txt"], tmp_path)  # a key, not an exception
