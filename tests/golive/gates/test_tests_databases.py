"""The tests gate's databases: a suite runs against a disposable database of its own by
default (made, migrated and seeded like production, dropped afterwards whatever happened), or
production's or none when it asks; its workdir, env_file and env."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from golive import disposable
from golive.envfile import Redactor, read_env
from golive.gates.migrate import migrate
from golive.gates.tests import SuiteDatabases
from golive.gates.tests import tests as run_gate
from golive.manifest import Manifest, load
from golive.results import Status
from tests.conftest import COMPOSED_PG, COMPOSED_SQLITE, composed_target, postgres_env


def suite_toml(mode: str, database: str = "", timeout: float = 120) -> str:
    line = f'database = "{database}"' if database else ""
    return f"""
[[suites]]
name = "wipe"
command = "python wipe.py {mode}"
workdir = "tests"
junit = "reports/junit.xml"
timeout = {timeout}
{line}
"""


def production(manifest: Path) -> tuple[Manifest, SuiteDatabases]:
    """The target's production database migrated, seeded and holding a customer's row."""
    m = load(manifest)
    env = read_env(m.path(m.env.production))
    url = m.database.source.compose(env)
    ini = m.path(m.database.alembic_ini)
    done = migrate(
        ini, env, url, m.root / "b", m.root / "e", Redactor(env), 60, (), "python seed.py"
    )
    assert done.status is Status.PASSED, done.summary
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO items (name) VALUES ('customer')"))
    engine.dispose()
    return m, SuiteDatabases(env, m.database.source, ini, 60, m.database.seed)


def rows(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT name FROM items ORDER BY name")).scalars().all()
    engine.dispose()
    return list(found)


def pg_exists(server_url: str, name: str) -> bool:
    engine = create_engine(server_url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        exists = found.scalar() is not None
    engine.dispose()
    return exists


@pytest.mark.parametrize(("mode", "status"), [("pass", Status.PASSED), ("fail", Status.FAILED)])
def test_a_wiping_suite_gets_a_disposable_postgres_database(
    tmp_path: Path,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    status: Status,
) -> None:
    env = postgres_env(postgres_url)
    m, world = production(composed_target(tmp_path, COMPOSED_PG, env, suite_toml(mode)))
    name = disposable.new_name()
    monkeypatch.setattr(disposable, "new_name", lambda: name)
    result = run_gate(m.suites, m.root, tmp_path / "evidence", (), world)
    assert result.status is status, result.summary
    assert (tmp_path / "suite-database.txt").read_text() == name  # it had its own
    assert rows(postgres_url) == ["customer", "seeded"]  # production's rows are all there
    assert not pg_exists(postgres_url, name)  # and the disposable one is gone


def test_a_suite_that_times_out_has_its_database_dropped_too(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = postgres_env(postgres_url)
    m, world = production(composed_target(tmp_path, COMPOSED_PG, env, suite_toml("hang", "", 2)))
    name = disposable.new_name()
    monkeypatch.setattr(disposable, "new_name", lambda: name)
    result = run_gate(m.suites, m.root, tmp_path / "evidence", (), world)
    assert result.status is Status.FAILED and "timed out" in result.summary
    assert rows(postgres_url) == ["customer", "seeded"]
    assert not pg_exists(postgres_url, name)


@pytest.mark.parametrize("mode", ["pass", "fail"])
def test_a_wiping_suite_gets_a_disposable_sqlite_file(tmp_path: Path, mode: str) -> None:
    env = {"DB_FILE": str(tmp_path / "production.db")}
    m, world = production(composed_target(tmp_path, COMPOSED_SQLITE, env, suite_toml(mode)))
    result = run_gate(m.suites, m.root, tmp_path / "evidence", (), world)
    assert result.status is (Status.PASSED if mode == "pass" else Status.FAILED)
    used = Path((tmp_path / "suite-database.txt").read_text())
    assert used != Path(env["DB_FILE"]) and used.name.startswith("golive_test_")
    assert not used.exists() and not used.parent.exists()
    assert rows(f"sqlite:///{env['DB_FILE']}") == ["customer", "seeded"]


def test_a_suite_that_asks_for_production_gets_it(tmp_path: Path) -> None:
    env = {"DB_FILE": str(tmp_path / "production.db")}
    manifest = composed_target(tmp_path, COMPOSED_SQLITE, env, suite_toml("pass", "production"))
    m, world = production(manifest)
    assert run_gate(m.suites, m.root, tmp_path / "e", (), world).status is Status.PASSED
    assert rows(f"sqlite:///{env['DB_FILE']}") == []  # it asked, and it wiped


def test_a_suite_without_a_database_gets_no_database_keys(tmp_path: Path) -> None:
    env = {"DB_FILE": str(tmp_path / "production.db")}
    m, world = production(
        composed_target(tmp_path, COMPOSED_SQLITE, env, suite_toml("pass", "none"))
    )
    result = run_gate(m.suites, m.root, tmp_path / "e", (), world)
    assert result.status is Status.FAILED  # wipe.py finds no DB_FILE and no POSTGRES_* keys
    assert rows(f"sqlite:///{env['DB_FILE']}") == ["customer", "seeded"]


DUMP_ENV = (
    'python -c "import json, os, pathlib; '
    "pathlib.Path('../env.json').write_text(json.dumps(dict(os.environ)))\""
)


def test_a_suite_gets_its_workdir_env_file_and_env(tmp_path: Path) -> None:
    env = {"DB_FILE": str(tmp_path / "production.db"), "API_TOKEN": "tok-" + "z" * 20}
    suite = f"""
[[suites]]
name = "env"
command = {json.dumps(DUMP_ENV)}
workdir = "tests"
junit = "reports/none.xml"
env_file = "tests/.env.test"
env = {{ APP_DB = "${{DB_FILE}}", MODE = "test", TOKEN = "${{API_TOKEN}}" }}
"""
    manifest = composed_target(tmp_path, COMPOSED_SQLITE, env, suite)
    (tmp_path / "tests" / ".env.test").write_text("MODE=from-file\nFROM_FILE=yes\n")
    m, world = production(manifest)
    run_gate(m.suites, m.root, tmp_path / "e", (), world)
    seen = json.loads((tmp_path / "env.json").read_text())
    assert seen["FROM_FILE"] == "yes" and seen["MODE"] == "test"  # env over env_file
    assert seen["TOKEN"] == env["API_TOKEN"]
    # ${DB_FILE} is the suite's own (disposable) database, the one in its DB_FILE too
    assert seen["APP_DB"] == seen["DB_FILE"] != env["DB_FILE"]
    assert Path(seen["APP_DB"]).name.startswith("golive_test_")
