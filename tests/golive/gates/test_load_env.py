"""`[load] env`: locust gets the named production env keys (a form login with the first
superuser's credentials against a real app), and its logs keep none of their values."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from golive.gates.load import load
from golive.manifest import LoadProfile, Service
from golive.results import Status
from tests.conftest import missing
from tests.golive.gates.auth_app import PASSWORD, USER, auth_app

# It prints the password on purpose: the gate must keep it out of the log it writes.
LOCUSTFILE = """
import os

import gevent
from locust import HttpUser, constant, events, task
from locust.runners import WorkerRunner


class Admin(HttpUser):
    wait_time = constant(0.05)

    def on_start(self):
        user, password = os.environ["FIRST_SUPERUSER"], os.environ["FIRST_SUPERUSER_PASSWORD"]
        print("logging in as", user, "with", password, flush=True)
        form = {"username": user, "password": password}
        answer = self.client.post("/login/access-token", data=form).json()
        self.client.headers["Authorization"] = "Bearer " + answer["access_token"]

    @task
    def me(self):
        self.client.get("/users/me")


# The run ends once the stats hold an authenticated request (the master's, with workers): a
# busy machine could otherwise reach the end of a short duration before the first request.
@events.test_start.add_listener
def end_after_the_first_authenticated_request(environment, **_):
    if isinstance(environment.runner, WorkerRunner):
        return

    def watch():
        while environment.stats.get("/users/me", "GET").num_requests == 0:
            gevent.sleep(0.1)
        environment.runner.quit()

    gevent.spawn(watch)
"""

ENV = {"FIRST_SUPERUSER": USER, "FIRST_SUPERUSER_PASSWORD": PASSWORD}


@pytest.fixture(autouse=True)
def locust_installed() -> None:
    if importlib.util.find_spec("locust") is None:
        missing("locust is not installed in this interpreter; pip install -e '.[dev]'")


def profile(tmp_path: Path) -> LoadProfile:
    (tmp_path / "locustfile.py").write_text(LOCUSTFILE)
    fields = {"locustfile": "locustfile.py", "host_service": "api", "users": 2}
    # 120 s is a ceiling only: the locustfile ends the run after its first authenticated request.
    fields |= {"spawn_rate": 10, "duration_s": 120, "p95_ms": 5000, "env": list(ENV)}
    return LoadProfile.model_validate(fields)


@pytest.mark.parametrize("workers", [1, 2])
def test_locust_gets_the_env_keys_and_its_logs_are_redacted(tmp_path: Path, workers: int) -> None:
    spec = profile(tmp_path).model_copy(update={"workers": workers})
    with auth_app() as app:
        api = Service(name="api", source=Path("."), command="-", port=app.port)
        result = load(spec, tmp_path, [api], tmp_path / "evidence", values=ENV)
        assert app.hits["GET /users/me"] > 0
    assert result.status is Status.PASSED, result.summary
    logs = sorted((tmp_path / "evidence").glob("*.log"))
    assert len(logs) == workers + (workers > 1)
    text = "".join(log.read_text() for log in logs)
    assert "logging in as <FIRST_SUPERUSER> with <FIRST_SUPERUSER_PASSWORD>" in text
    assert PASSWORD[:10] not in text and USER not in text


def test_without_the_keys_the_login_fails(tmp_path: Path) -> None:
    with auth_app() as app:
        api = Service(name="api", source=Path("."), command="-", port=app.port)
        # No request can succeed, so the run lasts its duration: a short one (a failure either way).
        spec = profile(tmp_path).model_copy(update={"duration_s": 2})
        result = load(spec, tmp_path, [api], tmp_path / "evidence")
        assert app.hits["GET /users/me"] == 0
    assert result.status is Status.FAILED
