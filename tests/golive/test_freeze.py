"""golive.freeze: which window holds a launch back at an injected instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from golive.freeze import active_window, occurrence, refusal
from golive.manifest.freeze import Freeze

BERLIN = ZoneInfo("Europe/Berlin")


def weekly(**kw: Any) -> Freeze:
    return Freeze.model_validate(
        {"days": ["fri"], "from": "16:00", "to": "08:00", "reason": "weekend", **kw}
    )


def absolute(start: datetime, end: datetime, reason: str = "release freeze") -> Freeze:
    return Freeze.model_validate({"start": start, "end": end, "reason": reason})


NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday


def test_an_absolute_window_includes_its_start_and_excludes_its_end() -> None:
    f = absolute(NOW, NOW + timedelta(hours=2))
    assert active_window([f], NOW) is f
    assert active_window([f], NOW + timedelta(hours=2) - timedelta(microseconds=1)) is f
    assert active_window([f], NOW + timedelta(hours=2)) is None
    assert active_window([f], NOW - timedelta(microseconds=1)) is None


def test_an_absolute_window_compares_instants_whatever_the_offsets() -> None:
    plus_two = datetime(2026, 11, 27, 12, 0, tzinfo=ZoneInfo("Africa/Cairo"))  # 10:00 UTC
    f = absolute(plus_two, plus_two + timedelta(minutes=1))
    assert active_window([f], NOW) is f
    assert active_window([f], NOW.astimezone(ZoneInfo("America/New_York"))) is f


def test_a_weekly_window_crossing_midnight_runs_into_the_next_day() -> None:
    f = weekly(timezone="UTC")
    friday = datetime(2026, 11, 27, tzinfo=UTC)
    assert active_window([f], friday.replace(hour=15, minute=59)) is None
    assert active_window([f], friday.replace(hour=16)) is f  # start included
    assert active_window([f], friday.replace(hour=23, minute=59)) is f
    saturday = friday + timedelta(days=1)
    assert active_window([f], saturday.replace(hour=7, minute=59, second=59)) is f
    assert active_window([f], saturday.replace(hour=8)) is None  # end excluded
    # Saturday is not a start day: its evening is free.
    assert active_window([f], saturday.replace(hour=17)) is None
    # The Friday before, at 01:00, belongs to Thursday's (absent) occurrence.
    assert active_window([f], friday.replace(hour=1)) is None


def test_a_weekly_window_within_one_day_on_each_listed_day() -> None:
    f = weekly(days=["sat", "sun"], **{"from": "09:00", "to": "17:00"})
    saturday = datetime(2026, 11, 28, 9, tzinfo=UTC)
    assert active_window([f], saturday) is f
    assert active_window([f], saturday + timedelta(days=1, hours=7, minutes=59)) is f
    assert active_window([f], saturday + timedelta(hours=8)) is None
    assert active_window([f], saturday + timedelta(days=2)) is None  # monday


def test_a_weekly_window_reads_the_wall_clock_of_its_zone() -> None:
    f = weekly(timezone="Europe/Berlin")  # CET, UTC+1, in November
    assert active_window([f], datetime(2026, 11, 27, 15, 0, tzinfo=UTC)) is f  # 16:00 Berlin
    assert active_window([f], datetime(2026, 11, 27, 14, 59, tzinfo=UTC)) is None
    assert active_window([f], datetime(2026, 11, 28, 6, 59, tzinfo=UTC)) is f  # 07:59 Berlin
    assert active_window([f], datetime(2026, 11, 28, 7, 0, tzinfo=UTC)) is None


def test_the_night_the_clocks_go_forward_the_window_ends_at_the_wall_clock_time() -> None:
    # Berlin, Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST. A Saturday 16:00 to
    # Sunday 08:00 window starts at 15:00 UTC and ends at 06:00 UTC, 15 hours, not 16.
    f = weekly(days=["sat"], timezone="Europe/Berlin")
    start = datetime(2026, 3, 28, 16, 0, tzinfo=BERLIN)
    assert occurrence(f, start) == (
        datetime(2026, 3, 28, 15, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 6, 0, tzinfo=UTC),
    )
    assert active_window([f], datetime(2026, 3, 29, 5, 59, tzinfo=UTC)) is f  # 07:59 CEST
    # 06:30 UTC would be 07:30 under the winter offset: after the change it is 08:30, free.
    assert active_window([f], datetime(2026, 3, 29, 6, 30, tzinfo=UTC)) is None


def test_the_night_the_clocks_go_back_the_window_is_an_hour_longer() -> None:
    # Berlin, Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET.
    f = weekly(days=["sat"], timezone="Europe/Berlin")
    start, end = occurrence(f, datetime(2026, 10, 24, 14, 0, tzinfo=UTC)) or (None, None)
    assert start == datetime(2026, 10, 24, 14, 0, tzinfo=UTC)  # 16:00 CEST
    assert end == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)  # 08:00 CET
    assert active_window([f], datetime(2026, 10, 25, 6, 59, tzinfo=UTC)) is f


def test_a_window_starting_at_a_wall_time_the_clocks_skip_starts_when_they_jump() -> None:
    f = weekly(days=["sun"], timezone="Europe/Berlin", **{"from": "02:30", "to": "04:00"})
    # 02:30 does not exist that Sunday; read with the offset before the change, 01:30 UTC,
    # which is 03:30 CEST.
    assert occurrence(f, datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == (
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 0, tzinfo=UTC),
    )
    assert active_window([f], datetime(2026, 3, 29, 1, 29, tzinfo=UTC)) is None


def test_the_first_active_window_in_manifest_order_is_reported() -> None:
    later = absolute(NOW + timedelta(hours=1), NOW + timedelta(hours=3), "later")
    first = absolute(NOW - timedelta(hours=1), NOW + timedelta(hours=1), "first")
    second = absolute(NOW - timedelta(hours=2), NOW + timedelta(hours=2), "second")
    assert active_window([later, first, second], NOW) is first
    assert active_window([later], NOW) is None
    assert active_window([], NOW) is None


def test_a_naive_now_is_a_bug() -> None:
    with pytest.raises(ValueError, match="aware"):
        active_window([weekly()], datetime(2026, 11, 27, 17))


def test_the_refusal_names_the_environment_the_window_its_end_and_the_way_out() -> None:
    f = weekly(timezone="Europe/Berlin")
    line = refusal([f], "production", datetime(2026, 11, 27, 20, tzinfo=UTC))
    assert line is not None and "\n" not in line
    assert line.startswith("environment production is frozen until 2026-11-28T08:00+01:00")
    assert "weekly freeze fri 16:00-08:00 Europe/Berlin" in line and ": weekend" in line
    assert '--override-freeze "why"' in line
    assert refusal([f], "production", datetime(2026, 11, 27, 14, tzinfo=UTC)) is None


def test_an_absolute_refusal_shows_the_end_in_the_offset_it_was_written_in() -> None:
    end = datetime(2026, 11, 27, 12, tzinfo=ZoneInfo("Asia/Tokyo"))  # 03:00 UTC
    f = absolute(end - timedelta(days=1), end, "quarter close")
    line = refusal([f], "prod", datetime(2026, 11, 27, 2, tzinfo=UTC))
    assert line is not None and "frozen until 2026-11-27T12:00+09:00" in line
    assert "quarter close" in line
