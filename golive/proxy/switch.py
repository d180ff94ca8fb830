"""Blue/green through the proxy: a new release starts beside the live one, is verified on its
internal port (health, then the critical smoke checks), and only then takes the public port's
traffic; a NO-GO switches back at once; GO retires the old release.

The live release keeps running until the verdict, so switching back is one graceful reload. A
release failing health or smoke is stopped without ever being routed to. A service whose
release did not change is left alone (same process).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from pathlib import Path

from golive.backends import DeployBackend
from golive.envfile import Redactor
from golive.gates.build import release_service
from golive.gates.deploy import GATE, PreviousRelease, start_and_wait
from golive.gates.outputs import BuiltRelease, DeployOutput, ServiceRollback
from golive.health import port_in_use
from golive.manifest import Service, SmokeCheck
from golive.ports import free_port
from golive.proxy.interface import (
    RouteTable,
    ServiceRoute,
    TrafficProxy,
    Upstream,
    load_routes,
    save_routes,
)
from golive.results import GateResult, failed, passed


def instance_name(service: str, release_id: str, port: int) -> str:
    """The backend's name for one run of a service's release (two run side by side, maybe of
    one release with two configurations)."""
    return f"{service}.{release_id[:12]}-{port}"


def unchanged_route(
    route: ServiceRoute, release_id: str, same_config: bool, running: dict[str, str]
) -> bool:
    """Whether the service's live release is the one to deploy, as configured, and serves
    alone."""
    live = route.live
    if live is None or route.candidate is not None or not same_config:
        return False
    return live.release_id == release_id and live.instance in running


def start_instance(
    backend: DeployBackend, svc: Service, path: Path, rid: str, env: dict[str, str]
) -> tuple[Upstream, Service, str | None]:
    """Start a release of svc on a free internal port and wait for its health there: the
    upstream it makes, the service as it runs there, and why it is not healthy (None: it is)."""
    port = free_port()
    up = Upstream(instance=instance_name(svc.name, rid, port), release_id=rid, port=port)
    inst = svc.model_copy(update={"name": up.instance, "port": up.port})
    backend.stop(up.instance)  # a leftover of a launch that died
    return up, inst, start_and_wait(backend, inst, path, rid, env)


# Checks a candidate (the service as it runs on its internal port) before it takes traffic:
# why it must not (a critical smoke check failed), or None.
Verify = Callable[[Service], str | None]


def critical_smoke(
    services: list[Service], checks: list[SmokeCheck], run: Callable[..., GateResult]
) -> Verify:
    """A Verify that runs the candidate's service's critical `checks` with `run` (the smoke
    gate's function, given the checks and the services), the candidate at its internal
    address and every other service at its public one."""

    def verify(candidate: Service) -> str | None:
        mine = [c for c in checks if c.critical and c.service == candidate.name]
        if not mine:
            return None
        at = [candidate if s.name == candidate.name else s for s in services]
        result = run(mine, at)
        return f"a critical smoke check failed: {result.summary}" if result.blocks_launch else None

    return verify


def taken_by_another(svc: Service, table: RouteTable, running: dict[str, str]) -> bool:
    ours = svc.name in table.services or svc.name in running
    return not ours and port_in_use(svc.port)


def deploy_switched(
    services: list[Service],
    releases: dict[str, BuiltRelease],
    backend: DeployBackend,
    proxy: TrafficProxy,
    environment_dir: Path,
    env: dict[str, str],
    redact: Redactor,
    verify: Verify,
    same_config: Collection[str] = (),
    canary_weight: int = 100,
) -> GateResult:
    """The deploy gate behind the proxy: for each changed service in depends_on order, start
    the new release beside the live one, verify it on its internal port, then switch (a
    canary: `canary_weight` percent of new requests, the live release the rest). A service
    whose live release and configuration (`same_config`) did not change is left alone."""
    t_start = time.monotonic()
    table, running = load_routes(environment_dir), backend.running()
    for svc in services:
        if taken_by_another(svc, table, running):
            return failed(
                GATE,
                f"port {svc.port} of service {svc.name} is in use by another process; "
                f"stop it or change services[{svc.name}].port",
                output=DeployOutput(),
                duration_s=time.monotonic() - t_start,
            )
    rows: list[dict[str, object]] = []
    started: list[str] = []
    switched: list[str] = []
    unchanged: list[str] = []
    for svc in services:
        rel = releases[svc.name]
        route = table.services.get(svc.name) or ServiceRoute(public_port=svc.port)
        live = route.live
        if unchanged_route(route, rel.release_id, svc.name in same_config, running):
            unchanged.append(svc.name)
            continue
        t0 = time.monotonic()
        up, _, problem = start_instance(backend, svc, Path(rel.path), rel.release_id, env)
        started.append(svc.name)
        problem = problem or verify(svc.model_copy(update={"port": up.port}))
        rows.append(
            {
                "service": svc.name,
                "release": rel.release_id,
                "internal_port": up.port,
                "verified": problem is None,
                "seconds": round(time.monotonic() - t0, 2),
            }
        )
        if problem:
            tail = redact(backend.log_tail(up.instance, 1))
            backend.stop(up.instance)  # it never received public traffic
            return failed(
                GATE,
                f"service {svc.name}: release {rel.release_id[:8]} not switched to: {problem}"
                + (f"; last log line: {tail}" if tail else ""),
                details=rows,
                output=DeployOutput(
                    started=tuple(started), replaced=tuple(switched), unchanged=tuple(unchanged)
                ),
                duration_s=time.monotonic() - t_start,
            )
        stale = route.candidate  # a candidate a dead launch left routed
        # With no live release there is nothing to share with: the candidate takes it all.
        weight = canary_weight if live is not None else 100
        table.services[svc.name] = ServiceRoute(
            public_port=svc.port, live=live, candidate=up, candidate_weight=weight
        )
        save_routes(environment_dir, table)
        if svc.name in running:  # it ran without the proxy, on the public port: free it
            backend.stop(svc.name)
        proxy.apply(table)
        if stale is not None and stale.instance != up.instance:
            backend.stop(stale.instance)
        switched.append(svc.name)
    note = f"; unchanged: {', '.join(unchanged)}" if unchanged else ""
    return passed(
        GATE,
        f"{len(switched)} service(s) verified and switched to: {', '.join(switched) or '-'}" + note,
        details=rows,
        output=DeployOutput(
            started=tuple(started), replaced=tuple(switched), unchanged=tuple(unchanged)
        ),
        duration_s=time.monotonic() - t_start,
    )


def switch_back(
    services: list[Service],
    previous: dict[str, PreviousRelease],
    backend: DeployBackend,
    proxy: TrafficProxy,
    environment_dir: Path,
) -> list[ServiceRollback]:
    """Route every service to its previous release again (started first if it is not running),
    in one reload; then stop the candidates. A service with no previous release stops."""
    table, running = load_routes(environment_dir), backend.running()
    outcomes: list[ServiceRollback] = []
    retire: list[str] = []
    for svc in services:
        route = table.services.get(svc.name) or ServiceRoute(public_port=svc.port)
        before = previous.get(svc.name)
        if svc.name in running:  # it ran without the proxy: the proxy takes its port
            backend.stop(svc.name)
        if before is None:
            retire += [u.instance for u in (route.live, route.candidate) if u is not None]
            table.services.pop(svc.name, None)
            outcomes.append(ServiceRollback(service=svc.name, outcome="stopped"))
            continue
        rid, live = before.release.release_id, route.live
        outcome = "restored" if route.candidate else "kept"
        if not (live and live.release_id == rid and live.instance in running):
            path = Path(before.release.path)
            up, _, problem = start_instance(backend, release_service(path), path, rid, before.env)
            if problem:  # better the candidate serving than nothing
                backend.stop(up.instance)
                outcomes.append(
                    ServiceRollback(
                        service=svc.name, outcome="failed", release_id=rid, problem=problem
                    )
                )
                continue
            retire += [live.instance] if live else []
            live, outcome = up, "restored"
        retire += [route.candidate.instance] if route.candidate else []
        table.services[svc.name] = ServiceRoute(public_port=svc.port, live=live)
        outcomes.append(ServiceRollback(service=svc.name, outcome=outcome, release_id=rid))
    route_and_retire(table, backend, proxy, environment_dir, retire)
    return outcomes


def promote(backend: DeployBackend, proxy: TrafficProxy, environment_dir: Path) -> list[str]:
    """After GO: each candidate becomes the live release and the one it replaced stops;
    the services promoted."""
    table = load_routes(environment_dir)
    retire: list[str] = []
    promoted: list[str] = []
    for name, route in list(table.services.items()):
        if route.candidate is None:
            continue
        retire += [route.live.instance] if route.live else []
        table.services[name] = ServiceRoute(public_port=route.public_port, live=route.candidate)
        promoted.append(name)
    if promoted:
        route_and_retire(table, backend, proxy, environment_dir, retire)
    return promoted


def reweigh(proxy: TrafficProxy, environment_dir: Path, weight: int) -> list[str]:
    """Give every candidate that shares its service with a live release this percent of new
    requests, in one graceful reload (a canary's bake: 100 once it passes, 0 at once when it
    fails, before the rollback); the services reweighed."""
    table = load_routes(environment_dir)
    changed: list[str] = []
    for name, route in table.services.items():
        if route.candidate is not None and route.live is not None:
            table.services[name] = route.model_copy(update={"candidate_weight": weight})
            changed.append(name)
    if changed:
        save_routes(environment_dir, table)
        proxy.apply(table)
    return changed


def route_and_retire(
    table: RouteTable,
    backend: DeployBackend,
    proxy: TrafficProxy,
    environment_dir: Path,
    retire: list[str],
) -> None:
    """Apply the routes, and only once no request can reach them, stop the retired instances."""
    save_routes(environment_dir, table)
    if table.services:
        proxy.apply(table)
    else:
        proxy.stop()
    for instance in retire:
        backend.stop(instance)
