"""The manifest's monitoring: where Prometheus comes from and the metric checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from golive.manifest.fields import Strict, http_url


class MetricCheck(Strict):
    """A PromQL instant query compared with a threshold after smoke and load (the metrics gate)."""

    name: str = Field(min_length=1)
    query: str = Field(min_length=1, description="PromQL; may use a range window like [1m]")
    comparison: Literal["<", "<=", ">", ">=", "=="] = Field(
        description="the value must be <comparison> threshold"
    )
    threshold: float
    no_data: Literal["fail", "pass", "warn"] = Field(
        "fail", description="what an empty (or NaN) result means for this check"
    )


class Monitoring(Strict):
    """Where Prometheus comes from, what it loads, and the metric checks (monitor, metrics)."""

    prometheus_url: Annotated[str | None, AfterValidator(http_url)] = Field(
        None,
        description="an existing Prometheus that already scrapes the services; unset:"
        " golive starts its own from prometheus_binary",
    )
    prometheus_binary: str = Field("prometheus", description="a name on PATH or a path")
    require_prometheus: bool = Field(
        False, description="no Prometheus (no URL, binary not found) blocks the launch"
    )
    listen_port: int = Field(0, ge=0, le=65535, description="0: any free port on 127.0.0.1")
    scrape_interval_s: float = Field(1, ge=0.1, le=300)
    rule_files: list[Path] = Field(default_factory=list, description="alert/recording rules")
    wait_s: float = Field(
        30, gt=0, le=600, description="how long targets may take to be up and rules evaluated"
    )
    checks: list[MetricCheck] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_names_unique(self) -> Monitoring:
        names = [c.name for c in self.checks]
        if len(set(names)) != len(names):
            raise ValueError("checks: two metric checks share a name")
        return self
