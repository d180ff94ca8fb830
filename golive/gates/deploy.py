"""Deploy gate: start a release's services in depends_on order and wait for each to be healthy.

Nothing is left half-deployed: a port taken by something else fails before anything stops;
a service that never gets healthy stops every service this deploy started. Putting the
previous release back is `rollback`, which the flow calls after a NO-GO.
"""

from __future__ import annotations

import time
from pathlib import Path

from golive.backends import DeployBackend
from golive.envfile import Redactor
from golive.gates.build import release_service
from golive.health import port_in_use, wait_healthy
from golive.manifest import Service
from golive.results import Category, GateResult, failed, passed

GATE = "deploy"


def service_url(service: Service, path: str = "") -> str:
    return f"http://127.0.0.1:{service.port}{path}"


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
    releases: dict[str, dict[str, str]],
    backend: DeployBackend,
    env: dict[str, str],
    redact: Redactor,
) -> GateResult:
    started = time.monotonic()
    ours = backend.running()
    for svc in services:
        if svc.name not in ours and port_in_use(svc.port):
            return failed(
                GATE,
                Category.DEPLOYMENT,
                f"port {svc.port} of service {svc.name} is in use by another process; "
                f"stop it or change services[{svc.name}].port",
                data={"replaced": False},
                duration_s=time.monotonic() - started,
            )
    for svc in reversed(services):  # the previous release gives way, dependants first
        backend.stop(svc.name)
    rows: list[dict[str, object]] = []
    for svc in services:
        rel = releases[svc.name]
        t0 = time.monotonic()
        problem = start_and_wait(backend, svc, Path(rel["path"]), rel["release_id"], env)
        rows.append(
            {
                "service": svc.name,
                "release": rel["release_id"],
                "port": svc.port,
                "healthy": problem is None,
                "seconds": round(time.monotonic() - t0, 2),
            }
        )
        if problem:
            tail = redact(backend.log_tail(svc.name, 1))
            for started_svc in reversed(services[: len(rows)]):
                backend.stop(started_svc.name)
            return failed(
                GATE,
                Category.DEPLOYMENT,
                f"service {svc.name} did not become healthy: {problem}"
                + (f"; last log line: {tail}" if tail else ""),
                details=rows,
                data={"replaced": True},
                duration_s=time.monotonic() - started,
            )
    return passed(
        GATE,
        Category.DEPLOYMENT,
        f"{len(services)} service(s) healthy: " + ", ".join(s.name for s in services),
        details=rows,
        data={"deployed": [s.name for s in services]},
        duration_s=time.monotonic() - started,
    )


def rollback(
    services: list[Service],
    previous: dict[str, tuple[str, str]],
    backend: DeployBackend,
    env: dict[str, str],
) -> list[str]:
    """Stop the new release and start each service's previous (release_id, path) again, as it was
    built (its own command, port and health path, not the new manifest's).

    Returns one line per service saying what happened, for the report.
    """
    lines = []
    for svc in reversed(services):
        backend.stop(svc.name)
    for svc in services:
        if svc.name not in previous:
            lines.append(f"{svc.name}: stopped (no earlier release to restore)")
            continue
        rid, path = previous[svc.name]
        problem = start_and_wait(backend, release_service(Path(path)), Path(path), rid, env)
        lines.append(
            f"{svc.name}: release {rid[:8]} "
            + (f"FAILED to restart: {problem}" if problem else "serving again")
        )
    return lines
