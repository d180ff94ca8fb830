"""The manifest's `[proxy]`: whether a per-environment reverse proxy switches traffic between
releases (blue/green), and which one."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from golive.manifest.fields import Strict


class ProxySettings(Strict):
    kind: Literal["none", "nginx"] = Field(
        "none",
        description="none: each service listens on its public port itself; nginx: one nginx per"
        " environment listens there and switches to a new release once it is verified",
    )
    binary: str = Field("nginx", description="the nginx program (a name on PATH or a path)")
    settle_timeout_s: float = Field(
        30, gt=0, description="seconds a reload may take before its old workers have finished"
    )
    canary_weight: int = Field(
        0,
        ge=0,
        le=100,
        description="percent of public traffic a new release takes while it bakes ([bake]);"
        " 0: no canary, it takes all traffic once verified",
    )
