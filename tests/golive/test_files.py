"""Private files and folders: what golive writes that may hold data is 0600, its folders 0700."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.envfile import Redactor
from golive.files import (
    append_private,
    copy_private,
    copy_tree_private,
    private_dir,
    private_file,
    write_private,
)
from tests.conftest import mode

pytestmark = pytest.mark.usefixtures("permissive_umask")


def test_private_dir_makes_every_folder_it_creates_0700_and_tightens_its_own(
    tmp_path: Path,
) -> None:
    (tmp_path / "home").mkdir(mode=0o755)
    deep = private_dir(tmp_path / "home" / "launches" / "7" / "evidence")
    assert deep.is_dir()
    for folder in (deep, deep.parent, deep.parent.parent):
        assert mode(folder) == 0o700, folder
    assert mode(private_dir(tmp_path / "home")) == 0o700


def test_write_private_replaces_the_file_0600_and_leaves_existing_folders_alone(
    tmp_path: Path,
) -> None:
    tmp_path.chmod(0o755)
    path = tmp_path / "report.json"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new\n")
    assert path.read_text() == "new\n" and mode(path) == 0o600
    assert mode(tmp_path) == 0o755  # e.g. the folder a user's --report-json names
    nested = write_private(tmp_path / "a" / "b" / "c.md", b"bytes")
    assert nested.read_bytes() == b"bytes" and mode(nested) == 0o600
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_append_private_and_private_file_tighten_a_file_made_before(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "api.log"
    log.parent.mkdir()
    log.write_text("line 1\n")
    log.chmod(0o644)
    with append_private(log) as handle:
        handle.write(b"line 2\n")
    assert log.read_text() == "line 1\nline 2\n" and mode(log) == 0o600
    dump = private_file(tmp_path / "backups" / "azora.dump")
    assert dump.read_bytes() == b"" and mode(dump) == 0o600


def test_a_copied_tree_is_private_and_redacted_on_the_way(tmp_path: Path) -> None:
    secret = "9f6b5d7287d3fd424c61ded8d2b455692225de83a04f20235ae37a8810174357"
    logs = tmp_path / "logs"
    (logs / "nested").mkdir(parents=True)
    (logs / "api.log").write_text(f"started with jwt {secret[:16]}\n")
    (logs / "nested" / "payments.log").write_text("nothing secret\n")
    dest = tmp_path / "evidence" / "service-logs"
    copy_tree_private(logs, dest, Redactor({"JWT_SECRET": secret}, ["JWT_SECRET"]))
    assert (dest / "api.log").read_text() == "started with jwt <JWT_SECRET>\n"
    assert (dest / "nested" / "payments.log").read_text() == "nothing secret\n"
    assert {mode(p) for p in dest.rglob("*") if p.is_file()} == {0o600}
    assert {mode(p) for p in [dest, *dest.rglob("*")] if p.is_dir()} == {0o700}


def test_a_plain_copy_is_byte_for_byte_and_private(tmp_path: Path) -> None:
    src = tmp_path / "junit.xml"
    src.write_bytes(b"<?xml version='1.0'?>\xe2\x9c\x93")
    src.chmod(0o644)
    dest = copy_private(src, tmp_path / "evidence" / "junit-unit.xml")
    assert dest.read_bytes() == src.read_bytes() and mode(dest) == 0o600
