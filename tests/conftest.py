"""Shared fixtures: one Prefect test harness per session, a golive home per test, a copy of the
example target to alter, and the real advisory records shipped with the tests.

A test whose component is missing skips with the reason on a user's machine and fails under
CI=true: CI must never pass by skipping.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn, TypeVar

import pytest

from golive.backends import BackendError, images
from golive.gates.outputs import BuildOutput, BuiltRelease, GateOutput
from golive.results import GateResult
from golive.warm_process import OFF_ENV

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = REPO_ROOT / "examples" / "azora"
ADVISORIES = REPO_ROOT / "tests" / "fixtures" / "advisories"


Output = TypeVar("Output", bound=GateOutput)


def output_of(result: GateResult, kind: type[Output]) -> Output:
    """The typed output a gate result hands on (the test fails if it has none of that kind)."""
    assert isinstance(result.output, kind), result.summary
    return result.output


def releases_of(result: GateResult) -> dict[str, BuiltRelease]:
    """The releases a build gate result hands on."""
    return output_of(result, BuildOutput).releases


def missing(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: a missing component fails, it does not skip)")
    pytest.skip(reason)


NICKNAME_REVISION = '''"""Nickname."""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade():
    op.add_column("users", sa.Column("nickname", sa.String(40)))


def downgrade():
    op.drop_column("users", "nickname")
'''


def add_nickname_revision(target: Path) -> None:
    """A new alembic revision 0004 (a nullable column) in a copy of the example."""
    (target.parent / "migrations" / "versions" / "0004_nickname.py").write_text(NICKNAME_REVISION)


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"... under pytest-xdist
    return int(worker[2:]) if worker.startswith("gw") else 0


# The examples listen on fixed ports (azora 18101-18103, notes 18301, harbor 18401; tests use
# 182xx and 18999 too). Each pytest-xdist worker gets a block of its own, 1000 ports apart, and
# the copies of the examples it makes are rewritten to it: parallel workers never share a port.
PORT_SHIFT = 1000 * _worker_index()


def port(fixed: int) -> int:
    """This worker's port for the example's fixed port `fixed`."""
    return fixed + PORT_SHIFT


def shift_ports(launch_toml: Path) -> None:
    """Move every `port = N` of a copied manifest to this worker's block."""
    text = launch_toml.read_text()
    moved = re.sub(r"^port = (\d+)$", lambda m: f"port = {port(int(m[1]))}", text, flags=re.M)
    launch_toml.write_text(moved)


def golive_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "golive.cli", *args]


