"""The manifest's `[bake]`: how long a canary (`[proxy] canary_weight`) serves its share of the
public traffic while PromQL checks measure it, before it is promoted or switched back.

A bake check has the fields of a `[[monitoring.checks]]` entry; its query may name `{release}`,
which the bake gate replaces by the canary's release id (golive labels every scrape target it
writes with `release`), so a check can read the canary's own series.
"""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from golive.manifest.fields import Strict
from golive.manifest.monitoring import MetricCheck
from golive.manifest.proxy import ProxySettings

RELEASE = "{release}"  # in a bake check's query: the canary's release id


class Bake(Strict):
    """Measurements of a canary: every interval_s for duration_s, each check evaluated once;
    failure_limit consecutive failed measurements abort (switch back, NO-GO)."""

    duration_s: float = Field(gt=0, le=86400, description="how long the canary bakes")
    interval_s: float = Field(gt=0, description="seconds between two measurements")
    failure_limit: int = Field(
        1, ge=1, description="consecutive failed measurements that abort the bake"
    )
    checks: list[MetricCheck] = Field(min_length=1)

    @property
    def measurements(self) -> int:
        """How many measurements a bake that never aborts takes."""
        return max(1, math.floor(self.duration_s / self.interval_s + 1e-9))

    @model_validator(mode="after")
    def _consistent(self) -> Bake:
        if self.interval_s > self.duration_s:
            raise ValueError(
                f"interval_s: {self.interval_s:g} is longer than duration_s"
                f" ({self.duration_s:g}); measure at least once within the bake"
            )
        if self.failure_limit > self.measurements:
            raise ValueError(
                f"failure_limit: {self.failure_limit} consecutive failures can never happen in"
                f" {self.measurements} measurement(s) (duration_s / interval_s); lower it"
            )
        names = [c.name for c in self.checks]
        if len(set(names)) != len(names):
            raise ValueError("checks: two bake checks share a name")
        return self


def check_canary(proxy: ProxySettings, bake: Bake | None) -> None:
    """A canary and its bake come together: a share of traffic that nothing measures would be
    promoted blind, and a bake without a canary has no release of its own to measure."""
    if proxy.canary_weight and proxy.kind != "nginx":
        raise ValueError(
            'proxy.canary_weight: a canary needs the proxy; set [proxy] kind = "nginx"'
        )
    if proxy.canary_weight and bake is None:
        raise ValueError(
            "bake: [proxy] canary_weight is set but there is no [bake] to measure the canary;"
            " add [bake] with its [[bake.checks]], or remove canary_weight"
        )
    if bake is not None and not proxy.canary_weight:
        raise ValueError(
            "bake: a bake measures a canary; set [proxy] canary_weight (1-100) or remove [bake]"
        )
