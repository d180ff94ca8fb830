"""The traffic boundary: a reverse proxy in front of an environment's services, and the route
table golive keeps for it.

Each service has a public port (the manifest's `port`) on which the proxy listens; behind it
run one or two releases of the service, each on an internal port of its own: the `live` one
(what served before this launch) and a `candidate` (the new release, once verified), with the
candidate's share of new requests. The table is kept in the environment folder, so a later
command (a rollback, a recovery, `golive status`) knows what routes where.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from golive.errors import ToolError
from golive.files import write_private

ProxyKind = Literal["nginx"]
ROUTES_FILE = "routes.json"  # in the proxy's folder


class ProxyError(ToolError):
    """The proxy could not be started, reloaded or stopped (its tool is missing, its config
    refused, or a reload never finished)."""


class Upstream(BaseModel):
    """One release of a service behind the proxy: the backend's instance name for it, and the
    internal port it listens on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance: str
    release_id: str
    port: int


class ServiceRoute(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    public_port: int
    live: Upstream | None = None
    candidate: Upstream | None = None
    candidate_weight: int = Field(100, ge=0, le=100)  # percent of new requests

    def upstreams(self) -> list[tuple[int, int, bool]]:
        """(internal port, weight, backup) of each server the proxy sends this service to.

        With the candidate at 100 % the live release stays as a backup: a request the candidate
        refuses is retried there instead of failing.
        """
        live, cand, weight = self.live, self.candidate, self.candidate_weight
        if cand is None or weight == 0:
            return [(live.port, 1, False)] if live else []
        if live is None:
            return [(cand.port, 1, False)]
        if weight == 100:
            return [(cand.port, 1, False), (live.port, 1, True)]
        return [(cand.port, weight, False), (live.port, 100 - weight, False)]


class RouteTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    services: dict[str, ServiceRoute] = Field(default_factory=dict)


class TrafficProxy(Protocol):
    @property
    def kind(self) -> ProxyKind:
        """Which proxy this is."""
        ...

    def apply(self, table: RouteTable) -> None:
        """Route as the table says: start the proxy if it is not running, else reload it
        gracefully (no connection dropped). Returns once every new request follows the new
        routes and no request is still in flight under the old ones. Raises ProxyError."""
        ...

    def running(self) -> bool:
        """Whether golive's proxy for the environment runs."""
        ...

    def stop(self) -> bool:
        """Stop the proxy if it runs (letting requests in flight finish); whether it ran."""
        ...


def proxy_dir(environment_dir: Path) -> Path:
    return environment_dir / "proxy"


def load_routes(environment_dir: Path) -> RouteTable:
    """The environment's route table; empty when golive has routed nothing there."""
    try:
        text = (proxy_dir(environment_dir) / ROUTES_FILE).read_text()
    except OSError:
        return RouteTable()
    try:
        return RouteTable.model_validate(json.loads(text))
    except ValueError:
        return RouteTable()


def save_routes(environment_dir: Path, table: RouteTable) -> None:
    write_private(proxy_dir(environment_dir) / ROUTES_FILE, table.model_dump_json(indent=2))
