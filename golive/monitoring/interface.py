"""The monitoring boundary: what watches a deployed environment's metrics, and its errors.

A Prometheus (one golive starts for the environment, or an existing one at a URL) or, offline,
golive scraping each service's metrics endpoint itself. `golive.monitoring.open_watch` is the
one place that picks; the monitor gate only observes and judges what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from golive.manifest import Service

Mode = Literal["started", "existing", "none"]
Row = dict[str, Any]


class MonitoringError(Exception):
    """Monitoring could not be set up or read (Prometheus would not start, its API failed).

    Not bad input: a gate reports it as its own failure, never the CLI as exit 2.
    """


@dataclass(frozen=True)
class Located:
    """Which Prometheus a gate talks to: one golive started, an existing one, or none (why)."""

    mode: Mode
    url: str | None
    reason: str


class Watcher(Protocol):
    @property
    def located(self) -> Located:
        """The Prometheus it reads, or mode 'none' (and why) when it scrapes the endpoints."""
        ...

    def observe(self, services: list[Service], wait_s: float) -> tuple[list[Row], list[Row]]:
        """(target rows, rule rows): one target row per service, whose `problem` is '-' when
        the service's metrics are scraped cleanly, and one rule row per rule group expected
        (none when nothing evaluates rules). Waits, with backoff, up to wait_s for targets not
        scraped yet and rules not evaluated yet.

        Raises MonitoringError when what it reads cannot be read.
        """
        ...
