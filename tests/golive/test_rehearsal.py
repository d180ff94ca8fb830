"""A rehearsal of a target whose database URL is composed from POSTGRES_* keys gets a
database of its own: golive rewrites the key that holds the database's name, so the target's
own code reaches the rehearsal's database, and production's is never touched."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from golive.context import LaunchContext
from golive.gates.migrate import migrate
from golive.results import Status
from tests.conftest import COMPOSED_PG, composed_target, postgres_env


def rows(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT name FROM items ORDER BY name")).scalars().all()
    engine.dispose()
    return list(found)


def database_exists(url: str) -> bool:
    parsed = make_url(url)
    engine = create_engine(parsed.set(database="postgres"))
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).scalar()
    engine.dispose()
    return found is not None


def migrate_in(ctx: LaunchContext) -> None:
    m = ctx.manifest
    result = migrate(
        m.path(m.database.alembic_ini),
        ctx.env_values(),
        ctx.database_url(),
        ctx.environment_dir / "b",
        ctx.environment_dir / "e",
        ctx.redactor(),
        60,
        seed_command=m.database.seed,
    )
    assert result.status is Status.PASSED, result.summary


def test_a_rehearsal_with_a_composed_url_gets_its_own_database(
    tmp_path: Path, postgres_url: str, golive_home: Path
) -> None:
    env = postgres_env(postgres_url)
    manifest = composed_target(tmp_path / "target", COMPOSED_PG, env)
    live = LaunchContext(1, manifest, "production", "full", False)
    migrate_in(live)
    assert live.database_url() == postgres_url
    rehearsal = LaunchContext(2, manifest, "production-rehearsal", "full", True)
    lines = rehearsal.prepare_rehearsal()
    own = rehearsal.env_values()
    assert own["POSTGRES_DB"] == f"{env['POSTGRES_DB']}_rehearsal_2", lines
    assert {k: v for k, v in own.items() if k != "POSTGRES_DB"} == {
        k: v for k, v in env.items() if k != "POSTGRES_DB"
    }
    url = rehearsal.database_url()
    assert make_url(url).database == own["POSTGRES_DB"]
    assert rows(url) == ["seeded"]  # a copy of production's data
    migrate_in(rehearsal)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM items"))
    engine.dispose()
    assert rows(postgres_url) == ["seeded"]  # production untouched
    # What golive writes never holds the password, even inside the composed URL.
    assert env["POSTGRES_PASSWORD"] not in rehearsal.redactor()(f"could not reach {url}")
    rehearsal.teardown()
    assert not database_exists(url)
    assert database_exists(postgres_url)
