"""The deploy boundary: both backends keep the whole contract, and one factory picks between them.

Cheap: no process is started and no engine is asked (the docker backend connects lazily).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from golive.backends import (
    BackendError,
    DeployBackend,
    DockerBackend,
    ProcessBackend,
    open_backend,
    record_kind,
    recorded_kind,
)
from golive.errors import ToolError
from golive.manifest import load
from tests.conftest import EXAMPLE

CONTRACT = ["kind", "start", "stop", "stop_all", "running", "exit_code", "log_tail"]


def protocol_members() -> dict[str, Any]:
    return {
        name: member
        for name, member in vars(DeployBackend).items()
        if callable(member) or isinstance(member, property)
        if not name.startswith("_")
    }


def test_the_protocol_is_the_whole_contract() -> None:
    assert sorted(protocol_members()) == sorted(CONTRACT)


@pytest.mark.parametrize("backend", [ProcessBackend, DockerBackend])
def test_each_backend_has_every_method_with_the_protocols_signature(backend: type) -> None:
    for name, member in protocol_members().items():
        assert hasattr(backend, name), f"{backend.__name__} has no {name}"
        if isinstance(member, property):
            continue
        ours = inspect.signature(getattr(backend, name))
        assert ours == inspect.signature(member), f"{backend.__name__}.{name}: {ours}"


def test_each_backend_names_its_kind(tmp_path: Path) -> None:
    assert ProcessBackend(tmp_path).kind == "process"
    assert DockerBackend(tmp_path, "test").kind == "docker"


def test_without_a_manifest_the_factory_opens_the_recorded_backend(tmp_path: Path) -> None:
    env_dir = tmp_path / "staging"
    assert recorded_kind(env_dir) == "process", "nothing recorded: the process backend"
    assert isinstance(open_backend(env_dir, "staging"), ProcessBackend)
    record_kind(env_dir, "docker")
    backend = open_backend(env_dir, "staging")
    assert isinstance(backend, DockerBackend) and backend.kind == "docker"
    assert backend.environment == "staging" and backend.target is None
    record_kind(env_dir, "process")
    assert open_backend(env_dir, "staging").kind == "process"


def test_with_a_manifest_the_factory_opens_the_backend_it_names(tmp_path: Path) -> None:
    env_dir = tmp_path / "production"
    record_kind(env_dir, "docker")  # an earlier launch ran on docker; the manifest decides now
    m = load(EXAMPLE / "launch.toml")
    assert m.backend == "process"
    assert open_backend(env_dir, "production", m).kind == "process"
    docker = open_backend(env_dir, "production", m.model_copy(update={"backend": "docker"}))
    assert isinstance(docker, DockerBackend)
    assert docker.target == m.target.name
    assert docker.restart_retries == m.docker.restart_retries


def test_the_boundarys_error_is_a_tool_error() -> None:
    """A missing runtime (no engine, no image) stays a one-line, exit-2 error at the CLI."""
    assert issubclass(BackendError, ToolError)


def test_a_proxy_instance_name_leads_back_to_its_service() -> None:
    """The docker backend runs an instance (`api.<release>-<port>`) from its service's image."""
    from golive.backends.interface import service_of
    from golive.proxy.switch import instance_name

    assert service_of(instance_name("api", "4e9badaa4d3db92b", 40123)) == "api"
    assert service_of(instance_name("user-db", "0" * 16, 1025)) == "user-db"
    assert service_of("payments") == "payments"  # a service run without the proxy
