"""golive.audit.severity: CVSS v3/v4 vectors scored with the cvss library, rated, or unknown."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from golive.audit import osv
from golive.audit.severity import (
    UNKNOWN,
    Rating,
    Severity,
    from_name,
    from_vector,
    of_record,
    worst,
)


@pytest.mark.parametrize(
    ("vector", "shown"),
    [
        # CVSS v3.1 specification examples (Heartbleed; a full-impact network flaw).
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "7.5 high"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "9.8 critical"),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "9.8 critical"),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", "2.8 low"),
        # CVSS v4.0: a full-impact network flaw, its local variant, and no impact at all.
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "9.3 critical"),
        ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "8.5 high"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", "0.0 none"),
    ],
)
def test_vectors_are_scored_and_rated(vector: str, shown: str) -> None:
    severity = from_vector(vector)
    assert severity is not None and str(severity) == shown


@pytest.mark.parametrize(
    "vector", ["", "AV:N/AC:L/Au:N/C:P/I:P/A:P", "CVSS:3.1/AV:N", "CVSS:4.0/AV:X/nonsense"]
)
def test_v2_and_malformed_vectors_give_no_severity(vector: str) -> None:
    assert from_vector(vector) is None


def test_names_and_worst() -> None:
    assert from_name("moderate").rating is Rating.MEDIUM  # npm's word
    assert from_name("info").rating is Rating.NONE
    assert from_name("CRITICAL").rating is Rating.CRITICAL
    assert from_name("bogus") == UNKNOWN and str(UNKNOWN) == "unknown"
    high = Severity(Rating.HIGH, 7.5)
    assert worst([UNKNOWN, high, Severity(Rating.HIGH, 7.1), Severity(Rating.LOW)]) == high
    assert worst([]) == UNKNOWN
    assert worst([UNKNOWN, Severity(Rating.NONE, 0.0)]).known  # any score beats unknown


def test_record_takes_its_worst_v3_or_v4_vector() -> None:
    record = {
        "id": "X-1",
        "severity": [
            {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"},
            {
                "type": "CVSS_V4",
                "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            },
            {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:C/I:C/A:C"},
        ],
    }
    assert str(of_record(record)) == "9.3 critical"
    assert of_record({"id": "X-2"}) == UNKNOWN


def test_real_records_urllib3(advisories: Path) -> None:
    records = {r["id"]: r for r in osv.load_records(advisories, ["urllib3"])}
    assert str(of_record(records["PYSEC-2023-192"])) == "8.1 high"
    assert str(of_record(records["PYSEC-2023-207"])) == "6.1 medium"
    assert of_record(records["PYSEC-2019-133"]) == UNKNOWN  # no severity entry at all


def test_every_vector_in_the_real_records_parses(advisories: Path) -> None:
    # The shipped records carry both kinds of vector the PyPA snapshot has, CVSS v3.0 and v3.1
    # (it has no v4.0; v4.0 is scored above on specification vectors): each one must score.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    kinds = set()
    scored = 0
    for path in osv.record_files(advisories):
        text = path.read_text(encoding="utf-8")
        if "CVSS:" not in text:
            continue
        record = yaml.load(text, Loader=loader)
        for entry in record["severity"]:
            assert from_vector(entry["score"]) is not None, (path.name, entry["score"])
            kinds.add(entry["score"].split("/", 1)[0])
        assert of_record(record).known, path.name
        scored += 1
    assert kinds == {"CVSS:3.0", "CVSS:3.1"}
    assert scored >= 5
