"""Database backups are private (0600 in a 0700 folder) whichever tool writes them, and pg_dump
gets libpq's settings but nothing else of the operator's environment."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from golive.backup import backup, libpq_env, restore
from tests.conftest import mode

pytestmark = pytest.mark.usefixtures("permissive_umask")


def test_a_sqlite_backup_is_private_and_restores(tmp_path: Path) -> None:
    db = tmp_path / "azora.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (email TEXT)")
        conn.execute("INSERT INTO users VALUES ('a@azora.test')")
    saved = backup(f"sqlite:///{db}", tmp_path / "backups")
    assert saved is not None and saved.kind == "sqlite"
    assert mode(saved.path) == 0o600 and mode(saved.path.parent) == 0o700
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM users")
    restore(f"sqlite:///{db}", saved)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT email FROM users").fetchall() == [("a@azora.test",)]


def test_a_pg_dump_backup_is_private(postgres_url: str, tmp_path: Path) -> None:
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE charges (amount_cents integer)"))
        conn.execute(text("INSERT INTO charges VALUES (1999)"))
    engine.dispose()
    saved = backup(postgres_url, tmp_path / "backups")
    assert saved is not None and saved.kind == "pg_dump" and saved.size > 0
    assert mode(saved.path) == 0o600 and mode(saved.path.parent) == 0o700


def test_libpq_tools_get_pg_settings_and_the_url_but_not_the_shell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGSSLMODE", "require")
    monkeypatch.setenv("PGPASSWORD", "from-the-shell")
    monkeypatch.setenv("GOLIVE_CANARY_TOKEN", "canary-0123456789")
    env = libpq_env(make_url("postgresql+psycopg://app:from-the-url@db.example:6432/azora"))
    assert env["PGSSLMODE"] == "require" and env["PGPASSWORD"] == "from-the-url"
    assert (env["PGHOST"], env["PGPORT"], env["PGDATABASE"]) == ("db.example", "6432", "azora")
    assert "GOLIVE_CANARY_TOKEN" not in env
