"""The manifest's services and how the docker backend builds and runs them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from golive.manifest.fields import Name, Strict, UrlPath, service_command, url_path


def _metrics_path(value: str) -> str:
    """A URL path, or "" for a service with no Prometheus metrics."""
    return value if value == "" else url_path(value)


class Service(Strict):
    name: Name
    core: bool = False
    source: Path
    include: list[Path] = Field(default_factory=list, description="extra folders in the release")
    command: Annotated[str, AfterValidator(service_command)] = Field(
        description="start command, run in the release; {port} is replaced"
    )
    port: int = Field(ge=1024, le=65535)
    health: UrlPath = "/health"
    metrics: Annotated[str, AfterValidator(_metrics_path)] = Field(
        "/metrics",
        description='Prometheus text path; "": the service has none, monitor checks its health'
        " instead (a warning) and Prometheus does not scrape it",
    )
    depends_on: list[str] = Field(default_factory=list)
    health_timeout: float = Field(30, gt=0)

    @model_validator(mode="after")
    def _port_not_hard_coded(self) -> Service:
        if "{port}" not in self.command and re.search(rf"(?<!\d){self.port}(?!\d)", self.command):
            raise ValueError(
                f"command: names port {self.port} itself; write {{port}} so a rehearsal can"
                " move the service to a port of its own"
            )
        return self


class DockerSettings(Strict):
    """How the docker backend builds and runs images (used only with backend = "docker")."""

    base_image: str | None = Field(
        None,
        description="passed to each Dockerfile as the BASE_IMAGE build argument (env"
        " GOLIVE_BASE_IMAGE overrides it); unset: the Dockerfile's own default",
    )
    build_timeout: float = Field(900, gt=0, description="seconds one image build may take")
    restart_retries: int = Field(
        3, ge=0, le=20, description="restarts (on-failure) of a container that exits"
    )
