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
