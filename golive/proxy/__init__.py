"""Traffic switching: a per-environment reverse proxy in front of the services. `open_proxy`
is the one place that picks it; `switch` moves traffic between releases through it.

`interface` holds the contract, the route table and its errors; `nginx` implements it.
"""

from __future__ import annotations

from pathlib import Path

from golive.manifest import Manifest
from golive.proxy.interface import (
    ProxyError,
    RouteTable,
    ServiceRoute,
    TrafficProxy,
    Upstream,
    load_routes,
    save_routes,
)
from golive.proxy.nginx import NginxProxy

__all__ = [
    "NginxProxy",
    "ProxyError",
    "RouteTable",
    "ServiceRoute",
    "TrafficProxy",
    "Upstream",
    "load_routes",
    "open_proxy",
    "proxy_running",
    "save_routes",
    "stop_proxy",
]


def open_proxy(environment_dir: Path, manifest: Manifest) -> TrafficProxy | None:
    """The proxy the manifest asks for in this environment; None without `[proxy]`."""
    cfg = manifest.proxy
    if cfg.kind == "nginx":
        return NginxProxy(environment_dir, cfg.binary, cfg.settle_timeout_s)
    return None


def stop_proxy(environment_dir: Path) -> bool:
    """Stop the proxy golive runs in an environment, if any (needs no manifest)."""
    return NginxProxy(environment_dir).stop()


def proxy_running(environment_dir: Path) -> bool:
    """Whether golive's proxy for an environment runs (needs no manifest)."""
    return NginxProxy(environment_dir).running()
