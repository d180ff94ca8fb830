"""The process backend starts each service with the target's interpreter first on its PATH."""

from __future__ import annotations

import json
import time
from pathlib import Path

from golive.backends import ProcessBackend, open_backend
from golive.manifest import Service, load
from tests.conftest import TARGET_ONLY, port, target_interpreter

# The service's `python` is whichever comes first on its PATH: it says which, then waits.
SERVICE = (
    'python -c "import json, sys, time, {module}; '
    "open('which.json', 'w').write(json.dumps([sys.prefix, {module}.MARK])); "
    'time.sleep(120)" {{port}}'
)


def wait_for(path: Path, limit_s: float = 60) -> str:
    """The file's text once the service has written it (bounded: a service that never starts
    fails the test, however slow the machine)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text():
            return path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"the service wrote no {path.name} within {limit_s:g}s")


def test_a_service_runs_with_the_targets_interpreter(tmp_path: Path) -> None:
    venv = tmp_path / "target-venv"
    python = target_interpreter(venv, with_golive_packages=False)
    release = tmp_path / "release"
    release.mkdir()
    service = Service.model_validate(
        {
            "name": "api",
            "source": ".",
            "command": SERVICE.format(module=TARGET_ONLY),
            "port": port(18999),
        }
    )
    backend = ProcessBackend(tmp_path / "env", python=python)
    backend.start(service, release, "r1", {})
    try:
        prefix, mark = json.loads(wait_for(release / "which.json"))
    finally:
        backend.stop_all()
    assert prefix == mark == str(venv)
    assert backend.running() == {}


def test_the_backend_of_a_manifest_uses_its_interpreter(target: Path, tmp_path: Path) -> None:
    m = load(target)
    backend = open_backend(tmp_path / "env", "production", m)
    assert isinstance(backend, ProcessBackend)
    assert backend.python == m.python == target.parent / ".venv" / "bin" / "python"
