"""Deploy gate: replace a release's changed services one at a time, in depends_on order, and
wait for each to be healthy; a service whose release did not change is never touched. Into an
environment where nothing of ours runs (a rehearsal, a first launch) nobody is served meanwhile:
the services that depend on nothing not yet started start together (`waves`).

A port taken by something else fails before anything stops; a service that never gets healthy
is stopped, and the flow's rollback (after the NO-GO) puts the previous releases back.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from golive.backends import DeployBackend
from golive.envfile import Redactor
from golive.gates.build import release_service
from golive.gates.outputs import BuiltRelease, DeployOutput, ServiceRollback
from golive.health import port_in_use, service_url, wait_healthy
from golive.manifest import Service
from golive.results import GateResult, failed, passed

GATE = "deploy"


def start(
    backend: DeployBackend, service: Service, path: Path, rid: str, env: dict[str, str]
) -> None:
    backend.start(service, path, rid, {**env, "PORT": str(service.port)})


def healthy(backend: DeployBackend, service: Service) -> str | None:
    """None once the service answers its health check, else why it never did."""
    return wait_healthy(
        service_url(service, service.health),
        service.health_timeout,
        lambda: backend.exit_code(service.name),
    )


def start_and_wait(
    backend: DeployBackend, service: Service, path: Path, rid: str, env: dict[str, str]
) -> str | None:
    start(backend, service, path, rid, env)
    return healthy(backend, service)


def waves(services: list[Service]) -> list[list[Service]]:
    """The services (in depends_on order) in groups that may start together: each group after
    the ones holding what its services depend on."""
    level: dict[str, int] = {}
    for svc in services:
        level[svc.name] = 1 + max((level[d] for d in svc.depends_on if d in level), default=-1)
    groups: list[list[Service]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for svc in services:
        groups[level[svc.name]].append(svc)
    return groups


def deploy(
    services: list[Service],
    releases: dict[str, BuiltRelease],
    backend: DeployBackend,
    env: dict[str, str],
    redact: Redactor,
    same_config: Collection[str] = (),
) -> GateResult:
    """The deploy gate: replace each changed service, one at a time in depends_on order, and
    wait for its health (into an environment where nothing of ours runs, a wave of `waves` at a
    time). A service already running the release it is given, with the configuration it is
    given (`same_config` names those whose configuration did not change), is left alone (same
    process or container), so it keeps serving through the launch."""
    started = time.monotonic()
    ours = backend.running()
    for svc in services:
        if svc.name not in ours and port_in_use(svc.port):
            return failed(
                GATE,
                f"port {svc.port} of service {svc.name} is in use by another process; "
                f"stop it or change services[{svc.name}].port",
                output=DeployOutput(),
                duration_s=time.monotonic() - started,
            )
    unchanged = tuple(
        s.name
        for s in services
        if s.name in same_config and ours.get(s.name) == releases[s.name].release_id
    )
    changed = [s for s in services if s.name not in unchanged]
    replaced = tuple(s.name for s in changed if s.name in ours)
    rows: list[dict[str, object]] = [
        {"service": n, "release": ours[n], "port": "", "healthy": "unchanged", "seconds": 0}
        for n in unchanged
    ]
    done: list[str] = []
    for batch in waves(changed) if not ours else [[svc] for svc in changed]:
        t0 = time.monotonic()
        for svc in batch:
            # Only this service gives way, and only now: the others keep serving meanwhile.
            backend.stop(svc.name)
            done.append(svc.name)
            start(backend, svc, Path(releases[svc.name].path), releases[svc.name].release_id, env)
        failure = _first_unhealthy(backend, batch, releases, rows, t0)
        if failure is not None:
            svc, problem = failure
            tail = redact(backend.log_tail(svc.name, 1))
            backend.stop(svc.name)  # the previous release comes back with the rollback
            return failed(
                GATE,
                f"service {svc.name} did not become healthy: {problem}"
                + (f"; last log line: {tail}" if tail else ""),
                details=rows,
                output=DeployOutput(
                    started=tuple(done),
                    replaced=tuple(n for n in replaced if n in done),
                    unchanged=unchanged,
                ),
                duration_s=time.monotonic() - started,
            )
    note = f"; {len(unchanged)} unchanged: " + ", ".join(unchanged) if unchanged else ""
    return passed(
        GATE,
        f"{len(changed)} service(s) healthy: " + ", ".join(s.name for s in changed) + note,
        details=rows,
        output=DeployOutput(started=tuple(done), replaced=replaced, unchanged=unchanged),
        duration_s=time.monotonic() - started,
    )


def _first_unhealthy(
    backend: DeployBackend,
    batch: list[Service],
    releases: dict[str, BuiltRelease],
    rows: list[dict[str, object]],
    since: float,
) -> tuple[Service, str] | None:
    """Wait for each service of a batch just started to be healthy, a row each, in order; the
    first that never was, and why (the ones after it are not waited for)."""
    for svc in batch:
        problem = healthy(backend, svc)
        rows.append(
            {
                "service": svc.name,
                "release": releases[svc.name].release_id,
                "port": svc.port,
                "healthy": problem is None,
                "seconds": round(time.monotonic() - since, 2),
            }
        )
        if problem:
            return svc, problem
    return None


@dataclass(frozen=True)
class PreviousRelease:
    """A release to put back, with the configuration it ran with (secret: never logged)."""

    release: BuiltRelease
    env: dict[str, str] = field(repr=False)


def rollback(
    services: list[Service],
    previous: dict[str, PreviousRelease],
    backend: DeployBackend,
    untouched: Collection[str] = (),
) -> list[ServiceRollback]:
    """Put each service's previous release back, one at a time in depends_on order, as it was
    built (its own command, port and health path, not the new manifest's) and with the
    configuration it ran with (not the new env file's): what happened to each. A service the
    deploy left `untouched` that still runs its previous release is left alone."""
    outcomes = []
    running = backend.running()
    for svc in services:
        before = previous.get(svc.name)
        if (
            before is not None
            and svc.name in untouched
            and running.get(svc.name) == before.release.release_id
        ):
            rid = before.release.release_id
            outcomes.append(ServiceRollback(service=svc.name, outcome="kept", release_id=rid))
            continue
        backend.stop(svc.name)
        if before is None:
            outcomes.append(ServiceRollback(service=svc.name, outcome="stopped"))
            continue
        path, rid = Path(before.release.path), before.release.release_id
        problem = start_and_wait(backend, release_service(path), path, rid, before.env)
        outcomes.append(
            ServiceRollback(
                service=svc.name,
                outcome="failed" if problem else "restored",
                release_id=rid,
                problem=problem or "",
            )
        )
    return outcomes
