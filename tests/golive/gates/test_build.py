"""The build gate: immutable, content-addressed releases in a store shared by environments."""

from __future__ import annotations

from pathlib import Path

from golive.gates.build import build
from golive.manifest import load
from tests.conftest import releases_of


def test_build_is_content_addressed_and_repeatable(target: Path, tmp_path: Path) -> None:
    m = load(target)
    first = build(m, m.services, tmp_path / "store")
    again = build(m, m.services, tmp_path / "store")
    assert first.output == again.output
    api = Path(releases_of(first)["api"].path)
    assert (api / "app.py").is_file() and (api / "azora_common" / "web.py").is_file()
    (target.parent / "services" / "api" / "app.py").write_text(
        (target.parent / "services" / "api" / "app.py").read_text() + "\n# changed\n"
    )
    changed = build(load(target), m.services, tmp_path / "store")
    assert releases_of(changed)["api"] != releases_of(first)["api"]
    assert releases_of(changed)["payments"] == releases_of(first)["payments"]


def test_a_release_leaves_out_env_files_virtualenvs_and_git(target: Path, tmp_path: Path) -> None:
    """A project whose service source is its root holds its own .venv, .git and env files;
    none of them may reach the shared release store (secrets) or change the release id."""
    m = load(target)
    before = releases_of(build(m, m.services, tmp_path / "store"))["api"]
    api_source = target.parent / "services" / "api"
    (api_source / ".env").write_text("SECRET_KEY=canary-secret-value\n")
    (api_source / "production.env").write_text("SECRET_KEY=canary-secret-value\n")
    for folder in (".venv", "venv", ".git"):
        (api_source / folder).mkdir()
        (api_source / folder / "marker.txt").write_text("machine-local\n")
    after = releases_of(build(load(target), m.services, tmp_path / "store"))["api"]
    assert after == before
    copied = {p.name for p in Path(after.path).rglob("*")}
    assert copied.isdisjoint({".env", "production.env", ".venv", "venv", ".git", "marker.txt"})
