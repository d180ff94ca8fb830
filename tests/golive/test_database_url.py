"""golive.database_url: a URL key or a URL composed from env keys, and rewriting the key that
holds the database's name; the manifest's and the static checks' rules about them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from golive.context import LaunchContext
from golive.database_url import DatabaseUrl, UrlTemplateError
from golive.errors import EnvFileError, ManifestError
from golive.manifest import load
from golive.manifest.system import Database
from golive.validate import check_target
from tests.conftest import COMPOSED_PG, COMPOSED_SQLITE, composed_target, run_golive

PG_ENV = {
    "POSTGRES_SERVER": "db.internal",
    "POSTGRES_PORT": "6543",
    "POSTGRES_USER": "app",
    "POSTGRES_PASSWORD": "p@ss/w:rd?x",
    "POSTGRES_DB": "shop",
}


def test_a_composed_url_is_built_from_the_keys_with_the_password_escaped() -> None:
    source = DatabaseUrl(template=COMPOSED_PG)
    assert source.keys == [
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_SERVER",
        "POSTGRES_PORT",
        "POSTGRES_DB",
    ]
    url = make_url(source.compose(PG_ENV))
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host) == ("app", "p@ss/w:rd?x", "db.internal")
    assert (url.port, url.database) == (6543, "shop")


def test_golive_knows_which_key_holds_each_part() -> None:
    source = DatabaseUrl(template=COMPOSED_PG)
    assert source.key_of("database") == "POSTGRES_DB"
    assert source.key_of("host") == "POSTGRES_SERVER"
    assert source.key_of("port") == "POSTGRES_PORT"
    assert source.key_of("password") == "POSTGRES_PASSWORD"
    assert DatabaseUrl(template="postgresql://u@h/${DB}_x").key_of("database") is None


def test_another_database_rewrites_the_name_key_not_a_url_key() -> None:
    source = DatabaseUrl(template=COMPOSED_PG)
    moved = source.with_database(PG_ENV, "shop_rehearsal_3")
    assert moved == {**PG_ENV, "POSTGRES_DB": "shop_rehearsal_3"}
    assert "DATABASE_URL" not in moved
    assert make_url(source.compose(moved)).database == "shop_rehearsal_3"
    assert PG_ENV["POSTGRES_DB"] == "shop"  # the production env is not changed


def test_a_url_key_is_rewritten_whole() -> None:
    source = DatabaseUrl(url_env="DATABASE_URL")
    env = {"DATABASE_URL": "postgresql+psycopg://app:pw-secret@db:5432/shop", "OTHER": "1"}
    moved = source.with_database(env, "golive_test_ab")
    assert moved["OTHER"] == "1"
    url = make_url(moved["DATABASE_URL"])
    assert (url.database, url.password, url.host) == ("golive_test_ab", "pw-secret", "db")


def test_sqlite_composed_from_a_file_key() -> None:
    source = DatabaseUrl(template=COMPOSED_SQLITE)
    assert source.compose({"DB_FILE": "/srv/app.db"}) == "sqlite:////srv/app.db"
    assert source.with_database({"DB_FILE": "/srv/app.db"}, "/tmp/x.db") == {"DB_FILE": "/tmp/x.db"}


def test_a_missing_key_gives_no_url_and_is_named() -> None:
    source = DatabaseUrl(template=COMPOSED_PG)
    env = {k: v for k, v in PG_ENV.items() if k != "POSTGRES_PORT"}
    assert source.compose(env) == ""
    assert source.missing({**env, "POSTGRES_USER": " "}) == ["POSTGRES_USER", "POSTGRES_PORT"]


def test_a_port_that_is_not_a_number_is_named_without_its_value() -> None:
    with pytest.raises(UrlTemplateError, match="POSTGRES_PORT is not a port number") as err:
        DatabaseUrl(template=COMPOSED_PG).compose({**PG_ENV, "POSTGRES_PORT": "fivefour"})
    assert "fivefour" not in str(err.value)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"url_env": "DB", "url": COMPOSED_PG}, "give url_env or url, not both"),
        ({"url": "postgresql://u@h/shop"}, "name the env keys"),
        ({"url": "postgresql://u@h/${DB}_x"}, "database name must be one ${KEY}"),
        ({"url": "not a url ${DB}"}, "does not parse as a database URL"),
    ],
)
def test_the_manifest_refuses_a_url_golive_cannot_use(fields: dict[str, str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace("$", r"\$")):
        Database.model_validate({"alembic_ini": "alembic.ini", **fields})


def test_url_env_is_the_default_when_neither_is_given() -> None:
    assert Database.model_validate({"alembic_ini": "a.ini"}).url_env == "DATABASE_URL"
    assert Database.model_validate({"alembic_ini": "a.ini", "url": COMPOSED_PG}).url_env is None


def test_the_manifest_error_names_the_field(tmp_path: Path) -> None:
    manifest = composed_target(tmp_path, "postgresql://u@h/${DB}_x", {"DB": "x"})
    with pytest.raises(ManifestError, match=r"launch\.toml: database\.url: the database name"):
        load(manifest)


def test_static_checks_name_unset_keys_before_any_gate(tmp_path: Path) -> None:
    env = {k: v for k, v in PG_ENV.items() if k != "POSTGRES_SERVER"}
    manifest = composed_target(tmp_path, COMPOSED_PG, env)
    with pytest.raises(EnvFileError, match=r"POSTGRES_SERVER not set; database\.url is composed"):
        check_target(load(manifest), manifest)


def test_static_checks_refuse_values_that_make_no_url(tmp_path: Path) -> None:
    manifest = composed_target(tmp_path, COMPOSED_PG, {**PG_ENV, "POSTGRES_PORT": "x5432"})
    with pytest.raises(EnvFileError) as err:
        check_target(load(manifest), manifest)
    assert "POSTGRES_PORT is not a port number" in str(err.value)
    assert "p@ss" not in str(err.value)


def test_static_checks_pass_a_good_composed_url(tmp_path: Path) -> None:
    manifest = composed_target(tmp_path, COMPOSED_PG, PG_ENV)
    check_target(load(manifest), manifest)


def test_a_suite_env_reference_must_be_in_the_production_env(tmp_path: Path) -> None:
    suite = """
