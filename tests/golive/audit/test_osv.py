"""golive.audit.osv: which versions a record affects, loading records, and the local endpoint."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from golive.audit import AdvisoryDataError, osv


def record(
    package: str = "demo-pkg",
    *,
    events: list[dict[str, str]] | None = None,
    versions: list[str] | None = None,
    ecosystem: str = "PyPI",
    **extra: Any,
) -> dict[str, Any]:
    affected: dict[str, Any] = {"package": {"name": package, "ecosystem": ecosystem}}
    if events is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        affected["versions"] = versions
    return {"id": extra.pop("id", "TEST-1"), "affected": [affected], **extra}


def write_yaml(folder: Path, rec: dict[str, Any]) -> Path:
    path = folder / "vulns" / rec["affected"][0]["package"]["name"] / f"{rec['id']}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(rec))
    return path


def loaded(tmp_path: Path, rec: dict[str, Any]) -> dict[str, Any]:
    """rec as it comes back from disk, so the tests exercise what the server really holds."""
    write_yaml(tmp_path, rec)
    (found,) = osv.load_records(tmp_path, [rec["affected"][0]["package"]["name"]])
    return found


def test_range_with_fixed_covers_introduced_up_to_but_not_fixed(tmp_path: Path) -> None:
    rec = loaded(tmp_path, record(events=[{"introduced": "1.0"}, {"fixed": "1.5"}]))
    assert not osv.affects(rec, "demo-pkg", "0.9")
    assert osv.affects(rec, "demo-pkg", "1.0")
    assert osv.affects(rec, "demo-pkg", "1.4.9")
    assert osv.affects(rec, "demo-pkg", "1.5rc1")  # a pre-release of the fix is still before it
    assert not osv.affects(rec, "demo-pkg", "1.5")
    assert not osv.affects(rec, "demo-pkg", "2.0")


def test_introduced_zero_means_from_the_first_release(tmp_path: Path) -> None:
    rec = loaded(tmp_path, record(events=[{"introduced": "0"}, {"fixed": "2.0"}]))
    assert osv.affects(rec, "demo-pkg", "0.0.1")
    assert osv.affects(rec, "demo-pkg", "1.99")
    assert not osv.affects(rec, "demo-pkg", "2.0.0")


def test_several_introduced_fixed_pairs_leave_gaps(tmp_path: Path) -> None:
    events = [{"introduced": "2.0"}, {"fixed": "2.1"}, {"introduced": "1.0"}, {"fixed": "1.2"}]
    rec = loaded(tmp_path, record(events=events))  # deliberately out of order
    assert osv.affects(rec, "demo-pkg", "1.1")
    assert not osv.affects(rec, "demo-pkg", "1.5")
    assert osv.affects(rec, "demo-pkg", "2.0.5")
    assert not osv.affects(rec, "demo-pkg", "2.1")


def test_last_affected_includes_that_version_only(tmp_path: Path) -> None:
    rec = loaded(tmp_path, record(events=[{"introduced": "0"}, {"last_affected": "2.3"}]))
    assert osv.affects(rec, "demo-pkg", "2.3")
    assert osv.affects(rec, "demo-pkg", "2.3.0")
    assert not osv.affects(rec, "demo-pkg", "2.3.1")


def test_explicit_versions_list(tmp_path: Path) -> None:
    rec = loaded(tmp_path, record(versions=["1.10", "3.0rc1"]))
    assert osv.affects(rec, "demo-pkg", "3.0rc1")
    assert osv.affects(rec, "demo-pkg", "1.10.0")  # the same release as "1.10"
    assert not osv.affects(rec, "demo-pkg", "3.0")
    assert not osv.affects(rec, "demo-pkg", "1.1")


def test_withdrawn_record_affects_nothing(tmp_path: Path) -> None:
    rec = record(events=[{"introduced": "0"}], versions=["1.0"], withdrawn="2023-06-06T10:37:00Z")
    assert not osv.affects(loaded(tmp_path, rec), "demo-pkg", "1.0")


def test_names_are_compared_pep503_normalised_and_ecosystem_must_be_pypi(tmp_path: Path) -> None:
    rec = loaded(tmp_path, record("Demo_Pkg.Extra", events=[{"introduced": "0"}]))
    for spelling in ("demo-pkg-extra", "DEMO.PKG_extra", "demo--pkg__extra"):
        assert osv.affects(rec, spelling, "1.0")
    assert not osv.affects(rec, "demo-pkg", "1.0")
    npm = record("demo-pkg", events=[{"introduced": "0"}], ecosystem="npm")
    assert not osv.affects(npm, "demo-pkg", "1.0")


def test_load_parses_only_files_naming_a_wanted_package(tmp_path: Path) -> None:
    write_yaml(tmp_path, record("Wanted_Pkg", id="A-1", events=[{"introduced": "0"}]))
    write_yaml(tmp_path, record("other", id="B-1", events=[{"introduced": "0"}]))
    broken = tmp_path / "vulns" / "unrelated" / "C-1.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("id: [unclosed\n")  # never parsed: it does not mention wanted-pkg
    assert [r["id"] for r in osv.load_records(tmp_path, ["wanted-pkg"])] == ["A-1"]
    assert osv.load_records(tmp_path, []) == []


def test_load_reads_json_and_turns_yaml_timestamps_into_rfc3339_z(tmp_path: Path) -> None:
    (tmp_path / "J-1.json").write_text(json.dumps(record(id="J-1", published="2020-01-02")))
    (tmp_path / "Y-1.yml").write_text(
        "id: Y-1\npublished: 2020-08-05T14:15:00Z\nmodified: 2023-11-07T20:24:23.946863+01:00\n"
        "affected:\n- package: {name: demo-pkg, ecosystem: PyPI}\n"
    )
    by_id = {r["id"]: r for r in osv.load_records(tmp_path, ["demo-pkg"])}
    assert by_id["Y-1"]["published"] == "2020-08-05T14:15:00Z"
    assert by_id["Y-1"]["modified"] == "2023-11-07T19:24:23.946863Z"
    assert by_id["J-1"]["published"] == "2020-01-02T00:00:00Z"
    json.dumps(by_id)  # everything the server will send is JSON-serialisable


def test_load_names_a_bad_record_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("- demo-pkg\n")
    with pytest.raises(AdvisoryDataError, match=r"bad\.yaml"):
        osv.load_records(tmp_path, ["demo-pkg"])
    with pytest.raises(AdvisoryDataError, match="not found"):
        osv.load_records(tmp_path / "absent", ["demo-pkg"])


def test_real_record_urllib3_pysec_2019_133(advisories: Path) -> None:
    records = osv.load_records(advisories, ["urllib3"])
    (rec,) = [r for r in records if r["id"] == "PYSEC-2019-133"]  # fixed in 1.24.2
    assert osv.affects(rec, "urllib3", "1.24.1")
    assert osv.affects(rec, "URLLib3", "0.3")
    assert not osv.affects(rec, "urllib3", "1.24.2")
    assert not osv.affects(rec, "urllib3", "2.2.3")
    assert rec["published"].endswith("Z")


def test_endpoint_answers_only_with_records_affecting_the_version(tmp_path: Path) -> None:
    records = [
        record(id="HIT-1", events=[{"introduced": "0"}, {"fixed": "2.0"}]),
        record(id="MISS-1", events=[{"introduced": "3.0"}]),
        record(id="GONE-1", events=[{"introduced": "0"}], withdrawn="2023-01-01T00:00:00Z"),
    ]
    with osv.serve(records) as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1/query")

        def query(name: str, version: str) -> Any:
            body = {"package": {"name": name, "ecosystem": "PyPI"}, "version": version}
            response = httpx.post(url, json=body)
            assert response.status_code == 200
            return response.json()

        assert [v["id"] for v in query("Demo_Pkg", "1.0")["vulns"]] == ["HIT-1"]
        assert query("demo-pkg", "2.5") == {}
        assert query("unknown", "1.0") == {}
        assert httpx.post(url.replace("/v1/query", "/v1/other"), json={}).status_code == 404
        assert httpx.post(url, content=b"not json").status_code == 400
    with pytest.raises(httpx.ConnectError):  # shut down: the port no longer answers
        httpx.post(url, json={}, timeout=2)


def test_advisory_digest_follows_paths_and_bytes(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, record(events=[{"introduced": "0"}]))
    (tmp_path / "README.md").write_text("not a record")
    first = osv.advisory_digest(tmp_path)
    (tmp_path / "README.md").write_text("still not a record")
    assert osv.advisory_digest(tmp_path) == first
    path.write_text(path.read_text() + "summary: changed\n")
    changed = osv.advisory_digest(tmp_path)
    assert changed != first
    path.rename(path.with_name("RENAMED.yaml"))
    assert osv.advisory_digest(tmp_path) not in (first, changed)


def write_zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_load_reads_a_zip_export_in_place(tmp_path: Path) -> None:
    export = write_zip(
        tmp_path / "all.zip",
        {
            "Z-1.json": json.dumps(record(id="Z-1", events=[{"introduced": "0"}])),
            "nested/Z-2.yaml": yaml.safe_dump(record(id="Z-2", published="2021-03-04")),
            "other/O-1.json": json.dumps(record("other", id="O-1")),
            "README.md": "demo-pkg: not a record",
        },
    )
    found = osv.load_records(export, ["demo-pkg"])
    assert [r["id"] for r in found] == ["Z-1", "Z-2"]
    assert found[1]["published"] == "2021-03-04T00:00:00Z"
    assert osv.affects(found[0], "demo-pkg", "1.0")
    assert not list(tmp_path.glob("Z-*"))  # nothing extracted to disk


def test_zip_export_errors_name_the_archive_and_member(tmp_path: Path) -> None:
    export = write_zip(tmp_path / "all.zip", {"bad/B-1.json": '{"no id": "demo-pkg"}'})
    with pytest.raises(AdvisoryDataError, match=r"all\.zip:bad/B-1\.json: not an OSV record"):
        osv.load_records(export, ["demo-pkg"])
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(AdvisoryDataError, match=r"broken\.zip: not a readable zip"):
        osv.load_records(tmp_path / "broken.zip", ["demo-pkg"])
    with pytest.raises(AdvisoryDataError, match="advisory data not found"):
        osv.load_records(tmp_path / "absent.zip", ["demo-pkg"])


def test_advisory_digest_of_a_zip_follows_its_bytes(tmp_path: Path) -> None:
    export = write_zip(tmp_path / "all.zip", {"Z-1.json": json.dumps(record(id="Z-1"))})
    first = osv.advisory_digest(export)
    assert osv.advisory_digest(export) == first
    write_zip(export, {"Z-1.json": json.dumps(record(id="Z-1", summary="changed"))})
    assert osv.advisory_digest(export) != first
