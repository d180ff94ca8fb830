"""The manifest's checks against the running system: smoke checks and the load profile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from golive.manifest.fields import Strict, UrlPath


class SmokeCheck(Strict):
    name: str
    service: str
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] = "GET"
    path: UrlPath
    body: dict[str, Any] | None = None
    expect: int = Field(200, ge=100, le=599)
    critical: bool = False
    timeout: float = Field(5, gt=0)
    attempts: int = Field(
        3,
        ge=1,
        le=10,
        description="tries when the connection is refused or the answer is an unexpected 5xx;"
        " a 4xx is never retried",
    )


class LoadProfile(Strict):
    locustfile: Path
    host_service: str
    users: int = Field(10, ge=1, le=1000)
    spawn_rate: float = Field(5, gt=0)
    duration_s: int = Field(10, ge=1, le=3600)
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="locust worker processes; above 1 a master spreads the users over them",
    )
    p50_ms: float | None = Field(None, gt=0, description="limit on the median response time")
    p95_ms: float = Field(500, gt=0)
    p99_ms: float | None = Field(None, gt=0)
    max_failure_ratio: float = Field(0.01, ge=0, le=1)
    min_rps: float | None = Field(None, gt=0, description="requests/s the run must reach")
    ramp: list[Annotated[int, Field(ge=1, le=1000)]] = Field(
        default_factory=list,
        description="user counts of a staged launch's load ramp, increasing, e.g. [5, 10, 20]",
    )

    @model_validator(mode="after")
    def _ramp_increases(self) -> LoadProfile:
        if any(b <= a for a, b in zip(self.ramp, self.ramp[1:], strict=False)):
            raise ValueError("ramp: user counts must strictly increase, e.g. [5, 10, 20]")
        return self
