"""golive.dryrun_migrations: the current revision is read in a read-only connection, on SQLite
(a file opened read-only, a missing one not made) and on PostgreSQL (a write is refused)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from golive.dryrun_migrations import read_only_revision
from golive.ledger.readonly import read_only_engine


def stamp(url: str, revision: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
    engine.dispose()


def test_sqlite_is_read_without_a_write_and_a_missing_file_is_not_made(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    stamp(f"sqlite:///{db}", "0003")
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    assert read_only_revision(f"sqlite:///{db}") == "0003"
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert read_only_revision(f"sqlite:///{tmp_path / 'none.db'}") is None
    assert not (tmp_path / "none.db").exists()


def test_postgresql_is_read_in_read_only_transactions(postgres_url: str) -> None:
    stamp(postgres_url, "0002")

    assert read_only_revision(postgres_url) == "0002"
    engine = read_only_engine(postgres_url)
    assert engine is not None
    with pytest.raises(SQLAlchemyError, match="read-only"), engine.connect() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'x'"))
    engine.dispose()
    assert read_only_revision(postgres_url) == "0002"


def test_an_empty_postgresql_database_has_no_revision(postgres_url: str) -> None:
    assert read_only_revision(postgres_url) is None
