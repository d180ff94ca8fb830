"""The deploy boundary: what every backend that runs a release's services does, and its errors.

A backend is chosen once (`golive.backends.open_backend`); callers use only this contract.
A backend records its kind in the environment folder when it starts a service, so commands
without a manifest (`golive status`, `golive down`) reopen the backend that started them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

from golive.errors import ToolError
from golive.files import write_private
from golive.manifest import Service

BackendKind = Literal["process", "docker"]
KIND_FILE = "backend"  # in the environment folder: which backend started its services


class BackendError(ToolError):
    """The runtime a backend needs is missing or refused: no engine answers, no image to start.

    A ToolError (a missing tool): the CLI names it in one line and exits 2.
    """


class DeployBackend(Protocol):
    @property
    def kind(self) -> BackendKind:
        """Which backend this is: 'process' (local processes) or 'docker' (containers)."""
        ...

    def start(
        self, service: Service, release_path: Path, release_id: str, env: dict[str, str]
    ) -> None:
        """Start one service of a release; returns once it has been launched (not yet healthy).

        env is the service's own environment (env file values, PORT): secrets, never logged.
        Raises BackendError when the runtime cannot start it at all.
        """
        ...

    def stop(self, name: str, grace_s: float = 10) -> None:
        """Stop a service if it runs (waiting up to grace_s before killing it); no error if it
        does not."""
        ...

    def stop_all(self) -> None:
        """Stop every service this backend runs in the environment, whatever its release."""
        ...

    def running(self) -> dict[str, str]:
        """The environment's status: services running now, each with its release id."""
        ...

    def exit_code(self, name: str) -> int | None:
        """The exit code of a service that has stopped by itself, None while it runs."""
        ...

    def log_tail(self, name: str, lines: int = 3) -> str:
        """The last lines a service wrote, for saying why it did not become healthy."""
        ...


def service_of(name: str) -> str:
    """The manifest service a backend's run name belongs to. Behind the proxy a service runs as
    instances named `<service>.<release>-<port>` (golive.proxy.switch.instance_name); a service
    name has no dot, so what precedes the first one is the service."""
    return name.split(".", 1)[0]


def record_kind(environment_dir: Path, kind: BackendKind) -> None:
    """Note in the environment folder which backend starts its services."""
    write_private(environment_dir / KIND_FILE, f"{kind}\n")


def recorded_kind(environment_dir: Path) -> BackendKind:
    """The backend that started the environment's services; 'process' when none is recorded."""
    try:
        text = (environment_dir / KIND_FILE).read_text().strip()
    except OSError:
        return "process"
    return "docker" if text == "docker" else "process"
