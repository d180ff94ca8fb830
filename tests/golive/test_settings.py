"""Where golive keeps its state: environment names, and nothing outside GOLIVE_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import settings
from golive.errors import GoliveError, InputError


@pytest.mark.parametrize("name", ["production", "staging-2", "p", "e2e", "a" * 60])
def test_an_environment_name_is_a_folder_inside_golive_home(name: str, golive_home: Path) -> None:
    assert settings.environment_dir(name) == golive_home.resolve() / "environments" / name
    assert settings.backup_dir(name) == golive_home.resolve() / "backups" / name


@pytest.mark.parametrize(
    "name", ["../../victim", "..", ".", "", "Production", "prod/a", "-x", "2nd", "a" * 61, "a\nb"]
)
def test_anything_else_is_refused_by_every_path_made_from_it(name: str, golive_home: Path) -> None:
    for make in (settings.environment_dir, settings.backup_dir):
        with pytest.raises(InputError, match=r"^--environment: .* is not an environment name"):
            make(name)
    with pytest.raises(InputError):
        settings.config_snapshot(name, 1)
    assert not golive_home.exists()


def test_a_link_out_of_golive_home_is_refused(golive_home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (golive_home / "environments").mkdir(parents=True)
    link = golive_home / "environments" / "production"
    link.symlink_to(elsewhere)
    with pytest.raises(InputError, match="resolves outside GOLIVE_HOME"):
        settings.environment_dir("production")
    link.unlink()  # the fixture stops what runs in each environment folder afterwards


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
