"""The launch manifest (`launch.toml`): what a target system is and how to check it.

Paths in the manifest are relative to the manifest's folder; `load` resolves them. A bad
manifest raises ManifestError with one line naming the file, the field and the problem.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from golive.errors import ManifestError
from golive.manifest.bake import Bake, check_canary
from golive.manifest.checks import AllowlistEntry, Audit, Suite
from golive.manifest.drift import DriftSettings
from golive.manifest.fields import PLACEHOLDER, Command, EnvKey, Name, Strict, UrlPath
from golive.manifest.freeze import Freeze
from golive.manifest.monitoring import MetricCheck, Monitoring
from golive.manifest.proxy import ProxySettings
from golive.manifest.services import DockerSettings, Service
from golive.manifest.system import Database, EnvFiles, Target
from golive.manifest.traffic import REFERENCE, LoadProfile, SmokeCheck, check_captures

__all__ = [
    "PLACEHOLDER",
    "REFERENCE",
    "AllowlistEntry",
    "Audit",
    "Bake",
    "Command",
    "Database",
    "DockerSettings",
    "DriftSettings",
    "EnvFiles",
    "EnvKey",
    "Freeze",
    "LoadProfile",
    "Manifest",
    "MetricCheck",
    "Monitoring",
    "Name",
    "ProxySettings",
    "Service",
    "SmokeCheck",
    "Strict",
    "Suite",
    "Target",
    "UrlPath",
    "load",
]


class Manifest(Strict):
    target: Target
    database: Database
    env: EnvFiles
    audit: Audit
    suites: list[Suite] = Field(default_factory=list)
    services: list[Service] = Field(min_length=1)
    smoke: list[SmokeCheck] = Field(default_factory=list)
    load: LoadProfile | None = None
    backend: Literal["process", "docker"] = Field(
        "process", description="process: local processes; docker: one image per service"
    )
    docker: DockerSettings = Field(default_factory=DockerSettings)
    monitoring: Monitoring = Monitoring()
    proxy: ProxySettings = Field(default_factory=ProxySettings)
    freeze: list[Freeze] = Field(default_factory=list, description="windows launches wait out")
    drift: DriftSettings = Field(default_factory=DriftSettings)
    bake: Bake | None = None
    # Where the manifest was read from; every relative path resolves against its folder.
    root: Path = Path(".")

    @model_validator(mode="after")
    def _references_exist(self) -> Manifest:
        names = [s.name for s in self.services]
        if len(set(names)) != len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"services[{twice}].name: two services are named {twice!r}")
        for svc in self.services:
            for dep in svc.depends_on:
                if dep not in names:
                    raise ValueError(f"services[{svc.name}].depends_on: no service named {dep!r}")
        for check in self.smoke:
            if check.service not in names:
                raise ValueError(f"smoke[{check.name}].service: no service named {check.service!r}")
        check_captures(self.smoke)
        if self.load and self.load.host_service not in names:
            raise ValueError(f"load.host_service: no service named {self.load.host_service!r}")
        ports = [s.port for s in self.services]
        if len(set(ports)) != len(ports):
            port = next(p for p in ports if ports.count(p) > 1)
            first, second = [s.name for s in self.services if s.port == port][:2]
            raise ValueError(
                f"services[{second}].port: {port} is services[{first}]'s port too; give each"
                " service its own"
            )
        self._no_dependency_cycle()
        check_canary(self.proxy, self.bake)
        return self

    def _no_dependency_cycle(self) -> None:
        deps = {s.name: s.depends_on for s in self.services}
        done: set[str] = set()

        def visit(name: str, path: list[str]) -> None:
            if name in path:
                cycle = " -> ".join([*path[path.index(name) :], name])
                raise ValueError(
                    f"services[{name}].depends_on: dependency cycle {cycle}; remove one of them"
                )
            if name not in done:
                for dep in deps[name]:
                    visit(dep, [*path, name])
                done.add(name)

        for name in deps:
            visit(name, [])

    def captures(self) -> set[str]:
        """Names the smoke checks capture from their answers."""
        return {name for check in self.smoke for name in check.capture}

    def smoke_env_keys(self) -> set[str]:
        """Env keys the smoke checks use (every `${NAME}` that no check captures)."""
        used = {name for check in self.smoke for name in check.references()}
        return used - self.captures()

    def revealed_env_keys(self) -> list[str]:
        """Env keys whose values golive itself sends out (smoke requests, locust's environment):
        secrets, whatever their names, so the launch's Redactor hides them by any fragment."""
        return sorted(self.smoke_env_keys() | set(self.load.env if self.load else []))

    def path(self, relative: Path) -> Path:
        return (self.root / relative).resolve()

    @property
    def python(self) -> Path:
        """The interpreter that runs the target's code: `[target] python`, else golive's own.

        Made absolute but never resolved: a virtual environment's `bin/python` is a symlink to
        the base interpreter, and only the path inside the environment runs in it."""
        if self.target.python is None:
            return Path(sys.executable)
        return Path(os.path.normpath(self.root / self.target.python))

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def services_in_start_order(self, names: set[str] | None = None) -> list[Service]:
        """Services ordered so each comes after what it depends on (cycles are an error)."""
        wanted = [s for s in self.services if names is None or s.name in names]
        ordered: list[Service] = []
        visiting: set[str] = set()

        def visit(svc: Service) -> None:
            if svc in ordered:
                return
            if svc.name in visiting:
                raise ManifestError(f"services.{svc.name}.depends_on: dependency cycle")
            visiting.add(svc.name)
            for dep in svc.depends_on:
                visit(self.service(dep))
            visiting.discard(svc.name)
            ordered.append(svc)

        for svc in wanted:
            visit(svc)
        return [s for s in ordered if names is None or s.name in names]


# `services[api].depends_on: …`: a field path (as `_field_path` renders one), then the problem.
FIELD_PREFIX = re.compile(r"([a-z_]+(?:\[[^\]\s]+\])*(?:\.[a-z_]+(?:\[[^\]\s]+\])*)*): ")


def _field_path(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """Render a pydantic location as `services[1].port`, with list items named where possible."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            name = (
                node[item].get("name")
                if isinstance(node, list) and isinstance(node[item], dict)
                else None
            )
            parts.append(f"[{name or item}]")
        else:
            parts.append(("." if parts else "") + item)
        try:
            node = node[item]
        except (KeyError, IndexError, TypeError):
            node = None
    return "".join(parts)


def load(path: Path | str) -> Manifest:
    """Read and validate a manifest, checking that every path it names exists."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        where = "" if path.is_absolute() else f" in {Path.cwd()}"
        raise ManifestError(
            f"{path}: no such manifest file{where}; pass --manifest PATH, or the request's "
            "manifest on a deployment (relative to the folder `prefect deploy` ran in)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read manifest: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    data.pop("root", None)
    try:
        manifest = Manifest.model_validate({**data, "root": path.parent.resolve()})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _field_path(tuple(err["loc"]), data)
        msg = " ".join(err["msg"].removeprefix("Value error, ").split())
        if inner := FIELD_PREFIX.match(msg):  # a model's own check names the field it is about
            where, msg = ".".join(filter(None, [where, inner[1]])), msg[inner.end() :]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ManifestError(f"{path}: {where or '(top level)'}: {msg}{more}") from None
    _check_paths(path, manifest)
    return manifest


def _check_paths(path: Path, m: Manifest) -> None:
    """Every path the manifest names exists, and is a file where golive reads a file."""
    files: list[tuple[str, Path]] = [
        ("env.template", m.env.template),
        ("env.production", m.env.production),
    ]
    if m.database.alembic_ini is not None:
        files.append(("database.alembic_ini", m.database.alembic_ini))
    files += [(f"audit.requirements[{i}]", p) for i, p in enumerate(m.audit.requirements)]
    files += [(f"audit.npm_lockfiles[{i}]", p) for i, p in enumerate(m.audit.npm_lockfiles)]
    files += [(f"monitoring.rule_files[{i}]", p) for i, p in enumerate(m.monitoring.rule_files)]
    if m.load:
        files.append(("load.locustfile", m.load.locustfile))
    anything: list[tuple[str, Path]] = [("audit.advisories", m.audit.advisories)]
    for suite in m.suites:
        anything.append((f"suites[{suite.name}].workdir", suite.workdir))
        if suite.env_file is not None:
            files.append((f"suites[{suite.name}].env_file", suite.env_file))
    if m.database.workdir is not None:
        anything.append(("database.workdir", m.database.workdir))
    for svc in m.services:
        anything.append((f"services[{svc.name}].source", svc.source))
        anything += [(f"services[{svc.name}].include", p) for p in svc.include]
    for field_name, rel in anything + files:
        if not m.path(rel).exists():
            raise ManifestError(
                f"{path}: {field_name}: {rel} does not exist (relative to the manifest)"
            )
    for field_name, rel in files:
        if not m.path(rel).is_file():
            raise ManifestError(f"{path}: {field_name}: {rel} is not a file; name the file itself")
