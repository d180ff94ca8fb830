"""`[[freeze]]` entries: what the manifest accepts, and the one line it refuses the rest with."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from golive.errors import ManifestError
from golive.manifest import load
from golive.manifest.freeze import Freeze

WEEKLY: dict[str, Any] = {"days": ["fri"], "from": "16:00", "to": "08:00", "reason": "weekend"}


def test_an_absolute_window_keeps_its_offsets() -> None:
    f = Freeze.model_validate(
        {"start": "2026-12-24T00:00:00+01:00", "end": "2026-12-27T00:00:00+01:00", "reason": "x"}
    )
    assert f.start == datetime(2026, 12, 23, 23, tzinfo=UTC)
    assert not f.weekly
    assert f.describe() == "freeze 2026-12-24T00:00+01:00 to 2026-12-27T00:00+01:00: x"


def test_a_weekly_window_reads_from_and_to_and_describes_itself() -> None:
    f = Freeze.model_validate({**WEEKLY, "timezone": "Europe/Berlin"})
    assert f.weekly and f.from_ == "16:00"
    assert (
        f.describe() == "weekly freeze fri 16:00-08:00 Europe/Berlin (until the next day): weekend"
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"start": "2026-12-24T00:00:00", "end": "2026-12-25T00:00:00+00:00"}, "timezone info"),
        ({"start": "2026-12-24T00:00:00Z"}, "needs both start and end"),
        ({"start": "2026-12-24T00:00:00Z", "end": "2026-12-24T00:00:00Z"}, "after start"),
        ({**WEEKLY, "timezone": "Mars/Olympus"}, "not an IANA time zone"),
        ({**WEEKLY, "from": "4pm"}, "not a time of day"),
        ({**WEEKLY, "to": "24:30"}, "not a time of day"),
        ({**WEEKLY, "days": ["friday"]}, "'mon', 'tue'"),
        ({**WEEKLY, "to": "16:00"}, "empty"),
        ({"days": ["fri"], "from": "16:00"}, "give start and end, or days, from and to"),
        ({**WEEKLY, "start": "2026-12-24T00:00:00Z"}, "not both"),
        ({"reason": ""}, "at least 1 character"),
        ({**WEEKLY, "from_": "16:00"}, "Extra inputs"),
    ],
)
def test_bad_windows_are_refused(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError) as err:
        Freeze.model_validate({"reason": "r", **data})
    assert problem in str(err.value)


def test_a_bad_window_in_the_manifest_is_one_line_naming_the_field(target: Path) -> None:
    target.write_text(
        target.read_text()
        + '\n[[freeze]]\ndays = ["sat"]\nfrom = "00:00"\nto = "23:59"\ntimezone = "Nowhere/X"\n'
        'reason = "weekend"\n'
    )
    with pytest.raises(ManifestError) as err:
        load(target)
    assert "\n" not in str(err.value)
    assert "freeze[0].timezone: " in str(err.value) and "Nowhere/X" in str(err.value)


def test_toml_datetimes_load(target: Path) -> None:
    target.write_text(
        target.read_text() + "\n[[freeze]]\nstart = 2026-12-24T00:00:00+01:00\n"
        'end = 2026-12-27T00:00:00+01:00\nreason = "holidays"\n'
    )
    (window,) = load(target).freeze
    assert window.reason == "holidays" and window.end == datetime(2026, 12, 26, 23, tzinfo=UTC)


def readme_toml(heading: str) -> dict[str, Any]:
    """The first TOML example under a README heading, parsed."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(heading) :]
    return tomllib.loads(section.split("```toml\n", 1)[1].split("```", 1)[0])


def test_the_readmes_freeze_example_is_valid() -> None:
    absolute, weekly = (
        Freeze.model_validate(f) for f in readme_toml("### Freeze windows")["freeze"]
    )
    assert not absolute.weekly and weekly.days == ["fri", "sat", "sun"]