class SessionServer:
    """One golive-managed Prefect server for the whole test session, in a GOLIVE_HOME of its
    own: the `golive` processes the tests start talk to it through PREFECT_API_URL instead of
    each starting a temporary server (seconds per run). Started on first use by whichever
    process needs it (golive's start lock makes that one server, also with pytest-xdist: the
    workers inherit its folder from the controller), stopped when the session ends."""

    HOME_ENV = "GOLIVE_TEST_SESSION_SERVER_HOME"
    api_url: str | None = None

    @classmethod
    def home(cls) -> Path:
        if cls.HOME_ENV not in os.environ:
            os.environ[cls.HOME_ENV] = tempfile.mkdtemp(prefix="golive-test-prefect-")
        return Path(os.environ[cls.HOME_ENV])

    @classmethod
    def golive_server(cls, *command: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        home = cls.home()
        return subprocess.run(
            golive_argv("server", *command),
            env={**env, "GOLIVE_HOME": str(home), "PREFECT_HOME": str(home / "prefect")},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    @classmethod
    def url(cls) -> str:
        if cls.api_url is None:
            done = cls.golive_server("start")  # and the warm process golive_env sends launches to
            assert done.returncode == 0, f"golive server start: {done.stdout}{done.stderr}"
            state = cls.home() / "prefect-server" / "state.json"
            cls.api_url = f"http://127.0.0.1:{json.loads(state.read_text())['port']}/api"
        return cls.api_url

    @classmethod
    def stop(cls) -> None:
        if (cls.home() / "prefect-server").exists():
            cls.golive_server("stop")
        shutil.rmtree(cls.home(), ignore_errors=True)
        cls.api_url = None


def pytest_configure(config: pytest.Config) -> None:
    SessionServer.home()  # before xdist starts its workers, so that they share it


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # The controller (or a run without workers), after every worker is done. Asked of xdist's
    # worker config, not of PYTEST_XDIST_WORKER: a single-process run given that variable to
    # move its ports to another block left its server running.
    if not hasattr(session.config, "workerinput"):
        SessionServer.stop()


def golive_env(home: Path | None, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment `golive` gets in a test: ours plus `env`; with `home`, that GOLIVE_HOME
    and a PREFECT_HOME of its own inside it (its own result cache). Its Prefect API is the
    session's server unless `env` names one (a `--temporary-server` run ignores it)."""
    child = {**os.environ, **(env or {})}
    if "PREFECT_API_URL" not in (env or {}):
        child["PREFECT_API_URL"] = SessionServer.url()
    # Its launches run in the session's warm process (Prefect imported once), unless `env`
    # says otherwise (GOLIVE_WARM_PROCESS=off: golive runs them itself).
    child.setdefault(OFF_ENV, str(SessionServer.home() / "warm-process"))
    if home is not None:
        (home / "prefect").mkdir(parents=True, exist_ok=True)
        child |= {
            "GOLIVE_HOME": str(home),
            "PREFECT_HOME": str(home / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
        }
    return child


def run_golive(
    *args: str,
    home: Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """`golive ARGS` as a user runs it: a separate process, output captured, never raising.

    With `home`, it gets that GOLIVE_HOME and its own PREFECT_HOME inside it; otherwise the
    environment as it is, plus `env`. Either way it talks to the session's Prefect server.
    """
    return subprocess.run(
        golive_argv(*args),
        cwd=cwd,
        env=golive_env(home, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def mode(path: Path) -> int:
    """A file's or folder's permission bits (0o600, 0o700, …)."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """A umask that would leave new files world-readable, as on most machines: what golive makes
    private, it must make private itself."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture(scope="session")
def require() -> Callable[[str], NoReturn]:
    """`require(reason)`: skip (fail under CI=true) because a component is missing."""
    return missing


@pytest.fixture(scope="session")
def advisories() -> Path:
    """Real OSV records from the PyPA advisory database, in its layout (`vulns/<package>/`):
    the few the tests use, shipped with them (see tests/fixtures/advisories/README.md)."""
    assert (ADVISORIES / "vulns").is_dir(), f"{ADVISORIES} is part of the repository"
    return ADVISORIES


POSTGRES_DEFAULT = "postgresql+psycopg://golive:golive-test-only@127.0.0.1:5432/postgres"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test (dropped after), on the server named by
    GOLIVE_TEST_POSTGRES_URL (`.ci/postgres.sh` installs, starts and prints one)."""
    with postgres_database() as url:
        yield url


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (see postgres_url), dropped on exit; its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    admin_url = make_url(os.environ.get("GOLIVE_TEST_POSTGRES_URL", POSTGRES_DEFAULT))
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"golive_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        admin.dispose()
        missing(
            f"PostgreSQL not reachable at {admin_url.render_as_string(hide_password=True)}; "
            "run .ci/postgres.sh or set GOLIVE_TEST_POSTGRES_URL"
        )
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect API for the whole session, with its own result (cache) storage."""
    from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    storage = tmp_path_factory.mktemp("prefect-results")
    with (
        temporary_settings({PREFECT_RESULTS_LOCAL_STORAGE_PATH: storage}),
        prefect_test_harness(server_startup_timeout=90),
    ):
        yield


@pytest.fixture
def golive_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh GOLIVE_HOME; every service (and Prometheus) a test left running in it is stopped
    afterwards, whichever backend ran it."""
    from golive.context import stop_environment

    home = tmp_path / "golive-home"
    monkeypatch.setenv("GOLIVE_HOME", str(home))
    monkeypatch.delenv("GOLIVE_LEDGER_URL", raising=False)
    yield home
    for env_dir in (home / "environments").glob("*"):
        stop_environment(env_dir.name)


@contextlib.contextmanager
def one_worker_at_a_time(made: Path) -> Iterator[None]:
    """Hold an exclusive lock beside `made` (a directory the tests make in the repository, such as
    an example's virtual environment): every pytest-xdist worker makes it when missing, and two
    making it at once would each find the other's half-made files."""
    with open(made.with_name(made.name + ".lock"), "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # released when the file is closed, even on a crash
        yield


@functools.cache
def _example_venv() -> str:
    """Make the example's own virtual environment once (idempotent: `make test` has usually made
    it already); "" when made, else why it could not be."""
    script = REPO_ROOT / "examples" / "target-venv.sh"
    with one_worker_at_a_time(EXAMPLE / ".venv"):
        done = subprocess.run(
            ["sh", str(script), str(EXAMPLE)], capture_output=True, text=True, check=False
        )
    return "" if done.returncode == 0 else (done.stderr.strip() or done.stdout.strip())[-300:]


def example_venv() -> Path:
    """The example's virtual environment (examples/azora/.venv), which its launch.toml names as
    `[target] python`; a test without it skips (fails under CI)."""
    problem = _example_venv()
    if problem:
        missing(f"the example's virtual environment could not be made: {problem}")
    return EXAMPLE / ".venv"


def copy_example(dest: Path) -> Path:
    """A private copy of the example target at dest, on this worker's ports (`port`); returns its
    launch.toml. Its `.venv` is a link to the example's own virtual environment (made once, never
    copied: a virtual environment does not move)."""
    shutil.copytree(
        EXAMPLE,
        dest,
        ignore=shutil.ignore_patterns(
            "__pycache__", ".golive-reports", "*.db", ".pytest_cache", ".venv", ".venv.lock"
        ),
    )
    (dest / ".venv").symlink_to(example_venv(), target_is_directory=True)
    # Git checks files out 0644; a production env file is kept 0600 (configure warns otherwise).
    (dest / ".env.production").chmod(0o600)
    shift_ports(dest / "launch.toml")
    return dest / "launch.toml"


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """A private copy of the example target to alter; returns its launch.toml."""
    return copy_example(tmp_path / "azora")


LOCAL_BASE = "golive/python-base:bookworm"


def base_image_or_missing() -> str:
    """The base image to build from: GOLIVE_BASE_IMAGE, else the local one .ci/docker.sh makes."""
    try:
        engine = images.client()
    except BackendError as exc:
        missing(f"no Docker engine: {exc}")
    wanted = os.environ.get(images.BASE_IMAGE_ENV) or LOCAL_BASE
    try:
        engine.images.get(wanted)
    except Exception:
        missing(f"base image {wanted} missing: run docker/build-base-image.sh")
    return wanted


def dockerize(launch_toml: Path, base: str, ports: dict[int, int]) -> None:
    """Switch a copy of the example to the docker backend, on other ports."""
    text = launch_toml.read_text()
    for old, new in ports.items():
        text = text.replace(f"port = {old}", f"port = {new}")
    text = re.sub(r'^backend = "process"$', 'backend = "docker"', text, flags=re.M)
    launch_toml.write_text(text + f'\n[docker]\nbase_image = "{base}"\n')


DOCKER_PORTS = {port(18101): port(18201), port(18102): port(18202), port(18103): port(18203)}


@pytest.fixture
def docker_target(target: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example on the docker backend (ports 182xx), with a base image the engine has."""
    base = base_image_or_missing()
    monkeypatch.delenv(images.BASE_IMAGE_ENV, raising=False)  # the manifest's value applies
    dockerize(target, base, DOCKER_PORTS)
    return target


# A target that builds its database URL from several keys (`[database] url`), as many real
# projects do: its alembic env.py, seed and test suite all read POSTGRES_* (or DB_FILE for
# SQLite) and none of them DATABASE_URL.
COMPOSED_PG = (
    "postgresql+psycopg://${POSTGRES_USER}:${POSTGRES_PASSWORD}@${POSTGRES_SERVER}:"
    "${POSTGRES_PORT}/${POSTGRES_DB}"
)
COMPOSED_SQLITE = "sqlite:///${DB_FILE}"

COMPOSED_FILES = {
    "dburl.py": '''"""The database URL, built from the env keys (never from one URL key)."""
import os
from sqlalchemy.engine import URL


def url():
    e = os.environ
    if e.get("DB_FILE"):
        return "sqlite:///" + e["DB_FILE"]
    return URL.create(
        "postgresql+psycopg", username=e["POSTGRES_USER"], password=e["POSTGRES_PASSWORD"],
        host=e["POSTGRES_SERVER"], port=int(e["POSTGRES_PORT"]), database=e["POSTGRES_DB"],
    )
''',
    "alembic.ini": "[alembic]\nscript_location = %(here)s/migrations\n",
    "migrations/env.py": """import os, sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from alembic import context
from sqlalchemy import create_engine
import dburl

if context.is_offline_mode():
    context.configure(url=dburl.url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(dburl.url())
    with engine.connect() as conn:
        context.configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
""",
    "migrations/versions/0001_items.py": """import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", sa.String(40), nullable=False, unique=True))


def downgrade():
    op.drop_table("items")
""",
    # Idempotent, as a seed must be; `seed-fails` next to it makes it write, then fail.
    "seed.py": """import os, sys
from sqlalchemy import create_engine, text
import dburl

engine = create_engine(dburl.url())
with engine.begin() as conn:
    conn.execute(text("DELETE FROM items WHERE name = 'seeded'"))
    conn.execute(text("INSERT INTO items (name) VALUES ('seeded')"))
engine.dispose()
if os.path.exists("seed-fails"):
    with create_engine(dburl.url()).begin() as conn:
        conn.execute(text("INSERT INTO items (name) VALUES ('half-seeded')"))
    sys.exit("seed: the superuser could not be created")
""",
    # A suite that, like many, deletes every row it finds; it says which database it had.
    "tests/wipe.py": """import os, pathlib, sys, time
sys.path.insert(0, os.getcwd() + "/..")
from sqlalchemy import create_engine, make_url, text
import dburl

url = dburl.url()
pathlib.Path("../suite-database.txt").write_text(str(make_url(url).database))
engine = create_engine(url)
with engine.begin() as conn:
    conn.execute(text("DELETE FROM items"))
engine.dispose()
if sys.argv[1] == "hang":
    time.sleep(600)
ok = sys.argv[1] == "pass"
failure = "" if ok else "<failure message='no'/>"
case = f"<testcase name='wipe'>{failure}</testcase>"
pathlib.Path("../reports").mkdir(exist_ok=True)
pathlib.Path("../reports/junit.xml").write_text(f"<testsuite>{case}</testsuite>")
sys.exit(0 if ok else 1)
""",
    "app/__init__.py": "",
    "requirements.txt": "sqlalchemy==2.0.36\n",
}


def composed_target(dest: Path, url: str, env: dict[str, str], extra: str = "") -> Path:
    """A small target whose database URL is composed (`url`) from `env`, written as its
    production env file (and, with every value a placeholder, its template); its launch.toml."""
    for rel, text in COMPOSED_FILES.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text)
    (dest / ".env.production").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    (dest / ".env.example").write_text("".join(f"{k}=changethis\n" for k in env))
    (dest / "launch.toml").write_text(
        f"""[target]
name = "composed"

[database]
url = "{url}"
alembic_ini = "alembic.ini"
seed = "python seed.py"

[env]
template = ".env.example"
production = ".env.production"

[audit]
requirements = ["requirements.txt"]
source = "pypi"

[[services]]
name = "web"
source = "app"
command = "python -m http.server {{port}}"
port = {port(18999)}
health = "/"
{extra}"""
    )
    return dest / "launch.toml"


def postgres_env(url: str) -> dict[str, str]:
    """The POSTGRES_* keys of a PostgreSQL URL, as a project's env file holds them."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return {
        "POSTGRES_SERVER": str(parsed.host),
        "POSTGRES_PORT": str(parsed.port or 5432),
        "POSTGRES_USER": str(parsed.username),
        "POSTGRES_PASSWORD": str(parsed.password),
        "POSTGRES_DB": str(parsed.database),
    }


TARGET_ONLY = "golive_target_only"  # a module only a test's target interpreter has


def target_interpreter(folder: Path, *, with_golive_packages: bool = True) -> Path:
    """A virtual environment of the target's own at folder; returns its `bin/python`.

    It has a module golive's environment lacks (TARGET_ONLY, whose MARK is folder's path), so
    target code that imports it runs only with this interpreter. With `with_golive_packages`, it
    also sees the packages installed beside golive (alembic, pytest, locust...) but not golive
    itself, through a .pth line; without, it has nothing but the standard library and the marker.
    """
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120
    )
    python = folder / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / f"{TARGET_ONLY}.py").write_text(f"MARK = {str(folder)!r}\n")
    if with_golive_packages:
        ours = sysconfig.get_paths()["purelib"]
        (Path(site) / "golive-test-packages.pth").write_text(ours + "\n")
    return python
