"""The launch manifest: the example loads; bad manifests end in one line naming file and field."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from golive.errors import ManifestError
from golive.manifest import load
from tests.conftest import port


def test_example_manifest_loads_with_paths_resolved(target: Path) -> None:
    m = load(target)
    assert m.target.name == "azora"
    assert {s.name for s in m.services if s.core} == {"api", "payments"}
    assert m.path(m.env.production).is_file()
    order = [s.name for s in m.services_in_start_order()]
    assert order.index("api") < order.index("assistant")  # assistant depends on api


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace(f"port = {port(18101)}", 'port = "high"'), r"services\[api\]\.port"),
        (
            lambda t: t.replace(f"port = {port(18101)}", "port = 80"),
            r"services\[api\]\.port: .*1024",
        ),
        (
            lambda t: t.replace('depends_on = ["api"]', 'depends_on = ["nope"]'),
            r"depends_on: no service named 'nope'",
        ),
        (
            lambda t: t.replace('[target]\nname = "azora"', '[target]\nname = "Azora!"'),
            r"target\.name",
        ),
        (
            lambda t: t.replace('locustfile = "locustfile.py"', 'locustfile = "gone.py"'),
            r"load\.locustfile: gone\.py does not exist",
        ),
        (lambda t: t + "\n[surprise]\nx = 1\n", r"surprise: Extra inputs are not permitted"),
        (lambda t: t.replace("[[services]]", "[[services]", 1), r"not valid TOML"),
        (
            lambda t: re.sub(r"\[audit\]\n", "[audit]\nadvisories_x = 1\n", t),
            r"audit\.advisories_x",
        ),
        (
            lambda t: t.replace("[env]\n", '[env]\npass_env = ["HTTP PROXY"]\n'),
            r"env\.pass_env\[0\]: String should match pattern",
        ),
    ],
)
def test_bad_manifest_is_one_line_naming_file_and_field(target: Path, edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    target.write_text(edit(target.read_text()))
    with pytest.raises(ManifestError) as err:
        load(target)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(target))
    assert re.search(expected, message), message


def test_missing_manifest_says_how_to_pass_one(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such manifest file; pass --manifest PATH, or the"):
        load(tmp_path / "launch.toml")


def test_a_missing_relative_manifest_names_the_folder_it_was_looked_for_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ManifestError) as err:
        load("examples/azora/launch.toml")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"examples/azora/launch.toml: no such manifest file in {tmp_path};")
    assert "`prefect deploy` ran in" in message


def test_the_targets_interpreter_is_relative_to_the_manifest_and_not_resolved(
    target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A virtual environment's bin/python is a symlink to the base interpreter: resolving it
    would run the target's code outside its environment."""
    monkeypatch.chdir(tmp_path)
    m = load(target)
    assert m.target.python == Path(".venv/bin/python")
    assert m.python == target.parent / ".venv" / "bin" / "python"
    assert m.python.is_symlink() and m.python.resolve() != m.python
    text = target.read_text().replace('python = ".venv/bin/python"\n', "")
    target.write_text(text)
    assert load(target).python == Path(sys.executable)
