"""Deploy and rollback on the process backend: real releases, real processes, real ports."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from golive.backends.process import ProcessBackend
from golive.envfile import Redactor, read_env
from golive.gates.build import build
from golive.gates.deploy import PreviousRelease, deploy, rollback
from golive.gates.migrate import migrate
from golive.gates.outputs import BuiltRelease, DeployOutput
from golive.manifest import Manifest, Service, load
from golive.ports import free_port
from golive.results import Status
from tests.conftest import output_of, port, releases_of


@pytest.fixture
def env_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "env"
    yield path
    ProcessBackend(path).stop_all()


def prepare(
    target: Path, env_dir: Path
) -> tuple[Manifest, dict[str, BuiltRelease], dict[str, str]]:
    m = load(target)
    url = f"sqlite:///{env_dir / 'azora.db'}"
    env_dir.mkdir(parents=True, exist_ok=True)
    assert (
        migrate(
            m.path(m.database.alembic_ini),
            {"DATABASE_URL": url},
            url,
            env_dir,
            env_dir,
            Redactor({}),
        ).status
        is Status.PASSED
    )
    built = build(m, m.services_in_start_order(), env_dir.parent / "releases")
    values = {**read_env(m.path(m.env.production)), "DATABASE_URL": url}
    return m, releases_of(built), values


def test_deploy_starts_in_order_and_all_are_healthy(target: Path, env_dir: Path) -> None:
    m, releases, env = prepare(target, env_dir)
    backend = ProcessBackend(env_dir)
    result = deploy(m.services_in_start_order(), releases, backend, env, Redactor({}))
    assert result.status is Status.PASSED, result.summary
    assert set(backend.running()) == {"api", "payments", "assistant"}
    assert httpx.get(f"http://127.0.0.1:{port(18102)}/health").status_code == 200


def test_a_port_taken_by_another_process_fails_before_anything_changes(
    target: Path, env_dir: Path
) -> None:
    m, releases, env = prepare(target, env_dir)
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # earlier tests' TIME_WAIT
        squatter.bind(("127.0.0.1", port(18102)))
        squatter.listen()
        result = deploy(
            m.services_in_start_order(), releases, ProcessBackend(env_dir), env, Redactor({})
        )
    assert result.status is Status.FAILED
    assert f"port {port(18102)} of service payments is in use" in result.summary
    assert "services[payments].port" in result.summary
    assert ProcessBackend(env_dir).running() == {}


def test_a_service_that_exits_fails_and_is_stopped(target: Path, env_dir: Path) -> None:
    m, releases, env = prepare(target, env_dir)
    secret = "sk_test_" + "Z" * 40
    env["PAYMENT_SECRET_KEY"] = secret
    backend = ProcessBackend(env_dir)
    result = deploy(
        m.services_in_start_order(),
        releases,
        backend,
        env,
        Redactor({"PAYMENT_SECRET_KEY": secret}),
    )
    assert result.status is Status.FAILED and result.blocks_launch
    assert "service payments did not become healthy: exited with code" in result.summary
    assert secret not in result.summary
    # api, started before it, keeps serving until the flow's rollback; payments is stopped.
    assert backend.running() == {"api": releases["api"].release_id}


def test_rollback_brings_the_previous_release_back(target: Path, env_dir: Path) -> None:
    m, releases, env = prepare(target, env_dir)
    services = [m.service("api")]
    backend = ProcessBackend(env_dir)
    assert deploy(services, releases, backend, env, Redactor({})).status is Status.PASSED
    outcomes = rollback(services, {"api": PreviousRelease(releases["api"], env)}, backend)
    assert [o.line for o in outcomes] == [
        f"api: release {releases['api'].release_id[:8]} serving again"
    ]
    assert backend.running() == {"api": releases["api"].release_id}


def pids(env_dir: Path) -> dict[str, int]:
    """The process id of each service the process backend runs (from its state files)."""
    return {
        p.stem: int(json.loads(p.read_text())["pid"]) for p in sorted((env_dir / "run").glob("*"))
    }


def change_api(target: Path, m: Manifest, env_dir: Path, n: int) -> dict[str, BuiltRelease]:
    """A new release of api (one more line in its source); the others as they were."""
    with (target.parent / "services" / "api" / "app.py").open("a") as f:
        f.write(f"\n# change {n}\n")
    return releases_of(build(m, m.services_in_start_order(), env_dir.parent / "releases"))


def test_an_unchanged_service_keeps_its_process_through_deploy_and_rollback(
    target: Path, env_dir: Path
) -> None:
    m, first, env = prepare(target, env_dir)
    services, backend = m.services_in_start_order(), ProcessBackend(env_dir)
    assert deploy(services, first, backend, env, Redactor({})).status is Status.PASSED
    before = pids(env_dir)
    second = change_api(target, m, env_dir, 1)
    assert second["api"].release_id != first["api"].release_id
    assert second["payments"] == first["payments"]

    names = [s.name for s in services]
    result = deploy(services, second, backend, env, Redactor({}), same_config=names)
    assert result.status is Status.PASSED, result.summary
    out = output_of(result, DeployOutput)
    assert out.started == ("api",) and out.replaced == ("api",)
    assert set(out.unchanged) == {"payments", "assistant"}
    after = pids(env_dir)
    assert after["payments"] == before["payments"]
    assert after["assistant"] == before["assistant"]
    assert after["api"] != before["api"]
    assert backend.running()["api"] == second["api"].release_id

    previous = {name: PreviousRelease(rel, env) for name, rel in first.items()}
    lines = [o.line for o in rollback(services, previous, backend, out.unchanged)]
    assert lines[0] == f"api: release {first['api'].release_id[:8]} serving again"
    assert "payments: release" in lines[1] and "still serving (left alone)" in lines[1]
    back = pids(env_dir)
    assert back["payments"] == before["payments"] and back["api"] != after["api"]
    assert backend.running() == {n: r.release_id for n, r in first.items()}


def test_a_changed_configuration_restarts_a_service_of_the_same_release(
    target: Path, env_dir: Path
) -> None:
    m, releases, env = prepare(target, env_dir)
    services, backend = m.services_in_start_order(), ProcessBackend(env_dir)
    assert deploy(services, releases, backend, env, Redactor({})).status is Status.PASSED
    before = pids(env_dir)
    others = [s.name for s in services if s.name != "api"]  # api's configuration changed
    result = deploy(services, releases, backend, env, Redactor({}), same_config=others)
    assert output_of(result, DeployOutput).started == ("api",)
    after = pids(env_dir)
    assert after["api"] != before["api"] and after["payments"] == before["payments"]


# A service for the start-order test: `second` marks that it started; `first` gets healthy only
# once `second` has started; `third` (which depends on `first`) records whether `first` answered
# when it started. No timing: a deploy that waited for `first` before starting `second` would
# never see `first` healthy.
ORDER_SERVICE = """
import http.server, os, pathlib, sys, time, urllib.request

