"""The manifest's `[drift]`: how much worse a rehearsal may load than the previous rehearsal of
the same target and environment before golive says so (golive.drift)."""

from __future__ import annotations

from pydantic import Field

from golive.manifest.fields import Strict


class DriftSettings(Strict):
    max_p95_increase: float | None = Field(
        None, gt=0, description="the load's p95 may rise by this ratio (0.2: 20%) at most"
    )
    max_p99_increase: float | None = Field(
        None, gt=0, description="the load's p99 may rise by this ratio at most"
    )
    max_rps_decrease: float | None = Field(
        None, gt=0, le=1, description="the load's requests/s may fall by this ratio at most"
    )
    blocking: bool = Field(
        False, description="false: a regression is a warning; true: it turns GO into NO-GO"
    )
