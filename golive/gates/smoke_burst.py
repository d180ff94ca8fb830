"""A rate-limit smoke check's burst: up to N requests to one path within T seconds, a few in
flight at a time, stopping at the first 429 (the service's rate limiter answered).

Separate from the smoke gate's single requests because it asks a different question: not "is
this answer right" but "does the service refuse a flood", which only a count of answers tells.
The burst is bounded twice: in requests (the manifest caps N) and in time (no request starts
after the deadline; one in flight finishes within its own timeout).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

# Requests of one burst in flight at once (each also takes a slot of the gate's semaphore):
# enough to outrun a limiter of a few requests a second, few enough to stay polite.
WORKERS = 8
TOO_MANY_REQUESTS = 429


@dataclass
class Burst:
    """What a burst got: requests sent, answers by status, requests that got no answer, the
    ordinal of the request the first 429 answered, and whether the deadline stopped it."""

    requests: int
    within_s: float
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failed: int = 0
    first_429: int | None = None
    out_of_time: bool = False
    elapsed_s: float = 0.0

    def tally(self) -> str:
        parts = [f"{code} x{n}" for code, n in sorted(self.statuses.items())]
        if self.failed:
            parts.append(f"no answer x{self.failed}")
        return ", ".join(parts) or "nothing"

    def problem(self) -> str:
        """Empty when a 429 came; else what the burst did, for the check's failure line."""
        if self.first_429 is not None:
            return ""
        if self.out_of_time:
            return (
                f"sent only {self.sent} of {self.requests} requests within {self.within_s:g} s "
                f"and got no 429 (answers: {self.tally()})"
            )
        return (
            f"sent {self.sent} requests in {self.elapsed_s:.1f} s and got no 429: no rate "
            f"limit enforced (answers: {self.tally()})"
        )

    def status(self) -> int | None:
        """The status the smoke table shows: 429 when it came, else the commonest answer."""
        if self.first_429 is not None:
            return TOO_MANY_REQUESTS
        return self.statuses.most_common(1)[0][0] if self.statuses else None


async def burst(
    client: httpx.AsyncClient,
    slots: asyncio.Semaphore,
    args: dict[str, Any],
    requests: int,
    within_s: float,
) -> Burst:
    """Send `args` (httpx.request's arguments) up to `requests` times within `within_s`."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + within_s
    got = Burst(requests, within_s)
    done = asyncio.Event()  # a 429 came: the question is answered, stop sending

    async def worker() -> None:
        while not done.is_set() and got.sent < requests:
            if loop.time() >= deadline:
                got.out_of_time = True
                return
            got.sent += 1
            ordinal = got.sent
            async with slots:
                try:
                    response = await client.request(**args)
                except httpx.HTTPError:
                    got.failed += 1
                    continue
            got.statuses[response.status_code] += 1
            if response.status_code == TOO_MANY_REQUESTS:
                got.first_429 = min(ordinal, got.first_429 or ordinal)
                done.set()

    t0 = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(min(WORKERS, requests))))
    got.elapsed_s = time.monotonic() - t0
    return got
