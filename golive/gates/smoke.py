"""Smoke gate: the manifest's checks against the deployed services, concurrently.

One pooled httpx.AsyncClient serves every check; a semaphore bounds how many are in flight so
a thousand checks never open a thousand sockets at once. Only a refused connection or an
unexpected 5xx is retried, a bounded number of times with a short backoff: both say "not
ready yet", whereas a 4xx is an answer and retrying it would only hide a broken contract.
A 5xx to a POST or PATCH is never retried: the request may have taken effect (a charge).
A failing critical check (payment processing among them) blocks; others warn.

A check may send headers, a JSON body or a form, with `${NAME}` filled from the production env
file or from a capture: a field an earlier check took from its JSON answer (a login's token).
A check waits only for the checks whose captures it uses; the others still run concurrently.
Captured values are secrets: the gate's result is redacted of them (and of the env values).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from golive.envfile import Redactor
from golive.files import write_private
from golive.gates.smoke_burst import burst
from golive.health import service_url
from golive.manifest import REFERENCE, Service, SmokeCheck
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
# A 5xx to these may come after the request took effect: retrying could repeat a charge.
NOT_RETRIED_ON_5XX = ("POST", "PATCH")


@dataclass(frozen=True)
class CheckOutcome:
    check: SmokeCheck
    status: int | None
    problem: str
    latency_ms: float
    attempts: int = 1
    captured: dict[str, str] = field(default_factory=dict, repr=False)

    def row(self) -> dict[str, object]:
        return {
            "check": self.check.name,
            "critical": self.check.critical,
            "request": f"{self.check.method} {self.check.path}",
            "expected": self.check.expect if self.check.kind == "status" else self.check.expected(),
            "got": self.status if self.status is not None else "-",
            "latency_ms": round(self.latency_ms, 1),
            "attempts": self.attempts,
            "captures": ", ".join(sorted(self.check.capture)) or "-",
            "result": self.problem or "ok",
        }


@dataclass(frozen=True)
class Attempt:
    status: int | None
    problem: str
    latency_ms: float
    retryable: bool
    captured: dict[str, str] = field(default_factory=dict)


def fill(text: str, values: Mapping[str, str]) -> str:
    """`${NAME}` replaced by its value (validation made sure every name has one)."""
    return REFERENCE.sub(lambda m: values.get(m[1], m[0]), text)


def fill_json(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return fill(value, values)
    if isinstance(value, dict):
        return {k: fill_json(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_json(v, values) for v in value]
    return value


def request_args(check: SmokeCheck, service: Service, values: Mapping[str, str]) -> dict[str, Any]:
    """httpx.request's arguments for the check, its `${NAME}`s filled in."""
    args: dict[str, Any] = {
        "method": check.method,
        "url": service_url(service, fill(check.path, values)),
        "headers": {k: fill(v, values) for k, v in check.headers.items()},
        "timeout": check.timeout,
    }
    if check.form is not None:
        args["data"] = {k: fill(v, values) for k, v in check.form.items()}
    elif check.body is not None:
        args["json"] = fill_json(check.body, values)
    return args


def take_captures(check: SmokeCheck, response: httpx.Response) -> tuple[dict[str, str], str]:
    """(name -> value, problem) for the check's captures from its JSON answer."""
    try:
        document = response.json()
    except ValueError:
        return {}, f"capture {next(iter(check.capture))}: the answer is not JSON"
    taken: dict[str, str] = {}
    for name, dotted in check.capture.items():
        node: Any = document
        for part in dotted.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return {}, f"capture {name}: no field {dotted} in the JSON answer"
        if node is None or isinstance(node, dict | list):
            return {}, f"capture {name}: {dotted} is not a string or number"
        taken[name] = node if isinstance(node, str) else json.dumps(node)
    return taken, ""


async def attempt(
    client: httpx.AsyncClient,
    check: SmokeCheck,
    service: Service,
    values: Mapping[str, str] | None = None,
) -> Attempt:
    t0 = time.monotonic()
    try:
        response = await client.request(**request_args(check, service, values or {}))
    except httpx.HTTPError as exc:
        retryable = isinstance(exc, RETRYABLE_ERRORS)
        ms = (time.monotonic() - t0) * 1000
        return Attempt(None, f"request failed: {type(exc).__name__}", ms, retryable)
    latency = (time.monotonic() - t0) * 1000
    code = response.status_code
    retryable = code >= 500 and check.method not in NOT_RETRIED_ON_5XX
    if check.kind == "auth-required":  # any refusal of a caller without credentials will do
        ok = code in (401, 403)
        return Attempt(code, "" if ok else f"expected 401 or 403, got {code}", latency, retryable)
    if code == check.expect:
        taken, problem = take_captures(check, response) if check.capture else ({}, "")
        absent = [h for h in check.expect_headers if h not in response.headers]
        if absent and not problem:
            problem = f"missing header(s) {', '.join(absent)}"
        return Attempt(code, problem, latency, False, taken)
    return Attempt(code, f"expected {check.expect}, got {code}", latency, retryable)


