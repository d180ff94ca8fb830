"""The harbor example works as its README says, by hand, with its own virtualenv.

harbor (examples/harbor) stands for an outside project golive did not shape: these tests prove
its migrations, seed, test suite and form login work before golive is judged on it, and pin down
the trait golive must guard against (its suite deletes every user, whatever database it gets).
`harbor_python()` and `harbor_env()` are the setup a launch test needs as well.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from junitparser import JUnitXml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from golive.ports import free_port
from tests.conftest import REPO_ROOT, missing, one_worker_at_a_time

HARBOR = REPO_ROOT / "examples" / "harbor"
HEAD = "c97d0b3e5a61"
SUPERUSER = "admin@harbor.example.com"


def harbor_python() -> Path:
    """harbor's interpreter, examples/harbor/.venv, created as `make venv` does when absent."""
    venv = HARBOR / ".venv"
    marker = venv / ".installed"
    with one_worker_at_a_time(venv):
        if not marker.is_file():
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
            steps = [
                [sys.executable, "-m", "venv", str(venv)],
                [*pip, "-r", "requirements-dev.txt"],
            ]
            for step in steps:
                done = subprocess.run(step, cwd=HARBOR, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    missing(f"cannot create harbor's virtualenv: {done.stderr.strip()[-300:]}")
            marker.touch()
    return venv / "bin" / "python"


def harbor_settings(database_url: str) -> dict[str, str]:
    """Every key of harbor's .env.example, for the given database: what a production env file
    needs. The secrets are fresh random values of 43 characters, as configure demands."""
    url = make_url(database_url)
    return {
        "DOMAIN": "localhost",
        "ENVIRONMENT": "production",
        "PROJECT_NAME": "Harbor",
        "SECRET_KEY": secrets.token_urlsafe(32),
        # email-validator refuses special-use domains such as .test and .local.
        "FIRST_SUPERUSER": SUPERUSER,
        "FIRST_SUPERUSER_PASSWORD": secrets.token_urlsafe(32),
        "POSTGRES_SERVER": url.host or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "",
        "POSTGRES_PASSWORD": url.password or "",
        "POSTGRES_DB": url.database or "",
        "SMTP_HOST": "",
        "SMTP_PORT": "587",
        "SENTRY_DSN": "",
    }


def harbor_env(database_url: str) -> dict[str, str]:
    """The environment a harbor command runs in: harbor_settings and little else."""
    basics = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    return {**basics, "PYTHONDONTWRITEBYTECODE": "1", **harbor_settings(database_url)}


@pytest.fixture(scope="module")
def python() -> Path:
    return harbor_python()


@pytest.fixture
def env(postgres_url: str) -> dict[str, str]:
    return harbor_env(postgres_url)


def run(python: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`harbor's python ARGS` in harbor's folder, as its README runs it; must succeed."""
    cmd = [str(python), *args]
    done = subprocess.run(cmd, cwd=HARBOR, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def alembic(python: Path, env: dict[str, str], *args: str) -> str:
    return run(python, env, "-m", "alembic", *args).stdout


def seed(python: Path, env: dict[str, str]) -> None:
    run(python, env, "app/initial_data.py")


def count(database_url: str, table: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_migrations_go_up_and_down(python: Path, env: dict[str, str]) -> None:
    alembic(python, env, "upgrade", "head")
    assert HEAD in alembic(python, env, "current")
    alembic(python, env, "downgrade", "base")
    assert HEAD not in alembic(python, env, "current")
    alembic(python, env, "upgrade", "head")
    assert HEAD in alembic(python, env, "current")


def test_seed_is_idempotent(python: Path, env: dict[str, str], postgres_url: str) -> None:
    alembic(python, env, "upgrade", "head")
    seed(python, env)
    seed(python, env)
    assert count(postgres_url, "users") == 1


def test_suite_passes_and_wipes_every_user(
    python: Path, env: dict[str, str], postgres_url: str, tmp_path: Path
) -> None:
    alembic(python, env, "upgrade", "head")
    seed(python, env)
    junit = tmp_path / "junit.xml"
    run(python, env, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}")
    suites = list(JUnitXml.fromfile(str(junit)))
    tests = sum(s.tests for s in suites)
    assert tests >= 15
    assert sum(s.failures + s.errors + s.skipped for s in suites) == 0
    # What golive must prevent: the seeded superuser (production data) is gone too.
    assert count(postgres_url, "users") == 0


@pytest.fixture
def api(python: Path, env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """harbor's API on uvicorn, migrated and seeded; its base URL."""
    alembic(python, env, "upgrade", "head")
    seed(python, env)
    port = free_port()
    cmd = [str(python), "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    log = tmp_path / "uvicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=HARBOR, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert _answers(f"{base}/api/v1/utils/health-check/", proc), log.read_text()
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _answers(url: str, proc: subprocess.Popen[bytes]) -> bool:
    """Whether url answers 200 before proc exits; the deadline bounds a hung start only."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


def test_form_login_then_authenticated_calls(api: str, env: dict[str, str]) -> None:
    form = {"username": env["FIRST_SUPERUSER"], "password": env["FIRST_SUPERUSER_PASSWORD"]}
    login = httpx.post(f"{api}/api/v1/login/access-token", data=form, timeout=30)
    assert login.status_code == 200, login.text
    assert login.json()["token_type"] == "bearer"
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = httpx.get(f"{api}/api/v1/users/me", headers=auth, timeout=30)
    assert me.json()["email"] == env["FIRST_SUPERUSER"]
    item = httpx.post(f"{api}/api/v1/items/", headers=auth, json={"title": "t"}, timeout=30)
    assert item.status_code == 200, item.text
    assert httpx.get(f"{api}/api/v1/users/me", timeout=30).status_code == 401
    # A JSON login is not a login: a smoke check needs form bodies.
    json_login = httpx.post(f"{api}/api/v1/login/access-token", json=form, timeout=30)
    assert json_login.status_code == 422
    # No Prometheus endpoint: monitor must do without one.
    assert httpx.get(f"{api}/metrics", timeout=30).status_code == 404
