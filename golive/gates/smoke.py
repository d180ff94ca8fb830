"""Smoke gate: the manifest's checks against the deployed services, concurrently.

A failing critical check (payment processing among them) blocks; others warn.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from golive.gates.deploy import service_url
from golive.manifest import Service, SmokeCheck
from golive.results import Category, GateResult, failed, passed, warned

GATE = "smoke"


@dataclass(frozen=True)
class CheckOutcome:
    check: SmokeCheck
    status: int | None
    problem: str
    latency_ms: float

    def row(self) -> dict[str, object]:
        return {
            "check": self.check.name,
            "critical": self.check.critical,
            "request": f"{self.check.method} {self.check.path}",
            "expected": self.check.expect,
            "got": self.status if self.status is not None else "-",
            "latency_ms": round(self.latency_ms, 1),
            "result": self.problem or "ok",
        }


async def run_check(client: httpx.AsyncClient, check: SmokeCheck, service: Service) -> CheckOutcome:
    t0 = time.monotonic()
    try:
        response = await client.request(
            check.method, service_url(service, check.path), json=check.body, timeout=check.timeout
        )
    except httpx.HTTPError as exc:
        return CheckOutcome(
            check, None, f"request failed: {type(exc).__name__}", (time.monotonic() - t0) * 1000
        )
    latency = (time.monotonic() - t0) * 1000
    problem = (
        ""
        if response.status_code == check.expect
        else f"expected {check.expect}, got {response.status_code}"
    )
    return CheckOutcome(check, response.status_code, problem, latency)


async def run_all(checks: list[SmokeCheck], services: dict[str, Service]) -> list[CheckOutcome]:
    async with httpx.AsyncClient() as client:
        return list(
            await asyncio.gather(*(run_check(client, c, services[c.service]) for c in checks))
        )


def smoke(checks: list[SmokeCheck], services: list[Service]) -> GateResult:
    started = time.monotonic()
    by_name = {s.name: s for s in services}
    runnable = [c for c in checks if c.service in by_name]
    outcomes = asyncio.run(run_all(runnable, by_name)) if runnable else []
    rows = [o.row() for o in outcomes]
    bad = [o for o in outcomes if o.problem]
    score = round(100 * (len(outcomes) - len(bad)) / len(outcomes)) if outcomes else 0
    kw: dict[str, Any] = {"details": rows, "duration_s": time.monotonic() - started, "score": score}
    if not outcomes:
        return warned(GATE, Category.SMOKE, "no smoke checks for the deployed services", **kw)
    critical = [o for o in bad if o.check.critical]
    if critical:
        o = critical[0]
        return failed(
            GATE,
            Category.SMOKE,
            f"critical check {o.check.name} ({o.check.method} "
            f"{o.check.path} on {o.check.service}): {o.problem}",
            **kw,
        )
    if bad:
        return warned(
            GATE,
            Category.SMOKE,
            f"{len(bad)} non-critical check(s) failed, first {bad[0].check.name}: {bad[0].problem}",
            **kw,
        )
    return passed(GATE, Category.SMOKE, f"{len(outcomes)} check(s) passed", **kw)