async def run_check(
    client: httpx.AsyncClient,
    slots: asyncio.Semaphore,
    check: SmokeCheck,
    service: Service,
    backoff_s: float = BACKOFF_S,
    values: Mapping[str, str] | None = None,
) -> CheckOutcome:
    """One check, retried while it is retryable and attempts remain; latency of the last try."""
    for n in range(1, check.attempts + 1):
        # The slot is held only while a request is in flight, never during the backoff.
        async with slots:
            result = await attempt(client, check, service, values)
        if not result.retryable or n == check.attempts:
            break
        await asyncio.sleep(min(backoff_s * 2 ** (n - 1), MAX_BACKOFF_S))
    return CheckOutcome(check, result.status, result.problem, result.latency_ms, n, result.captured)


def with_providers(chosen: list[SmokeCheck], checks: list[SmokeCheck]) -> list[SmokeCheck]:
    """The chosen checks and every check whose capture they need (transitively), in order."""
    provider = {name: c for c in checks for name in c.capture}
    keep = list(chosen)
    for check in keep:  # grows while it is walked: providers' own providers are added too
        for name in sorted(check.references()):
            if name in provider and provider[name] not in keep:
                keep.append(provider[name])
    return [c for c in checks if c in keep]


async def run_all(
    checks: list[SmokeCheck],
    services: dict[str, Service],
    concurrency: int = DEFAULT_CONCURRENCY,
    backoff_s: float = BACKOFF_S,
    env: Mapping[str, str] | None = None,
) -> list[CheckOutcome]:
    """Every check at once, but a check that uses a capture after the check that takes it."""
    slots = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    provider = {name: i for i, c in enumerate(checks) for name in c.capture}
    captures: dict[str, str] = {}
    runs: list[asyncio.Task[CheckOutcome]] = []

    async def one(at: int, check: SmokeCheck) -> CheckOutcome:
        if check.kind == "rate-limit":  # its `${NAME}`s are read once the checks before it ran
            known = lambda: {**(env or {}), **captures}  # noqa: E731
            return await flood(client, slots, checks, runs, at, services, known)
        needed = sorted(n for n in check.references() if n in provider)
        for i in sorted({provider[n] for n in needed}):
            await runs[i]  # earlier in the list: validation ordered them
        missing = [n for n in needed if n not in captures]
        if missing:
            by = checks[provider[missing[0]]].name
            return CheckOutcome(check, None, f"no ${{{missing[0]}}}: check {by} failed", 0.0, 0)
        values = {**(env or {}), **captures}
        outcome = await run_check(client, slots, check, services[check.service], backoff_s, values)
        captures.update(outcome.captured)
        return outcome

    async with httpx.AsyncClient(limits=limits) as client:
        runs.extend(asyncio.create_task(one(i, c)) for i, c in enumerate(checks))
        return list(await asyncio.gather(*runs))


async def flood(
    client: httpx.AsyncClient,
    slots: asyncio.Semaphore,
    checks: list[SmokeCheck],
    runs: list[asyncio.Task[CheckOutcome]],
    at: int,
    services: dict[str, Service],
    values: Callable[[], Mapping[str, str]],
) -> CheckOutcome:
    """A rate-limit check, after every other check and the rate-limit checks before it: a
    limiter it trips must not answer another check's request with a 429, nor another burst's."""
    for i, other in enumerate(checks):
        if i < at or (i > at and other.kind != "rate-limit"):
            await asyncio.wait([runs[i]])  # done, however it ended
    check = checks[at]
    assert check.requests is not None and check.within_s is not None  # the manifest checked
    filled = values()
    missing = sorted(check.references() - set(filled))
    if missing:
        return CheckOutcome(check, None, f"no ${{{missing[0]}}}: the check taking it failed", 0, 0)
    args = request_args(check, services[check.service], filled)
    got = await burst(client, slots, args, check.requests, check.within_s)
    return CheckOutcome(check, got.status(), got.problem(), got.elapsed_s * 1000, 1)


def redacted(
    result: GateResult, outcomes: list[CheckOutcome], redactor: Callable[[str], str] | None
) -> GateResult:
    """The result without the captured values (secrets by contract) nor the env's."""
    captured = {k: v for o in outcomes for k, v in o.captured.items()}
    own = Redactor(captured, captured.keys())
    outer = redactor or (lambda text: text)
    return result.redacted(lambda text: own(outer(text)))


def smoke(
    checks: list[SmokeCheck],
    services: list[Service],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    backoff_s: float = BACKOFF_S,
    env: Mapping[str, str] | None = None,
    redactor: Callable[[str], str] | None = None,
    captures_file: Path | None = None,
) -> GateResult:
    """Run the checks whose service is deployed, at most `concurrency` requests at a time;
    `env` fills their `${KEY}`s, `redactor` hides its values from the result. The captured
    values are kept (0600) in `captures_file`, for the launch's Redactor: a service's log may
    hold one (a path with a captured id), and it is redacted when kept as evidence."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    started = time.monotonic()
    by_name = {s.name: s for s in services}
    runnable = [c for c in checks if c.service in by_name]
    outcomes = (
        asyncio.run(run_all(runnable, by_name, concurrency, backoff_s, env)) if runnable else []
    )
    if captures_file is not None:
        captured = {k: v for o in outcomes for k, v in o.captured.items()}
        write_private(captures_file, json.dumps(captured))
    return redacted(verdict(outcomes, started), outcomes, redactor)


def verdict(outcomes: list[CheckOutcome], started: float) -> GateResult:
    """The gate's result from the outcomes: a failed critical check blocks, others warn."""
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
