"""The launch manifest (`launch.toml`): what a target system is and how to check it.

Paths in the manifest are relative to the manifest's folder; `load` resolves them. A bad
manifest raises ManifestError with one line naming the file, the field and the problem.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from golive.errors import ManifestError

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)]
EnvKey = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
# `{port}` is the one placeholder golive fills in; `${VAR}` is the shell's, left alone.
PLACEHOLDER = re.compile(r"(?<!\$)\{([^{}\s]*)\}")


def _url_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f'must start with "/" (e.g. "/{value.lstrip()}")')
    return value


def _command(value: str) -> str:
    """A command golive splits into words the way a shell would, and runs without a shell."""
    try:
        words = shlex.split(value)
    except ValueError as exc:
        raise ValueError(f"cannot be split into words: {exc}; close the quote") from None
    if not words:
        raise ValueError("is empty; give the command to run")
    return value


def _service_command(value: str) -> str:
    unknown = sorted({p for p in PLACEHOLDER.findall(value) if p != "port"})
    if unknown:
        raise ValueError(f"unknown placeholder {{{unknown[0]}}}; golive fills in only {{port}}")
    return _command(value)


def _http_url(value: str | None) -> str | None:
    if value is not None and not re.match(r"https?://[^/\s]+", value):
        raise ValueError("must be an http:// or https:// URL, e.g. http://127.0.0.1:9090")
    return value


UrlPath = Annotated[str, AfterValidator(_url_path)]
Command = Annotated[str, AfterValidator(_command)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(Strict):
    name: Name
    description: str = ""


class Database(Strict):
    url_env: EnvKey = Field("DATABASE_URL", description="env key holding the database URL")
    alembic_ini: Path = Field(description="the target's alembic.ini")
    timeout: float = Field(300, gt=0)
    rehearsal_data: Literal["copy", "empty"] = Field(
        "copy",
        description="a rehearsal's own database starts as a copy of production's, or empty",
    )


class EnvFiles(Strict):
    template: Path = Field(description="the committed template, e.g. .env.example")
    production: Path = Field(description="the production env file checked and deployed")
    payment_secret_key: str = "PAYMENT_SECRET_KEY"
    payment_publishable_key: str = "PAYMENT_PUBLISHABLE_KEY"
    secret_keys: list[str] = Field(
        default_factory=list, description="keys whose values must be strong secrets"
    )
    generate: list[EnvKey] = Field(
        default_factory=list,
        description="secret keys the configure gate fills with strong random values when they"
        " are missing, empty or a placeholder (the file is rewritten with mode 0600)",
    )
    allowed_redirect_domains: list[str] = Field(
        default_factory=list,
        description="domains (and their subdomains) OAuth redirect URLs may point at;"
        " empty: any https host",
    )
    database_timeout: float = Field(
        3,
        gt=0,
        le=60,
        description="seconds the configure gate waits for a TCP connect to a network database",
    )
    pass_env: list[EnvKey] = Field(
        default_factory=list,
        description="keys of golive's own environment that services (and the target's suites,"
        " alembic and locust) get too; nothing else of the operator's environment reaches them"
        " but PATH, HOME, LANG, LC_ALL and TZ",
    )

    @property
    def declared_secrets(self) -> list[str]:
        """Keys whose values the manifest says are secrets."""
        return [*self.secret_keys, *self.generate, self.payment_secret_key]


class AllowlistEntry(Strict):
    id: str = Field(min_length=1, description="an advisory id or any of its aliases")
    reason: str = Field(min_length=1, description="why the launch may go ahead anyway")
    expires: date = Field(description="the last day the entry applies")


class Audit(Strict):
    requirements: list[Path] = Field(default_factory=list, description="pinned requirements")
    npm_lockfiles: list[Path] = Field(
        default_factory=list, description="package-lock.json files, audited with npm audit"
    )
    source: Literal["local", "osv", "pypi"] = Field(
        "local", description="local: the advisories below; osv, pypi: pip-audit's online services"
    )
    # Always a path (the manifest's folder when omitted) because the path check reads it;
    # only source = "local" uses it, and then it must be given.
    advisories: Path = Field(
        Path("."), description="a folder of OSV records (YAML or JSON) or a zip export of them"
    )
    block_at: Literal["none", "low", "medium", "high", "critical"] = "high"
    unknown_severity_blocks: bool = True
    fixable_only: bool = Field(False, description="findings with no fixed version do not block")
    allowlist: list[AllowlistEntry] = Field(default_factory=list)
    timeout: float = Field(300, gt=0)

    @model_validator(mode="after")
    def _something_to_audit(self) -> Audit:
        if not self.requirements and not self.npm_lockfiles:
            raise ValueError("name at least one file in requirements or npm_lockfiles")
        local = self.source == "local"
        if self.requirements and local and "advisories" not in self.model_fields_set:
            raise ValueError(
                "advisories is required to audit requirements with source = 'local' (a folder "
                "or zip of OSV records); source = 'osv' or 'pypi' uses pip-audit's online services"
            )
        return self


class Suite(Strict):
    name: Name
    command: Command
    junit: Path = Field(description="where the command writes its JUnit XML")
    coverage: Path | None = Field(None, description="where it writes Cobertura coverage XML")
    critical: bool = Field(True, description="a failing critical suite blocks; others warn")
    timeout: float = Field(600, gt=0, description="seconds before the suite is stopped")


class Service(Strict):
    name: Name
    core: bool = False
    source: Path
    include: list[Path] = Field(default_factory=list, description="extra folders in the release")
    command: Annotated[str, AfterValidator(_service_command)] = Field(
        description="start command, run in the release; {port} is replaced"
    )
    port: int = Field(ge=1024, le=65535)
    health: UrlPath = "/health"
    metrics: UrlPath = "/metrics"
    depends_on: list[str] = Field(default_factory=list)
    health_timeout: float = Field(30, gt=0)

    @model_validator(mode="after")
    def _port_not_hard_coded(self) -> Service:
        if "{port}" not in self.command and re.search(rf"(?<!\d){self.port}(?!\d)", self.command):
            raise ValueError(
                f"command: names port {self.port} itself; write {{port}} so a rehearsal can"
                " move the service to a port of its own"
            )
        return self


class SmokeCheck(Strict):
    name: str
    service: str
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] = "GET"
    path: UrlPath
    body: dict[str, Any] | None = None
    expect: int = Field(200, ge=100, le=599)
    critical: bool = False
    timeout: float = Field(5, gt=0)
    attempts: int = Field(
        3,
        ge=1,
        le=10,
        description="tries when the connection is refused or the answer is an unexpected 5xx;"
        " a 4xx is never retried",
    )


class LoadProfile(Strict):
    locustfile: Path
    host_service: str
    users: int = Field(10, ge=1, le=1000)
    spawn_rate: float = Field(5, gt=0)
    duration_s: int = Field(10, ge=1, le=3600)
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="locust worker processes; above 1 a master spreads the users over them",
    )
    p50_ms: float | None = Field(None, gt=0, description="limit on the median response time")
    p95_ms: float = Field(500, gt=0)
    p99_ms: float | None = Field(None, gt=0)
    max_failure_ratio: float = Field(0.01, ge=0, le=1)
    min_rps: float | None = Field(None, gt=0, description="requests/s the run must reach")
    ramp: list[Annotated[int, Field(ge=1, le=1000)]] = Field(
        default_factory=list,
        description="user counts of a staged launch's load ramp, increasing, e.g. [5, 10, 20]",
    )

    @model_validator(mode="after")
    def _ramp_increases(self) -> LoadProfile:
        if any(b <= a for a, b in zip(self.ramp, self.ramp[1:], strict=False)):
            raise ValueError("ramp: user counts must strictly increase, e.g. [5, 10, 20]")
        return self


class DockerSettings(Strict):
    """How the docker backend builds and runs images (used only with backend = "docker")."""

    base_image: str | None = Field(
        None,
        description="passed to each Dockerfile as the BASE_IMAGE build argument (env"
        " GOLIVE_BASE_IMAGE overrides it); unset: the Dockerfile's own default",
    )
    build_timeout: float = Field(900, gt=0, description="seconds one image build may take")
    restart_retries: int = Field(
        3, ge=0, le=20, description="restarts (on-failure) of a container that exits"
    )


class MetricCheck(Strict):
    """A PromQL instant query compared with a threshold after smoke and load (the metrics gate)."""

    name: str = Field(min_length=1)
    query: str = Field(min_length=1, description="PromQL; may use a range window like [1m]")
    comparison: Literal["<", "<=", ">", ">=", "=="] = Field(
        description="the value must be <comparison> threshold"
    )
    threshold: float
    no_data: Literal["fail", "pass", "warn"] = Field(
        "fail", description="what an empty (or NaN) result means for this check"
    )


class Monitoring(Strict):
    """Where Prometheus comes from, what it loads, and the metric checks (monitor, metrics)."""

    prometheus_url: Annotated[str | None, AfterValidator(_http_url)] = Field(
        None,
        description="an existing Prometheus that already scrapes the services; unset:"
        " golive starts its own from prometheus_binary",
    )
    prometheus_binary: str = Field("prometheus", description="a name on PATH or a path")
    require_prometheus: bool = Field(
        False, description="no Prometheus (no URL, binary not found) blocks the launch"
    )
    listen_port: int = Field(0, ge=0, le=65535, description="0: any free port on 127.0.0.1")
    scrape_interval_s: float = Field(1, ge=0.1, le=300)
    rule_files: list[Path] = Field(default_factory=list, description="alert/recording rules")
    wait_s: float = Field(
        30, gt=0, le=600, description="how long targets may take to be up and rules evaluated"
    )
    checks: list[MetricCheck] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_names_unique(self) -> Monitoring:
        names = [c.name for c in self.checks]
        if len(set(names)) != len(names):
            raise ValueError("checks: two metric checks share a name")
        return self


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

    def path(self, relative: Path) -> Path:
        return (self.root / relative).resolve()

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
        ("database.alembic_ini", m.database.alembic_ini),
        ("env.template", m.env.template),
        ("env.production", m.env.production),
    ]
    files += [(f"audit.requirements[{i}]", p) for i, p in enumerate(m.audit.requirements)]
    files += [(f"audit.npm_lockfiles[{i}]", p) for i, p in enumerate(m.audit.npm_lockfiles)]
    files += [(f"monitoring.rule_files[{i}]", p) for i, p in enumerate(m.monitoring.rule_files)]
    if m.load:
        files.append(("load.locustfile", m.load.locustfile))
    anything: list[tuple[str, Path]] = [("audit.advisories", m.audit.advisories)]
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
