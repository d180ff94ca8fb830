"""The migrate gate on a real SQLite database with the example's real alembic revisions."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from golive.envfile import Redactor
from golive.gates.migrate import current_revision, migrate, revert
from golive.gates.outputs import MigrateOutput
from golive.manifest import load
from golive.results import Status
from golive.validate import check_alembic_ini
from tests.conftest import TARGET_ONLY, mode, output_of, target_interpreter

BROKEN_REVISION = '''"""A revision that raises.

Revision ID: 0004
Revises: 0003
"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    raise RuntimeError("column type change not supported")


def downgrade() -> None:
    pass
'''


def test_upgrades_an_empty_database_to_head_then_is_idempotent(
    target: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'azora.db'}"
    ini = target.parent / "alembic.ini"
    first = migrate(
        ini, {"DATABASE_URL": url}, url, tmp_path / "backups", tmp_path / "evidence", Redactor({})
    )
    assert first.status is Status.PASSED, first.summary
    assert current_revision(url) == "0003"
    assert [d["revision"] for d in first.details] == ["0001", "0002", "0003"]
    with sqlite3.connect(tmp_path / "azora.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"users", "charges", "conversations"} <= tables

    second = migrate(
        ini, {"DATABASE_URL": url}, url, tmp_path / "backups", tmp_path / "evidence", Redactor({})
    )
    assert second.status is Status.PASSED and "already at head" in second.summary
    saved = output_of(second, MigrateOutput).backup
    assert saved is not None and saved.path.is_file()  # taken first
    # The SQL was rendered beside reading the heads; at head, the evidence says nothing runs.
    assert (tmp_path / "evidence" / "upgrade.sql").read_text() == ""


def test_the_heads_are_read_while_the_upgrade_sql_is_rendered(target: Path, tmp_path: Path) -> None:
    """No timing: an interpreter whose `alembic heads` refuses to go on until the SQL render
    has started (a bounded wait, for a gate that reads them one after the other)."""
    rendering = tmp_path / "rendering"
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.write_text(
        "#!/bin/bash\n"
        'case " $* " in\n'
        f'  *" --sql "*) touch {rendering} ;;\n'
        '  *" heads "*)\n'
        f"    for _ in $(seq 600); do [ -e {rendering} ] && break; sleep 0.1; done\n"
        f'    [ -e {rendering} ] || {{ echo "heads read before the SQL render" >&2; exit 1; }} ;;\n'
        "esac\n"
        f'exec {sys.executable} "$@"\n'
    )
    python.chmod(0o755)
    ini, url = target.parent / "alembic.ini", f"sqlite:///{tmp_path / 'azora.db'}"
    env = {"DATABASE_URL": url}
    result = migrate(ini, env, url, tmp_path / "b", tmp_path / "e", Redactor({}), python=python)
    assert result.status is Status.PASSED, result.summary
    assert "CREATE TABLE users" in (tmp_path / "e" / "upgrade.sql").read_text()


def test_a_revision_that_raises_blocks_naming_the_revision(target: Path, tmp_path: Path) -> None:
    (target.parent / "migrations" / "versions" / "0004_broken.py").write_text(BROKEN_REVISION)
    url = f"sqlite:///{tmp_path / 'azora.db'}"
    result = migrate(
        target.parent / "alembic.ini",
        {"DATABASE_URL": url},
        url,
        tmp_path / "b",
        tmp_path / "e",
        Redactor({}),
    )
    assert result.status is Status.FAILED and result.blocks_launch
    assert "revision 0004" in result.summary
    assert "column type change not supported" in result.summary


def test_unreachable_database_is_said_without_the_url(target: Path, tmp_path: Path) -> None:
    url = "postgresql+psycopg://app:hunter2-secret@127.0.0.1:1/azora"
    result = migrate(
        target.parent / "alembic.ini",
        {"DATABASE_URL": url},
        url,
        tmp_path,
        tmp_path,
        Redactor({"DATABASE_URL": url}),
    )
    assert result.status is Status.FAILED
    assert "the database cannot be reached" in result.summary
    assert "hunter2" not in result.summary


def test_a_database_made_by_the_gate_and_its_evidence_are_private(
    target: Path, tmp_path: Path
) -> None:
    db = tmp_path / "data" / "azora.db"
    db.parent.mkdir()
    url = f"sqlite:///{db}"
    assert current_revision(url) is None and not db.exists()  # reading creates nothing
    ini = target.parent / "alembic.ini"
    result = migrate(ini, {"DATABASE_URL": url}, url, tmp_path / "b", tmp_path / "e", Redactor({}))
    assert result.status is Status.PASSED, result.summary
    assert mode(db) == 0o600  # created by alembic, golive's child
    sql = tmp_path / "e" / "upgrade.sql"
    assert "CREATE TABLE users" in sql.read_text() and mode(sql) == 0o600


def test_alembic_runs_with_the_targets_interpreter(target: Path, tmp_path: Path) -> None:
    """Revisions importing what only the target's environment has: golive's interpreter cannot
    even read the heads; the target's upgrades to head and downgrades again."""
    first = next((target.parent / "migrations" / "versions").glob("0001_*.py"))
    first.write_text(f"import {TARGET_ONLY}\n" + first.read_text())
    python = target_interpreter(tmp_path / "target-venv")
    ini, url = target.parent / "alembic.ini", f"sqlite:///{tmp_path / 'azora.db'}"
    ours = migrate(ini, {"DATABASE_URL": url}, url, tmp_path / "b", tmp_path / "e", Redactor({}))
    assert ours.status is Status.FAILED and TARGET_ONLY in ours.summary, ours.summary
    result = migrate(
        ini, {"DATABASE_URL": url}, url, tmp_path / "b", tmp_path / "e", Redactor({}), python=python
    )
    assert result.status is Status.PASSED, result.summary
    assert current_revision(url) == output_of(result, MigrateOutput).heads[0] == "0003"
    line = revert(ini, {"DATABASE_URL": url}, url, None, None, Redactor({}), python=python)
    assert line == "database: downgraded to base" and current_revision(url) is None


def test_a_target_without_alembic_is_told_so(target: Path, tmp_path: Path) -> None:
    bare = target_interpreter(tmp_path / "bare-venv", with_golive_packages=False)
    ini, url = target.parent / "alembic.ini", f"sqlite:///{tmp_path / 'azora.db'}"
    result = migrate(
        ini, {"DATABASE_URL": url}, url, tmp_path / "b", tmp_path / "e", Redactor({}), python=bare
    )
    assert result.status is Status.FAILED
    assert f"the target's interpreter {bare} has no alembic" in result.summary
    assert current_revision(url) is None


@pytest.mark.parametrize("location", ["app/alembic", "%(here)s/app/alembic"])
def test_script_location_is_relative_to_the_ini_as_alembic_reads_it(
    location: str, target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ini whose script_location is relative to its own folder, golive run from another."""
    folder = target.parent
    (folder / "app").mkdir()
    shutil.move(folder / "migrations", folder / "app" / "alembic")
    ini = folder / "alembic.ini"
    text = ini.read_text().replace("script_location = %(here)s/migrations", "")
    ini.write_text(text.replace("[alembic]\n", f"[alembic]\nscript_location = {location}\n"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    check_alembic_ini(load(target), target)  # no error: the folder is found where alembic looks
    url = f"sqlite:///{tmp_path / 'azora.db'}"
    result = migrate(ini, {"DATABASE_URL": url}, url, tmp_path / "b", tmp_path / "e", Redactor({}))
    assert result.status is Status.PASSED, result.summary
    assert current_revision(url) == "0003"