[[suites]]
name = "unit"
command = "python wipe.py pass"
workdir = "tests"
junit = "reports/junit.xml"
env = { API_DB = "${POSTGRES_DB}", TOKEN = "${NOT_THERE}" }
"""
    manifest = composed_target(tmp_path, COMPOSED_PG, PG_ENV, extra=suite)
    with pytest.raises(EnvFileError, match=r"suites\[unit\].env.TOKEN: \$\{NOT_THERE\} is not set"):
        check_target(load(manifest), manifest)


def test_golive_sql_reads_a_composed_url(tmp_path: Path) -> None:
    manifest = composed_target(tmp_path / "t", COMPOSED_PG.replace("${POSTGRES_PORT}", "1"), PG_ENV)
    done = run_golive("sql", "--manifest", str(manifest), home=tmp_path / "home")
    # It composed the URL and dialled it (nothing listens on port 1): one line, no password.
    assert done.returncode == 4, done.stderr
    assert done.stderr.startswith("golive: error: the database cannot be reached: Operational")
    assert "p@ss" not in done.stdout + done.stderr


def test_a_relative_sqlite_file_key_lives_in_the_environments_data(
    tmp_path: Path, golive_home: Path
) -> None:
    manifest = composed_target(tmp_path / "t", COMPOSED_SQLITE, {"DB_FILE": "app.db"})
    ctx = LaunchContext(1, manifest, "production", "full", False)
    placed = Path(ctx.env_values()["DB_FILE"])
    assert placed == (golive_home / "environments" / "production" / "data" / "app.db").resolve()
    assert ctx.database_url() == f"sqlite:///{placed}"
    done = run_golive("sql", "--manifest", str(manifest), home=golive_home)
    assert done.returncode == 0, done.stderr
    assert "CREATE TABLE items" in done.stdout
