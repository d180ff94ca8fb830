"""Smoke gate: the manifest's checks against the deployed services, concurrently.

One pooled httpx.AsyncClient serves every check; a semaphore bounds how many are in flight so
a thousand checks never open a thousand sockets at once. Only a refused connection or an
unexpected 5xx is retried, a bounded number of times with a short backoff: both say "not
ready yet", whereas a 4xx is an answer and retrying it would only hide a broken contract.
A failing critical check (payment processing among them) blocks; others warn.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from golive.health import service_url
from golive.manifest import Service, SmokeCheck
from golive.results import GateResult, failed, passed, warned

GATE = "smoke"
# httpcore's pool scans all its connections for every request it hands out, so past about 20 a
# bigger pool costs more CPU than it saves in waiting (benchmarks/smoke_concurrency.py).
DEFAULT_CONCURRENCY = 20
# First pause before a retry; it doubles each time, capped at MAX_BACKOFF_S.
BACKOFF_S = 0.2
MAX_BACKOFF_S = 2.0
# The request never reached the service, so retrying cannot repeat its effect (even a POST).
RETRYABLE_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout)


@dataclass(frozen=True)
class CheckOutcome:
    check: SmokeCheck
    status: int | None
    problem: str
    latency_ms: float
    attempts: int = 1

    def row(self) -> dict[str, object]:
        return {
            "check": self.check.name,
            "critical": self.check.critical,
            "request": f"{self.check.method} {self.check.path}",
            "expected": self.check.expect,
            "got": self.status if self.status is not None else "-",
            "latency_ms": round(self.latency_ms, 1),
            "attempts": self.attempts,
            "result": self.problem or "ok",
        }


@dataclass(frozen=True)
class Attempt:
    status: int | None
    problem: str
    latency_ms: float
    retryable: bool


async def attempt(client: httpx.AsyncClient, check: SmokeCheck, service: Service) -> Attempt:
    t0 = time.monotonic()
    try:
        response = await client.request(
            check.method, service_url(service, check.path), json=check.body, timeout=check.timeout
        )
    except httpx.HTTPError as exc:
        retryable = isinstance(exc, RETRYABLE_ERRORS)
        ms = (time.monotonic() - t0) * 1000
        return Attempt(None, f"request failed: {type(exc).__name__}", ms, retryable)
    latency = (time.monotonic() - t0) * 1000
    code = response.status_code
    if code == check.expect:
        return Attempt(code, "", latency, False)
    return Attempt(code, f"expected {check.expect}, got {code}", latency, code >= 500)


async def run_check(
    client: httpx.AsyncClient,
    slots: asyncio.Semaphore,
    check: SmokeCheck,
    service: Service,
    backoff_s: float = BACKOFF_S,
) -> CheckOutcome:
    """One check, retried while it is retryable and attempts remain; latency of the last try."""
    for n in range(1, check.attempts + 1):
        # The slot is held only while a request is in flight, never during the backoff.
        async with slots:
            result = await attempt(client, check, service)
        if not result.retryable or n == check.attempts:
            break
        await asyncio.sleep(min(backoff_s * 2 ** (n - 1), MAX_BACKOFF_S))
    return CheckOutcome(check, result.status, result.problem, result.latency_ms, n)


async def run_all(
    checks: list[SmokeCheck],
    services: dict[str, Service],
    concurrency: int = DEFAULT_CONCURRENCY,
    backoff_s: float = BACKOFF_S,
) -> list[CheckOutcome]:
    slots = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:
        return list(
            await asyncio.gather(
                *(run_check(client, slots, c, services[c.service], backoff_s) for c in checks)
            )
        )


def smoke(
    checks: list[SmokeCheck],
    services: list[Service],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    backoff_s: float = BACKOFF_S,
) -> GateResult:
    """Run the checks whose service is deployed, at most `concurrency` requests at a time."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    started = time.monotonic()
    by_name = {s.name: s for s in services}
    runnable = [c for c in checks if c.service in by_name]
    outcomes = asyncio.run(run_all(runnable, by_name, concurrency, backoff_s)) if runnable else []
    rows = [o.row() for o in outcomes]
    bad = [o for o in outcomes if o.problem]
    score = round(100 * (len(outcomes) - len(bad)) / len(outcomes)) if outcomes else 0
    kw: dict[str, Any] = {"details": rows, "duration_s": time.monotonic() - started, "score": score}
    if not outcomes:
        return warned(GATE, "no smoke checks for the deployed services", **kw)
    critical = [o for o in bad if o.check.critical]
    if critical:
        o = critical[0]
        return failed(
            GATE,
            f"critical check {o.check.name} ({o.check.method} "
            f"{o.check.path} on {o.check.service}): {o.problem}",
            **kw,
        )
    if bad:
        return warned(
            GATE,
            f"{len(bad)} non-critical check(s) failed, first {bad[0].check.name}: {bad[0].problem}",
            **kw,
        )
    retried = sum(1 for o in outcomes if o.attempts > 1)
    note = f" ({retried} after a retry)" if retried else ""
    return passed(GATE, f"{len(outcomes)} check(s) passed{note}", **kw)
