"""The migrate gate with a composed database URL and a seed: alembic and the seed get the whole
env (the target builds its URL from POSTGRES_* keys), the seed runs after the upgrade, and a
failing seed is a NO-GO whose undo puts the database back as it was."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from golive.envfile import Redactor
from golive.gates.migrate import migrate, revert
from golive.gates.outputs import MigrateOutput
from golive.results import Status
from tests.conftest import COMPOSED_PG, COMPOSED_SQLITE, composed_target, output_of, postgres_env


def names(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT name FROM items ORDER BY name")).scalars().all()
    engine.dispose()
    return list(found)


def add_row(url: str, name: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO items (name) VALUES (:n)"), {"n": name})
    engine.dispose()


def run_gate(root: Path, env: dict[str, str], url: str, n: int) -> MigrateOutput:
    result = migrate(
        root / "alembic.ini",
        env,
        url,
        root / f"backups{n}",
        root / f"evidence{n}",
        Redactor(env),
        60,
        seed_command="python seed.py",
    )
    assert result.status is Status.PASSED, result.summary
    assert result.summary.endswith("; seed ran")
    return output_of(result, MigrateOutput)


def test_seed_runs_after_the_upgrade_with_the_composed_env(
    tmp_path: Path, postgres_url: str
) -> None:
    env = postgres_env(postgres_url)
    composed_target(tmp_path, COMPOSED_PG, env)
    first = run_gate(tmp_path, env, postgres_url, 1)
    assert first.seeded is True and first.after == "0001"
    assert names(postgres_url) == ["seeded"]
    again = run_gate(tmp_path, env, postgres_url, 2)  # idempotent by contract
    assert again.seeded is True and not again.applied
    assert names(postgres_url) == ["seeded"]


def test_a_failing_seed_is_no_go_and_the_database_is_put_back(
    tmp_path: Path, postgres_url: str
) -> None:
    env = postgres_env(postgres_url)
    composed_target(tmp_path, COMPOSED_PG, env)
    run_gate(tmp_path, env, postgres_url, 1)
    add_row(postgres_url, "customer")  # production's own data since the last launch
    (tmp_path / "seed-fails").touch()
    redact = Redactor(env)
    result = migrate(
        tmp_path / "alembic.ini",
        env,
        postgres_url,
        tmp_path / "b",
        tmp_path / "e",
        redact,
        60,
        seed_command="python seed.py",
    )
    assert result.status is Status.FAILED and result.blocks_launch
    assert "the seed failed (exit 1: seed: the superuser could not be created)" in result.summary
    assert env["POSTGRES_PASSWORD"] not in result.summary
    out = output_of(result, MigrateOutput)
    assert out.seeded is False and out.applied  # so the NO-GO's undo puts it back
    assert names(postgres_url) == ["customer", "half-seeded", "seeded"]
    line = revert(
        tmp_path / "alembic.ini",
        env,
        postgres_url,
        out.before,
        out.backup,
        redact,
        60,
        restore_first=out.seeded is False,
    )
    assert line.startswith("database: restored the backup"), line
    assert names(postgres_url) == ["customer", "seeded"]


def test_a_failing_seed_on_a_new_sqlite_database_is_undone_by_a_downgrade(tmp_path: Path) -> None:
    env = {"DB_FILE": str(tmp_path / "app.db")}
    composed_target(tmp_path, COMPOSED_SQLITE, env)
    (tmp_path / "seed-fails").touch()
    url = f"sqlite:///{env['DB_FILE']}"
    result = migrate(
        tmp_path / "alembic.ini",
        env,
        url,
        tmp_path / "b",
        tmp_path / "e",
        Redactor(env),
        60,
        seed_command="python seed.py",
    )
    assert result.status is Status.FAILED
    out = output_of(result, MigrateOutput)
    assert (out.before, out.after, out.seeded, out.backup) == (None, "0001", False, None)
    line = revert(
        tmp_path / "alembic.ini", env, url, None, None, Redactor(env), 60, restore_first=True
    )
    assert line == "database: downgraded to base"
    engine = create_engine(url)
    with engine.connect() as conn:
        assert not conn.dialect.has_table(conn, "items")
    engine.dispose()


def test_a_seed_that_cannot_start_is_no_go(tmp_path: Path) -> None:
    env = {"DB_FILE": str(tmp_path / "app.db")}
    composed_target(tmp_path, COMPOSED_SQLITE, env)
    result = migrate(
        tmp_path / "alembic.ini",
        env,
        f"sqlite:///{env['DB_FILE']}",
        tmp_path / "b",
        tmp_path / "e",
        Redactor(env),
        60,
        seed_command="no-such-seed-tool --go",
    )
    assert result.status is Status.FAILED
    assert "the seed failed (command not found: 'no-such-seed-tool'" in result.summary
    assert output_of(result, MigrateOutput).seeded is False
