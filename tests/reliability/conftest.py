"""Fixtures of the fault tests."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.blocked_launches import Launches


@pytest.fixture
def launches(target: Path, golive_home: Path) -> Iterator[Launches]:
    runs = Launches(target, golive_home)
    yield runs
    for proc in runs.started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
