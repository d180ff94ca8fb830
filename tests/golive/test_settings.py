from __future__ import annotations

from pathlib import Path

import pytest

from golive import settings
from golive.errors import GoliveError


def test_home_defaults_to_dot_golive_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOLIVE_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert settings.home() == tmp_path.resolve() / ".golive"


def test_a_home_inside_a_prefect_workers_run_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_folder = tmp_path / "tmpk3x_9ab2prefect"  # tempfile's name, with the worker's suffix
    run_folder.mkdir()
    monkeypatch.delenv("GOLIVE_HOME", raising=False)
    monkeypatch.chdir(run_folder)
    with pytest.raises(GoliveError) as err:
        settings.home()
    message = str(err.value)
    assert "\n" not in message
    assert str(run_folder.resolve() / ".golive") in message and "GOLIVE_HOME" in message
