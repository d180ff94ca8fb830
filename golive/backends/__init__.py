"""Deploy backends: where a release's services run. `open_backend` is the one place that picks.

`interface` holds the contract and its errors; `process` and `docker` implement it; `images`
builds the docker backend's images (for the build gate).
"""

from __future__ import annotations

from pathlib import Path

from golive.backends.docker import DockerBackend
from golive.backends.interface import (
    KIND_FILE,
    BackendError,
    BackendKind,
    DeployBackend,
    record_kind,
    recorded_kind,
)
from golive.backends.process import ProcessBackend
from golive.manifest import Manifest

__all__ = [
    "KIND_FILE",
    "BackendError",
    "BackendKind",
    "DeployBackend",
    "DockerBackend",
    "ProcessBackend",
    "open_backend",
    "record_kind",
    "recorded_kind",
]


def open_backend(
    environment_dir: Path, environment: str, manifest: Manifest | None = None
) -> DeployBackend:
    """The backend that runs an environment's services.

    With a manifest, the one it names (`backend`); without one (`golive status`, `golive down`),
    the one the environment folder recorded when it last started a service.
    """
    kind = manifest.backend if manifest is not None else recorded_kind(environment_dir)
    if kind == "docker":
        if manifest is None:
            return DockerBackend(environment_dir, environment)
        return DockerBackend(
            environment_dir,
            environment,
            manifest.target.name,
            manifest.docker.restart_retries,
        )
    return ProcessBackend(environment_dir, manifest.python if manifest is not None else None)
