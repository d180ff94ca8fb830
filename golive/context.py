"""What every gate of one launch needs to know, and nothing secret.

A LaunchContext is passed to Prefect tasks as a parameter, so it holds names and paths only;
env file values are read from disk inside the gate that needs them (`service_env`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from golive import manifest as manifest_mod
from golive import settings
from golive.backends.docker import DockerBackend, recorded_kind
from golive.backends.process import ProcessBackend
from golive.envfile import Redactor, read_env, resolve_database_url
from golive.files import copy_tree_private, private_dir
from golive.manifest import Manifest, Service
from golive.prometheus import stop_prometheus

Variant = Literal["full", "soft"]
Backend = ProcessBackend | DockerBackend


def environment_backend(environment: str) -> Backend:
    """The backend that runs an environment's services, as recorded in its folder (for commands
    such as `golive status` and `golive down` that have no manifest)."""
    env_dir = settings.environment_dir(environment)
    if recorded_kind(env_dir) == "docker":
        return DockerBackend(env_dir, environment)
    return ProcessBackend(env_dir)


def stop_environment(environment: str) -> list[str]:
    """Stop every service and the Prometheus golive runs in an environment; what was stopped."""
    backend = environment_backend(environment)
    stopped = list(backend.running())
    backend.stop_all()
    if stop_prometheus(settings.environment_dir(environment)):
        stopped.append("prometheus")
    return stopped


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
    def data_dir(self) -> Path:
        return private_dir(self.environment_dir / "data")

    @property
    def launch_dir(self) -> Path:
        return settings.launch_dir(self.launch_id)

    def evidence_dir(self, gate: str) -> Path:
        return self.launch_dir / "evidence" / gate

    def services(self) -> list[Service]:
        """The services this variant deploys, in start order (soft: core services only)."""
        names = {s.name for s in self.manifest.services if self.variant != "soft" or s.core}
        return self.manifest.services_in_start_order(names)

    def backend(self) -> Backend:
        m = self.manifest
        if m.backend == "docker":
            return DockerBackend(
                self.environment_dir, self.environment, m.target.name, m.docker.restart_retries
            )
        return ProcessBackend(self.environment_dir)

    def env_values(self) -> dict[str, str]:
        """The production env file's values, with the database URL placed in this environment."""
        values = read_env(self.manifest.path(self.manifest.env.production))
        key = self.manifest.database.url_env
        if key in values:
            values[key] = resolve_database_url(values[key], self.data_dir)
        return values

    def service_env(self) -> dict[str, str]:
        """What a service's own environment holds: the `[env] pass_env` keys set in ours, the env
        file's values and the environment's name. Backends add what their runtime needs (a
        local process: golive.runner.child_env's minimal host environment)."""
        passed = {k: os.environ[k] for k in self.manifest.env.pass_env if k in os.environ}
        return {**passed, **self.env_values(), "GOLIVE_ENVIRONMENT": self.environment}

    def redactor(self) -> Redactor:
        try:
            return Redactor(self.env_values(), self.manifest.env.declared_secrets)
        except Exception:  # an unreadable env file has no values to hide
            return Redactor({})

    def teardown(self) -> None:
        """Stop everything this environment runs and delete its data; keep the service logs,
        redacted and private, as evidence."""
        self.backend().stop_all()
        stop_prometheus(self.environment_dir)
        logs = self.environment_dir / "logs"
        if logs.is_dir():
            evidence = self.launch_dir / "evidence" / "service-logs"
            copy_tree_private(logs, evidence, self.redactor())
        shutil.rmtree(self.environment_dir, ignore_errors=True)
