"""Shared fixtures: one Prefect test harness per session, a golive home per test, a copy of the
example target to alter, and the real advisory records shipped with the tests.

A test whose component is missing skips with the reason on a user's machine and fails under
CI=true: CI must never pass by skipping.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn, TypeVar

import pytest

from golive.backends import BackendError, images
from golive.gates.outputs import BuildOutput, BuiltRelease, GateOutput
from golive.results import GateResult

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


def golive_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "golive.cli", *args]


def golive_env(home: Path | None, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment `golive` gets in a test: ours plus `env`; with `home`, that GOLIVE_HOME
    and a PREFECT_HOME of its own inside it."""
    child = {**os.environ, **(env or {})}
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

    With `home`, it gets that GOLIVE_HOME and its own PREFECT_HOME inside it (so its temporary
    Prefect server is its own); otherwise the environment as it is, plus `env`.
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


@functools.cache
def _example_venv() -> str:
    """Make the example's own virtual environment once (idempotent: `make test` has usually made
    it already); "" when made, else why it could not be."""
    script = REPO_ROOT / "examples" / "target-venv.sh"
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
    """A private copy of the example target at dest; returns its launch.toml. Its `.venv` is a
    link to the example's own virtual environment (made once, never copied: a virtual
    environment does not move)."""
    shutil.copytree(
        EXAMPLE,
        dest,
        ignore=shutil.ignore_patterns(
            "__pycache__", ".golive-reports", "*.db", ".pytest_cache", ".venv"
        ),
    )
    (dest / ".venv").symlink_to(example_venv(), target_is_directory=True)
    # Git checks files out 0644; a production env file is kept 0600 (configure warns otherwise).
    (dest / ".env.production").chmod(0o600)
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


DOCKER_PORTS = {18101: 18201, 18102: 18202, 18103: 18203}


@pytest.fixture
def docker_target(target: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example on the docker backend (ports 182xx), with a base image the engine has."""
    base = base_image_or_missing()
    monkeypatch.delenv(images.BASE_IMAGE_ENV, raising=False)  # the manifest's value applies
    dockerize(target, base, DOCKER_PORTS)
    return target


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
