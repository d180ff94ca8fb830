"""Freeze windows (`[[freeze]]`): times when no launch may go to a real environment.

A window is either absolute (`start`/`end`, RFC 3339 times with their offset) or weekly
(`days`, `from`, `to` as wall-clock times in `timezone`, an IANA name). A weekly window starts
on each of its days at `from`; when `from` is later than `to` it ends at `to` on the next day
(a Friday evening to Saturday morning freeze is `days = ["fri"]`, `from = "16:00"`,
`to = "08:00"`). Whether a window is active now is golive.freeze's question.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, Field, field_validator, model_validator

from golive.manifest.fields import Strict

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(value: str) -> time:
    try:
        hours, minutes = value.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError(value)
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f'{value!r} is not a time of day like "16:00"') from None


class Freeze(Strict):
    reason: str = Field(min_length=1, description="why nothing may launch (shown on refusal)")
    start: AwareDatetime | None = Field(None, description="an absolute window's first instant")
    end: AwareDatetime | None = Field(None, description="an absolute window's end (excluded)")
    days: list[Day] = Field(default_factory=list, description="a weekly window's start days")
    from_: str | None = Field(None, alias="from", description='start time of day, "16:00"')
    to: str | None = Field(None, description="end time of day; before `from`: the next day")
    timezone: str = Field("UTC", description="IANA zone of a weekly window's days and times")

    @field_validator("from_", "to")
    @classmethod
    def _time_of_day(cls, value: str | None) -> str | None:
        if value is not None:
            _clock(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'{value!r} is not an IANA time zone; write one like "Europe/Berlin" or "UTC"'
            ) from None
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Freeze:
        absolute = self.start is not None or self.end is not None
        weekly = bool(self.days) or self.from_ is not None or self.to is not None
        if absolute and weekly:
            raise ValueError("give start/end (absolute) or days/from/to (weekly), not both")
        if absolute:
            if self.start is None or self.end is None:
                raise ValueError("an absolute window needs both start and end")
            if self.end <= self.start:
                raise ValueError("end: must be after start")
        elif not (self.days and self.from_ is not None and self.to is not None):
            raise ValueError(
                'give start and end, or days, from and to (days = ["fri"], from = "16:00",'
                ' to = "08:00")'
            )
        elif self.from_ == self.to:
            raise ValueError("to: equals from, so the window would be empty")
        return self

    @property
    def weekly(self) -> bool:
        return bool(self.days)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def from_time(self) -> time:
        return _clock(self.from_ or "00:00")

    @property
    def to_time(self) -> time:
        return _clock(self.to or "00:00")

    def describe(self) -> str:
        """The window as a person reads it: its times and its reason."""
        if self.weekly:
            days = ", ".join(self.days)
            span = f"{days} {self.from_}-{self.to} {self.timezone}"
            if self.from_time > self.to_time:
                span += " (until the next day)"
            return f"weekly freeze {span}: {self.reason}"
        assert self.start is not None and self.end is not None  # checked by _one_kind
        return f"freeze {_iso(self.start)} to {_iso(self.end)}: {self.reason}"


def _iso(instant: datetime) -> str:
    return instant.isoformat(timespec="minutes")
