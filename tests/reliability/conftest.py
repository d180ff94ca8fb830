"""Fixtures of the fault tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.warm_process import OFF_ENV
from tests.reliability.blocked_launches import Launches, launches_with


@pytest.fixture
def launches(target: Path, golive_home: Path) -> Iterator[Launches]:
    """Launches of a golive that runs them itself (not in the test session's warm process):
    what is killed or interrupted is golive's own process."""
    yield from launches_with(target, golive_home, {OFF_ENV: "off"})
