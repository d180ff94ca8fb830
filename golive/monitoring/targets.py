"""Where each deployed service is scraped, and which release each scrape target is.

Without the proxy a service is scraped on its own port. Behind the proxy its public port mixes
releases (a canary takes a share), so each release is scraped on its internal port instead,
labelled with its release id; the gates that wait for a scrape look at the release this launch
deployed (the candidate, else the live one left unchanged).
"""

from __future__ import annotations

from pathlib import Path

from golive.manifest import Service
from golive.monitoring.prometheus import Targets, running_url, write_targets
from golive.proxy.interface import load_routes


def scrape_targets(
    services: list[Service], environment_dir: Path, running: dict[str, str]
) -> Targets:
    """(port, release id) of each service's targets; `running` is the backend's instance name →
    release id (a release not known there is labelled with nothing)."""
    routes = load_routes(environment_dir).services
    targets: dict[str, list[tuple[int, str]]] = {}
    for svc in services:
        route = routes.get(svc.name)
        ups = [u for u in (route.live, route.candidate) if u is not None] if route else []
        if ups:
            targets[svc.name] = [(u.port, u.release_id) for u in ups]
        else:
            targets[svc.name] = [(svc.port, running.get(svc.name, ""))]
    return targets


def as_scraped(services: list[Service], environment_dir: Path) -> list[Service]:
    """The services at the port their deployed release is scraped on: behind the proxy the
    candidate's (else the live release's) internal port, else their own."""
    routes = load_routes(environment_dir).services
    moved = []
    for svc in services:
        route = routes.get(svc.name)
        up = (route.candidate or route.live) if route else None
        moved.append(svc.model_copy(update={"port": up.port}) if up else svc)
    return moved


def retarget(services: list[Service], environment_dir: Path, running: dict[str, str]) -> bool:
    """After the routes changed (GO retired the old releases, or a NO-GO switched back): the
    environment's Prometheus, if golive runs one, scrapes the releases that run now, so a
    stopped release is not left as a target that is down (an `up == 0` alert). True if it did."""
    if running_url(environment_dir) is None:
        return False
    write_targets(environment_dir, services, scrape_targets(services, environment_dir, running))
    return True
