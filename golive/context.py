"""What every gate of one launch needs to know, and nothing secret.

A LaunchContext is passed to Prefect tasks as a parameter, so it holds names and paths only;
env file values are read from disk inside the gate that needs them (`service_env`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import make_url

from golive import manifest as manifest_mod
from golive import ports, rehearsal, settings
from golive.backends import DeployBackend, open_backend
from golive.database_url import DatabaseUrl
from golive.envfile import Redactor, read_env, resolve_database_url
from golive.files import copy_tree_private, private_dir, write_private
from golive.gates.deploy import PreviousRelease
from golive.ledger.store import LiveRelease
from golive.manifest import Manifest, Service
from golive.monitoring.prometheus import stop_prometheus
from golive.proxy import TrafficProxy, open_proxy, stop_proxy

Variant = Literal["full", "soft"]


def stop_environment(environment: str) -> list[str]:
    """Stop every service and the Prometheus golive runs in an environment; what was stopped."""
    backend = open_backend(settings.environment_dir(environment), environment)
    stopped = list(backend.running())
    if stop_proxy(settings.environment_dir(environment)):
        stopped.append("proxy")
    backend.stop_all()
    if stop_prometheus(settings.environment_dir(environment)):
        stopped.append("prometheus")
    return stopped


def place_database(source: DatabaseUrl, values: dict[str, str], data_dir: Path) -> dict[str, str]:
    """values with a relative SQLite path living in data_dir (golive.envfile
    resolve_database_url), written back into the key that holds it."""
    url = source.compose(values)
    placed = resolve_database_url(url, data_dir) if url else url
    if placed == url:
        return values
    return source.with_database(values, make_url(placed).database or "")


@dataclass(frozen=True)
class LaunchContext:
    launch_id: int
    manifest_path: Path
    environment: str  # the environment actually launched into (a rehearsal gets its own)
    variant: Variant
    rehearsal: bool

    @cached_property
    def manifest(self) -> Manifest:
        return manifest_mod.load(self.manifest_path)

    @property
    def environment_dir(self) -> Path:
        return settings.environment_dir(self.environment)

    @property
    def test_databases_dir(self) -> Path:
        """Where the suites' disposable databases are noted while they exist (golive.disposable)."""
        return self.environment_dir / "test-databases"

    @property
    def data_dir(self) -> Path:
        return private_dir(self.environment_dir / "data")

    @property
    def launch_dir(self) -> Path:
        return settings.launch_dir(self.launch_id)

    def evidence_dir(self, gate: str) -> Path:
        return self.launch_dir / "evidence" / gate

    def planned_services(self) -> list[Service]:
        """The services this variant deploys, in start order (soft: core services only), as the
        manifest gives them: what is built, identical for a rehearsal and production."""
        names = {s.name for s in self.manifest.services if self.variant != "soft" or s.core}
        return self.manifest.services_in_start_order(names)

    def services(self) -> list[Service]:
        """The services as they run in this environment: a rehearsal's on ports of its own."""
        services = self.planned_services()
        if not self.rehearsal:
            return services
        moved = self.rehearsal_ports()
        return [s.model_copy(update={"port": moved[s.port]}) for s in services]

    def rehearsal_ports(self) -> dict[int, int]:
        """Production port → this rehearsal's port, for every service of the manifest."""
        chosen = rehearsal.ports(
            self.environment_dir, {s.name: s.port for s in self.manifest.services}
        )
        return {s.port: chosen[s.name] for s in self.manifest.services}

    def backend(self) -> DeployBackend:
        return open_backend(self.environment_dir, self.environment, self.manifest)

    def proxy(self) -> TrafficProxy | None:
        """The proxy that switches this environment's traffic; None without `[proxy]`."""
        return open_proxy(self.environment_dir, self.manifest)

    def env_values(self) -> dict[str, str]:
        """The production env file's values, with the database placed in this environment;
        a rehearsal's point at its own database and its own service ports."""
        values = read_env(self.manifest.path(self.manifest.env.production))
        source = self.manifest.database.source
        if not self.rehearsal:
            return place_database(source, values, self.data_dir)
        values = rehearsal.follow_ports(values, self.rehearsal_ports())
        production = self.production_database_url(values)
        if not production:
            return values
        own = rehearsal.database_url(production, self.data_dir, self.launch_id)
        return source.with_database(values, make_url(own).database or "")

    def database_url(self) -> str:
        """This environment's database URL ("" when the env file does not set it)."""
        return self.manifest.database.source.compose(self.env_values())

    def production_database_url(self, values: dict[str, str]) -> str:
        """The database URL production uses, as the env file's values resolve there."""
        production_dir = settings.environment_dir(rehearsal.production_of(self.environment))
        source = self.manifest.database.source
        return source.compose(place_database(source, values, production_dir / "data"))

    def prepare_rehearsal(self) -> list[str]:
        """Make this rehearsal's own database and choose its ports (idempotent)."""
        raw = read_env(self.manifest.path(self.manifest.env.production))
        moved = self.rehearsal_ports()
        ports.hold(moved.values())  # until deploy starts their services (a resumed launch too)
        lines = [f"rehearsal ports: {', '.join(f'{a}->{b}' for a, b in moved.items())}"]
        production = self.production_database_url(raw)
        if production:
            lines.append(
                rehearsal.create_database(
                    production,
                    self.database_url(),
                    self.manifest.database.rehearsal_data,
                    settings.backup_dir(self.environment),
                )
            )
        return lines

    def service_env(self) -> dict[str, str]:
        """What a service's own environment holds: the `[env] pass_env` keys set in ours, the env
        file's values and the environment's name. Backends add what their runtime needs (a
        local process: golive.runner.child_env's minimal host environment)."""
        passed = {k: os.environ[k] for k in self.manifest.env.pass_env if k in os.environ}
        return {**passed, **self.env_values(), "GOLIVE_ENVIRONMENT": self.environment}

    def save_config(self) -> None:
        """Keep the configuration this launch's releases run with (0600), for a rollback."""
        path = settings.config_snapshot(self.environment, self.launch_id)
        write_private(path, json.dumps(self.service_env()))

    def previous_releases(self, live: dict[str, LiveRelease]) -> dict[str, PreviousRelease]:
        """What a rollback puts back: each live release with the configuration its launch ran
        it with (this launch's configuration if that was not kept)."""
        current = self.service_env()

        def config_of(launch_id: int) -> dict[str, str]:
            try:
                path = settings.config_snapshot(self.environment, launch_id)
                return {str(k): str(v) for k, v in json.loads(path.read_text()).items()}
            except (OSError, ValueError):
                return current

        return {
            name: PreviousRelease(rel.release, config_of(rel.launch_id))
            for name, rel in live.items()
        }

    @property
    def captures_file(self) -> Path:
        """Where the smoke gate keeps the values its checks captured (tokens, ids): secrets."""
        return self.environment_dir / "data" / "smoke-captures.json"  # not made by reading

    def captures(self) -> dict[str, str]:
        try:
            found = json.loads(self.captures_file.read_text())
            return {str(k): str(v) for k, v in found.items()}
        except (OSError, ValueError, AttributeError):
            return {}  # no smoke gate ran yet, or nothing was captured

    def redactor(self) -> Redactor:
        try:
            m = self.manifest
            # Capture names are prefixed so a capture never shadows an env key's value.
            captured = {f"smoke:{k}": v for k, v in self.captures().items()}
            # A composed URL is in no env value: its password is hidden as a URL's is.
            url = {"GOLIVE_DATABASE_URL": self.database_url()} if m.database.url else {}
            secrets = [*m.env.declared_secrets, *m.revealed_env_keys(), *captured]
            values = {**self.env_values(), **captured, **url}
            return _redactor(tuple(values.items()), tuple(secrets))
        except Exception:  # an unreadable env file has no values to hide
            return Redactor({})

    def teardown(self) -> None:
        """Stop everything this environment runs and delete its data (a rehearsal's own
        PostgreSQL database too); keep the service logs, redacted and private, as evidence."""
        stop_proxy(self.environment_dir)
        self.backend().stop_all()
        stop_prometheus(self.environment_dir)
        ports.let_go(rehearsal.saved_ports(self.environment_dir).values())  # never started
        with contextlib.suppress(Exception):  # gone already, or never made: nothing to drop
            rehearsal.drop_database(self.database_url())
        logs = self.environment_dir / "logs"
        if logs.is_dir():
            evidence = self.launch_dir / "evidence" / "service-logs"
            copy_tree_private(logs, evidence, self.redactor())
        shutil.rmtree(self.environment_dir, ignore_errors=True)


@lru_cache(maxsize=4)
def _redactor(values: tuple[tuple[str, str], ...], secrets: tuple[str, ...]) -> Redactor:
    """A Redactor for these values, made once: indexing every fragment of every secret takes
    tens of milliseconds, and a launch asks for one at every gate and report. The env file and
    the captures are read each time, so a change to either makes a new one."""
    return Redactor(dict(values), secrets)
