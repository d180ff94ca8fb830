"""Deploy backends: where a release's services run. Chosen once, at the entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from golive.manifest import Service


class DeployBackend(Protocol):
    def start(
        self, service: Service, release_path: Path, release_id: str, env: dict[str, str]
    ) -> None:
        """Start one service of a release; returns once it has been launched (not yet healthy).

        env is the service's own environment (env file values, PORT): secrets, never logged.
        """

    def stop(self, name: str) -> None:
        """Stop a service if it runs; no error if it does not."""

    def running(self) -> dict[str, str]:
        """Services running now in this environment, with their release id."""

    def exit_code(self, name: str) -> int | None:
        """The exit code of a service that has stopped by itself, None while it runs."""

    def log_tail(self, name: str, lines: int = 3) -> str:
        """The last lines a service wrote, for saying why it did not become healthy."""
