"""golive.cache_keys: the keys the audit, tests and build tasks cache on (and `golive plan`
looks up) follow their inputs, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import cache_keys
from golive.cache_keys import build_key, cache_record
from golive.manifest import load


def test_the_tests_key_follows_the_source_tree_and_reads_env_only_when_a_suite_needs_it(
    target: Path,
) -> None:
    m = load(target)

    def no_env() -> dict[str, str]:
        raise AssertionError("the example's suite needs no env values")

    first = cache_keys.tests_key(m, no_env)
    assert cache_keys.tests_key(m, no_env) == first
    (target.parent / "tests" / "test_new.py").write_text("def test_x():\n    pass\n")
    assert cache_keys.tests_key(load(target), no_env) != first


def test_the_build_key_follows_a_service_source_and_the_store(target: Path, tmp_path: Path) -> None:
    m = load(target)
    first = build_key(m, m.services, tmp_path / "store")
    assert build_key(m, m.services, tmp_path / "other-store") != first
    (target.parent / "services" / "api" / "new.py").write_text("X = 1\n")
    assert build_key(load(target), load(target).services, tmp_path / "store") != first


def test_records_are_looked_up_where_prefect_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREFECT_RESULTS_LOCAL_STORAGE_PATH", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "ph"))
    assert cache_record("k") == tmp_path / "ph" / "storage" / "k"
    monkeypatch.setenv("PREFECT_RESULTS_LOCAL_STORAGE_PATH", str(tmp_path / "results"))
    assert cache_record("k") == tmp_path / "results" / "k"
