"""The docker backend against a real engine: images of the example, containers on the host
network, health, a failing service, rollback and a broken Dockerfile.

Ports 182xx (another suite uses 181xx at the same time). Images are kept between tests (and
runs) for speed; every container a test starts is removed after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive.backends import images
from golive.backends.docker import DockerBackend
from golive.envfile import Redactor, read_env
from golive.gates.build import build
from golive.gates.deploy import PreviousRelease, deploy, rollback
from golive.gates.migrate import migrate
from golive.gates.outputs import BuiltRelease
from golive.manifest import Manifest, load
from golive.results import Status
from tests.conftest import port, releases_of


@pytest.fixture
def env_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "env"
    yield path
    DockerBackend(path, "test").stop_all()


def prepare(target: Path, env_dir: Path) -> tuple[Manifest, dict[str, BuiltRelease], Any]:
    """Migrate the environment's database; build the images; the env the services get."""
    m = load(target)
    data = env_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data / 'azora.db'}"
    ini = m.path(m.database.alembic_ini)
    assert (
        migrate(ini, {"DATABASE_URL": url}, url, data, data, Redactor({})).status is Status.PASSED
    )
    built = build(m, m.services_in_start_order(), env_dir.parent / "releases", launch_id=7)
    assert built.status is Status.PASSED, built.summary
    env = {**read_env(m.path(m.env.production)), "DATABASE_URL": url}
    return m, releases_of(built), env


def backend_for(m: Manifest, env_dir: Path) -> DockerBackend:
    return DockerBackend(env_dir, "test", m.target.name, restart_retries=1)


def test_images_deploy_healthy_and_take_a_charge(docker_target: Path, env_dir: Path) -> None:
    m, releases, env = prepare(docker_target, env_dir)
    api = releases["api"]
    assert api.image == f"golive/azora-api:{api.release_id}"
    image = images.client().images.get(api.image)
    assert image.id == api.image_id
    assert image.labels["golive.service"] == "api"
    assert image.labels["golive.release"] == api.release_id

    again = build(m, m.services_in_start_order(), env_dir.parent / "releases", launch_id=8)
    assert {row["built"] for row in again.details} == {"cached"}

    backend = backend_for(m, env_dir)
    result = deploy(m.services_in_start_order(), releases, backend, env, Redactor({}))
    assert result.status is Status.PASSED, result.summary
    assert backend.running() == {name: rel.release_id for name, rel in releases.items()}
    charge = httpx.post(
        f"http://127.0.0.1:{port(18202)}/charges",
        json={"amount_cents": 1999, "currency": "EUR", "customer": "smoke@azora.test"},
    )
    assert charge.status_code == 201, charge.text
    labels = images.client().containers.get(backend.container_name("payments")).labels
    assert labels["golive.environment"] == "test"
    assert labels["golive.release"] == releases["payments"].release_id


def test_a_service_never_healthy_fails_and_stops_what_was_started(
    docker_target: Path, env_dir: Path
) -> None:
    text = docker_target.read_text().replace(
        f'port = {port(18202)}\nhealth = "/health"',
        f'port = {port(18202)}\nhealth = "/never"\nhealth_timeout = 4',
    )
    docker_target.write_text(text)
    m, releases, env = prepare(docker_target, env_dir)
    backend = backend_for(m, env_dir)
    result = deploy(m.services_in_start_order(), releases, backend, env, Redactor({}))
    assert result.status is Status.FAILED and result.blocks_launch
    assert "service payments did not become healthy: not healthy within 4s" in result.summary
    # Deploy stops the failing service; the ones it already replaced serve until the undo.
    assert "payments" not in backend.running()
    rollback(m.services_in_start_order(), {}, backend)  # a first release: nothing to put back
    assert backend.running() == {}
    scope = {"label": f"golive.scope={backend.scope}"}
    assert images.client().containers.list(all=True, filters=scope) == []  # removed, not stopped


def test_a_crashing_container_reports_its_exit_code_and_no_secret(
    docker_target: Path, env_dir: Path
) -> None:
    m, releases, env = prepare(docker_target, env_dir)
    secret = "sk_test_" + "Z" * 40
    env["PAYMENT_SECRET_KEY"] = secret  # payments refuses a test key in production: exit 3
    backend = backend_for(m, env_dir)
    services = [m.service("payments")]
    result = deploy(services, releases, backend, env, Redactor({"PAYMENT_SECRET_KEY": secret}))
    assert result.status is Status.FAILED
    assert "did not become healthy: exited with code 3" in result.summary, result.summary
    assert "refusing to start" in result.summary  # the container's last log line
    assert secret not in result.summary
    assert backend.running() == {}


def test_rollback_runs_the_previous_release_image_again(docker_target: Path, env_dir: Path) -> None:
    m, first, env = prepare(docker_target, env_dir)
    services = [m.service("api")]
    backend = backend_for(m, env_dir)
    assert deploy(services, first, backend, env, Redactor({})).status is Status.PASSED
    app = docker_target.parent / "services" / "api" / "app.py"
    app.write_text(app.read_text() + "\n# release two\n")
    _, second, _ = prepare(docker_target, env_dir)
    assert second["api"].release_id != first["api"].release_id
    assert deploy(services, second, backend, env, Redactor({})).status is Status.PASSED
    assert backend.running() == {"api": second["api"].release_id}

    outcomes = rollback(services, {"api": PreviousRelease(first["api"], env)}, backend)
    assert [o.line for o in outcomes] == [
        f"api: release {first['api'].release_id[:8]} serving again"
    ]
    assert backend.running() == {"api": first["api"].release_id}
    assert httpx.get(f"http://127.0.0.1:{port(18201)}/health").status_code == 200
    images.client().images.get(second["api"].image)  # golive never removes its images


def test_a_broken_dockerfile_names_the_failing_step(docker_target: Path, env_dir: Path) -> None:
    dockerfile = docker_target.parent / "services" / "api" / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace(
            "WORKDIR /app", "RUN echo about to fail && ls /no-such-folder\nWORKDIR /app"
        )
    )
    m = load(docker_target)
    result = build(m, [m.service("api")], env_dir.parent / "releases")
    assert result.status is Status.FAILED and result.blocks_launch
    assert re.search(
        r"image of api failed at Step \d+/\d+ : RUN echo about to fail", result.summary
    )
    assert "returned a non-zero code: 2" in result.summary
    lines = [row["line"] for row in result.details]
    assert "about to fail" in lines and any("/no-such-folder" in line for line in lines)
    assert "Traceback" not in result.summary + str(lines)


def test_two_instances_of_a_service_run_side_by_side_on_internal_ports(
    docker_target: Path, env_dir: Path
) -> None:
    """What the proxy's switch asks of the backend: instances named after the service, release
    and port, each a container of the service's image listening on its own free port."""
    from golive.proxy.switch import start_instance

    m, releases, env = prepare(docker_target, env_dir)
    backend = backend_for(m, env_dir)
    api, path = releases["api"], Path(releases["api"].path)
    ups = []
    for _ in range(2):
        up, inst, problem = start_instance(backend, m.service("api"), path, api.release_id, env)
        assert problem is None and inst.port == up.port != port(18201)
        ups.append(up)
    assert backend.running() == {u.instance: api.release_id for u in ups}
    for up in ups:
        assert httpx.get(f"http://127.0.0.1:{up.port}/health").status_code == 200
        found = images.client().containers.get(backend.container_name(up.instance))
        assert found.image.tags == [api.image]
    backend.stop(ups[0].instance)
    assert list(backend.running()) == [ups[1].instance]
