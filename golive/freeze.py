"""Freeze windows at a given instant: which window, if any, holds a launch back now.

Pure functions over the manifest's `[[freeze]]` entries and an injected `now`, so that the
weekly logic (windows across midnight, days when the clocks change) is tested without a clock.
A window includes its start and excludes its end. A rehearsal is never frozen: refusing one
is the caller's decision (`refusal`), not this module's arithmetic.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from golive.errors import Frozen
from golive.manifest.freeze import DAYS, Freeze


def occurrence(freeze: Freeze, now: datetime) -> tuple[datetime, datetime] | None:
    """The window's occurrence that contains `now` (an aware instant), as UTC (start, end)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    instant = now.astimezone(UTC)
    if not freeze.weekly:
        assert freeze.start is not None and freeze.end is not None  # the model checked
        start, end = freeze.start.astimezone(UTC), freeze.end.astimezone(UTC)
        return (start, end) if start <= instant < end else None
    today = instant.astimezone(freeze.zone).date()
    # An occurrence that started yesterday (across midnight) may still run today.
    for day in (today - timedelta(days=1), today):
        if DAYS[day.weekday()] not in freeze.days:
            continue
        start, end = _bounds(freeze, day)
        if start <= instant < end:
            return start, end
    return None


def _bounds(freeze: Freeze, day: date) -> tuple[datetime, datetime]:
    """A weekly window's occurrence starting on `day`, in UTC. Wall-clock times are placed in
    the zone as the law of that day says: on a DST change day the window is an hour shorter
    or longer, never shifted. A wall time that does not exist (skipped by the change) lands
    where the clocks put it (fold 0: read with the offset before the change)."""
    zone = freeze.zone
    end_day = day + timedelta(days=1) if freeze.from_time > freeze.to_time else day
    start = datetime.combine(day, freeze.from_time, tzinfo=zone)
    end = datetime.combine(end_day, freeze.to_time, tzinfo=zone)
    # Compared in UTC: two datetimes sharing one ZoneInfo compare by wall clock, not instant.
    return start.astimezone(UTC), end.astimezone(UTC)


def active_window(freezes: list[Freeze], now: datetime) -> Freeze | None:
    """The first window (in manifest order) that contains `now`, or None."""
    return next((f for f in freezes if occurrence(f, now) is not None), None)


def refusal(freezes: list[Freeze], environment: str, now: datetime) -> str | None:
    """The one line that refuses a launch to `environment` at `now`, or None when no window
    holds it. Callers skip this for rehearsals, which are never frozen."""
    window = active_window(freezes, now)
    if window is None:
        return None
    bounds = occurrence(window, now)
    assert bounds is not None  # active_window found it
    # Shown in the window's own terms: its zone's wall clock, or the offset it was written in.
    until = bounds[1].astimezone(window.zone) if window.weekly else window.end
    assert until is not None
    return (
        f"environment {environment} is frozen until {until.isoformat(timespec='minutes')} "
        f"({window.describe()}); launch later, rehearse (--rehearsal), or pass "
        '--override-freeze "why"'
    )


def check_freeze(
    freezes: list[Freeze],
    environment: str,
    *,
    rehearsal: bool,
    override: str | None,
    now: datetime,
) -> Freeze | None:
    """Before a launch opens: raise Frozen when a window holds `environment` and nobody
    overrode it; return the window an override lets the launch through (None: no window, or
    a rehearsal)."""
    if rehearsal:
        return None
    line = refusal(freezes, environment, now)
    if line is None:
        return None
    if override is None or not override.strip():
        raise Frozen(line)
    return active_window(freezes, now)
