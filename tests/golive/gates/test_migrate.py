"""The migrate gate on a real SQLite database with the example's real alembic revisions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from golive.envfile import Redactor
from golive.gates.migrate import current_revision, migrate
from golive.gates.outputs import MigrateOutput
from golive.results import Status
from tests.conftest import mode, output_of

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