name, port = sys.argv[1], int(sys.argv[2])
marks = pathlib.Path(os.environ["MARKS"])
if name == "second":
    (marks / "second.started").touch()
if name == "first":
    while not (marks / "second.started").exists():
        time.sleep(0.05)
if name == "third":
    try:
        urllib.request.urlopen(os.environ["FIRST_HEALTH"], timeout=10)
        (marks / "third.saw-first").write_text("answered")
    except OSError as exc:
        (marks / "third.saw-first").write_text(f"not answering: {exc}")


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()
"""


def test_into_an_empty_environment_independent_services_start_together(
    tmp_path: Path, env_dir: Path
) -> None:
    """first and second depend on nothing: both start before either is waited for; third
    depends on first and starts only once first is healthy."""
    marks = tmp_path / "marks"
    marks.mkdir()
    services, releases = [], {}
    for name, deps in (("first", []), ("second", []), ("third", ["first"])):
        release = tmp_path / "releases" / name
        release.mkdir(parents=True)
        (release / "serve.py").write_text(ORDER_SERVICE)
        services.append(
            Service(
                name=name,
                source=Path(name),
                command=f"{sys.executable} serve.py {name} {{port}}",
                port=free_port(),
                metrics="",
                depends_on=deps,
                health_timeout=60,  # a ceiling for a broken order, never reached when it works
            )
        )
        releases[name] = BuiltRelease(release_id=f"r-{name}", path=str(release))
    first = services[0]
    env = {"MARKS": str(marks), "FIRST_HEALTH": f"http://127.0.0.1:{first.port}/health"}
    backend = ProcessBackend(env_dir)
    result = deploy(services, releases, backend, env, Redactor({}))
    assert result.status is Status.PASSED, result.summary
    assert (marks / "third.saw-first").read_text() == "answered"
    assert set(backend.running()) == {"first", "second", "third"}
