"""Deploy gate: start a release's services in depends_on order and wait for each to be healthy.

Nothing is left half-deployed: a port taken by something else fails before anything stops;
a service that never gets healthy stops every service this deploy started. Putting the
previous release back is `rollback`, which the flow calls after a NO-GO.
"""

from __future__ import annotations

import time
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


def start_and_wait(
    backend: DeployBackend, service: Service, path: Path, rid: str, env: dict[str, str]
) -> str | None:
    backend.start(service, path, rid, {**env, "PORT": str(service.port)})
    return wait_healthy(
        service_url(service, service.health),
        service.health_timeout,
        lambda: backend.exit_code(service.name),
    )


def deploy(
    services: list[Service],
    releases: dict[str, BuiltRelease],
    backend: DeployBackend,
    env: dict[str, str],
    redact: Redactor,
) -> GateResult:
    """The deploy gate: stop what runs, start each release in order, wait for its health."""
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
    replaced = tuple(s.name for s in services if s.name in ours)
    for svc in reversed(services):  # the previous release gives way, dependants first
        backend.stop(svc.name)
    rows: list[dict[str, object]] = []
    for svc in services:
        rel = releases[svc.name]
        t0 = time.monotonic()
        problem = start_and_wait(backend, svc, Path(rel.path), rel.release_id, env)
        rows.append(
            {
                "service": svc.name,
                "release": rel.release_id,
                "port": svc.port,
                "healthy": problem is None,
                "seconds": round(time.monotonic() - t0, 2),
            }
        )
        if problem:
            tail = redact(backend.log_tail(svc.name, 1))
            started_names = tuple(s.name for s in services[: len(rows)])
            for name in reversed(started_names):
                backend.stop(name)
            return failed(
                GATE,
                f"service {svc.name} did not become healthy: {problem}"
                + (f"; last log line: {tail}" if tail else ""),
                details=rows,
                output=DeployOutput(started=started_names, replaced=replaced),
                duration_s=time.monotonic() - started,
            )
    return passed(
        GATE,
        f"{len(services)} service(s) healthy: " + ", ".join(s.name for s in services),
        details=rows,
        output=DeployOutput(started=tuple(s.name for s in services), replaced=replaced),
        duration_s=time.monotonic() - started,
    )


@dataclass(frozen=True)
class PreviousRelease:
    """A release to put back, with the configuration it ran with (secret: never logged)."""

    release: BuiltRelease
    env: dict[str, str] = field(repr=False)


def rollback(
    services: list[Service], previous: dict[str, PreviousRelease], backend: DeployBackend
) -> list[ServiceRollback]:
    """Stop the new release and start each service's previous release again, as it was built
    (its own command, port and health path, not the new manifest's) and with the configuration
    it ran with (not the new env file's): what happened to each."""
    outcomes = []
    for svc in reversed(services):
        backend.stop(svc.name)
    for svc in services:
        before = previous.get(svc.name)
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
