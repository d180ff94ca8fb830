"""The migrate gate against a real PostgreSQL: one transaction, backups, restore, revert."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from golive import runner
from golive.backup import backup, restore
from golive.envfile import Redactor
from golive.gates.migrate import current_revision, migrate, plan_sql, revert
from golive.gates.outputs import MigrateOutput
from golive.results import Status
from tests.conftest import output_of

BROKEN = '''"""Broken.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(40)))
    raise RuntimeError("backfill failed halfway")
'''


def upgrade_to(ini: Path, url: str, revision: str) -> None:
    done = runner.run(
        [sys.executable, "-m", "alembic", "-c", str(ini), "upgrade", revision],
        cwd=ini.parent,
        env=runner.child_env({"DATABASE_URL": url}),
    )
    assert done.ok, done.tail()


def catalog(url: str) -> list[tuple[object, ...]]:
    """Every column and index of the public schema, and the stamped revision."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT table_name, column_name, data_type, is_nullable"
                " FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2"
            )
        ).all()
        rows += conn.execute(
            text(
                "SELECT tablename, indexname, indexdef, ''"
                " FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_upgrade_to_head_with_a_pg_dump_backup(
    target: Path, postgres_url: str, tmp_path: Path
) -> None:
    ini = target.parent / "alembic.ini"
    upgrade_to(ini, postgres_url, "0001")
    result = migrate(
        ini,
        {"DATABASE_URL": postgres_url},
        postgres_url,
        tmp_path / "b",
        tmp_path / "e",
        Redactor({}),
    )
    assert result.status is Status.PASSED, result.summary
    assert current_revision(postgres_url) == "0003"
    assert result.summary == "upgraded 0001 -> 0003 (2 revisions)"
    saved = output_of(result, MigrateOutput).backup
    assert saved is not None
    assert saved.kind == "pg_dump" and saved.size > 0 and len(saved.sha256) == 64
    sql = (tmp_path / "e" / "upgrade.sql").read_text()
    assert "CREATE TABLE charges" in sql and "CREATE TABLE users" not in sql


def test_a_failing_revision_leaves_the_schema_exactly_as_it_was(
    target: Path, postgres_url: str, tmp_path: Path
) -> None:
    ini = target.parent / "alembic.ini"
    upgrade_to(ini, postgres_url, "0002")
    before = catalog(postgres_url)
    (target.parent / "migrations" / "versions" / "0004_broken.py").write_text(BROKEN)
    result = migrate(
        ini,
        {"DATABASE_URL": postgres_url},
        postgres_url,
        tmp_path / "b",
        tmp_path / "e",
        Redactor({}),
    )
    assert result.status is Status.FAILED and result.blocks_launch
    assert (
        "failed at revision 0004" in result.summary and "backfill failed halfway" in result.summary
    )
    assert "the database is at 0002" in result.summary
    assert catalog(postgres_url) == before  # 0003 and half of 0004 rolled back with it


def test_dry_run_sql_changes_nothing(target: Path, postgres_url: str) -> None:
    ini = target.parent / "alembic.ini"
    upgrade_to(ini, postgres_url, "0002")
    before = catalog(postgres_url)
    sql = plan_sql(ini, {"DATABASE_URL": postgres_url}, postgres_url)
    assert (
        "CREATE TABLE conversations" in sql
        and "UPDATE alembic_version SET version_num='0003'" in sql
    )
    assert catalog(postgres_url) == before
    upgrade_to(ini, postgres_url, "head")
    assert plan_sql(ini, {"DATABASE_URL": postgres_url}, postgres_url) == ""


def test_backup_then_restore_round_trips_schema_and_data(
    target: Path, postgres_url: str, tmp_path: Path
) -> None:
    ini = target.parent / "alembic.ini"
    upgrade_to(ini, postgres_url, "0002")
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO users (email, name, created_at) VALUES ('a@x.test', 'A', now())")
        )
    saved = backup(postgres_url, tmp_path)
    assert saved is not None
    schema = catalog(postgres_url)
    upgrade_to(ini, postgres_url, "head")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users"))
    restore(postgres_url, saved)
    assert catalog(postgres_url) == schema  # the table 0003 created is gone again
    with engine.connect() as conn:
        assert conn.execute(text("SELECT email FROM users")).scalars().all() == ["a@x.test"]
    engine.dispose()


def test_revert_downgrades_or_restores_when_a_revision_cannot(
    target: Path, postgres_url: str, tmp_path: Path
) -> None:
    ini = target.parent / "alembic.ini"
    upgrade_to(ini, postgres_url, "0001")
    schema = catalog(postgres_url)
    result = migrate(
        ini,
        {"DATABASE_URL": postgres_url},
        postgres_url,
        tmp_path / "b",
        tmp_path / "e",
        Redactor({}),
    )
    line = revert(ini, {"DATABASE_URL": postgres_url}, postgres_url, "0001", None, Redactor({}))
    assert line == "database: downgraded to 0001" and catalog(postgres_url) == schema

    # A revision with no way down: the backup the gate took is restored instead.
    third = target.parent / "migrations" / "versions" / "0003_conversations.py"
    third.write_text(
        third.read_text().replace(
            "def downgrade() -> None:\n",
            "def downgrade() -> None:\n    raise NotImplementedError('one way')\n",
        )
    )
    result = migrate(
        ini,
        {"DATABASE_URL": postgres_url},
        postgres_url,
        tmp_path / "b2",
        tmp_path / "e2",
        Redactor({}),
    )
    saved = output_of(result, MigrateOutput).backup
    line = revert(ini, {"DATABASE_URL": postgres_url}, postgres_url, "0001", saved, Redactor({}))
    assert line.startswith("database: downgrade to 0001 failed") and "restored the backup" in line
    assert catalog(postgres_url) == schema
