"""`golive plan`: what a launch would do, worked out without doing any of it.

The plan is the static validation (bad input: the same exit 2 and one line as a launch), then,
per gate of the registry in plan order, whether it runs in this variant, its inputs, whether
its result would come from the cache; the pending migrations and their SQL; which services
would start and which are left unchanged; the smoke, load and metric checks; and an estimate
of the duration from the ledger's history.

Nothing is changed: no database write (the target's database and the ledger are opened
read-only), no service started, no launch recorded, no lock taken, no Prefect flow run. The
only processes are alembic's own, which read the migration scripts and render the SQL offline.
(flows/plan.py is something else: the launch flow's DAG.)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from golive import settings, validate
from golive.backends import BackendError
from golive.cache_keys import audit_key, build_key, cache_record, suites_need_env, tests_key
from golive.context import LaunchContext, place_database
from golive.dryrun_migrations import MigrationPlan, plan_migrations
from golive.envfile import Redactor, read_env
from golive.freeze import refusal
from golive.gates.build import release_id, release_path
from golive.gates.registry import GATES, Gate, Variant
from golive.ledger.readonly import History, read_history
from golive.manifest import Manifest

Cache = Literal["cached", "not cached", "never cached", "unknown", "-"]
Action = Literal["start", "replace", "unchanged", "not in this variant"]


class GatePlan(BaseModel):
    gate: str
    hour: int
    runs: bool
    why: str = Field(description="when it runs, or why it does not")
    inputs: list[str]
    cache: Cache
    cache_key: str | None = None
    estimate_s: float | None = Field(None, description="median of its recent durations")


class ServicePlan(BaseModel):
    service: str
    release: str = Field(description="the release id the build would produce")
    live: str | None = Field(description="the environment's live release, from the ledger")
    running: str | None = Field(description="the release running now, where that can be read")
    action: Action


class CheckPlan(BaseModel):
    kind: Literal["smoke", "load", "metric"]
    name: str
    what: str
    runs: bool


class LaunchPlan(BaseModel):
    target: str
    manifest: str
    environment: str = Field(description="the environment launched into")
    variant: Variant
    rehearsal: bool
    freeze: str | None = Field(description="an active freeze window, or None")
    lock: str | None = Field(description="the launch holding the environment now, or None")
    gates: list[GatePlan]
    migrations: MigrationPlan
    services: list[ServicePlan]
    checks: list[CheckPlan]
    history: str = Field(description="how many finished launches the estimates come from")
    estimate_s: float | None = Field(description="Hour 1's longest path plus Hour 2's gates")


def make_plan(manifest: Path, environment: str, variant: Variant, rehearsal: bool) -> LaunchPlan:
    """The plan of `golive run VARIANT --manifest M --environment E [--rehearsal]`.

    Raises InputError (golive.validate, one line) on bad input, LedgerError when the ledger
    cannot be read."""
    spec = validate.check_launch(manifest, environment, rehearsal=rehearsal)
    launched_into = f"{environment}-rehearsal" if rehearsal else environment
    ctx = LaunchContext(0, manifest.resolve(), launched_into, variant, rehearsal)
    history = read_history(launched_into)
    # Production's values, its database placed as a launch places it (without making the folder).
    source = spec.database.source
    values = read_env(spec.path(spec.env.production))
    values = place_database(source, values, settings.environment_dir(environment) / "data")
    redact = Redactor(values, [*spec.env.declared_secrets, *spec.revealed_env_keys()])
    services = plan_services(ctx, history)
    migrations = plan_migrations(spec, values, redact, rehearsal)
    gates = [plan_gate(g, ctx, values, services, migrations, history) for g in GATES]
    return LaunchPlan(
        target=spec.target.name,
        manifest=str(manifest.resolve()),
        environment=launched_into,
        variant=variant,
        rehearsal=rehearsal,
        freeze=active_freeze(spec, environment, rehearsal),
        lock=history.lock,
        gates=gates,
        migrations=migrations,
        services=services,
        checks=plan_checks(spec, variant),
        history=f"{history.launches} finished launch(es)" if history.launches else "no history",
        estimate_s=estimate(gates) if history.durations else None,
    )


def plan_services(ctx: LaunchContext, history: History) -> list[ServicePlan]:
    """Per service of the manifest: the release the build would produce (a content hash, not
    built), the live one, and what deploy would do. A rehearsal starts everything afresh."""
    m = ctx.manifest
    planned = {s.name for s in ctx.planned_services()}
    running = {} if ctx.rehearsal else running_releases(ctx)
    same_config = set() if ctx.rehearsal else same_configuration(ctx, history)
    plans = []
    for svc in m.services_in_start_order():
        rid = release_id(m, svc)
        live = history.live.get(svc.name)
        action: Action
        if svc.name not in planned:
            action = "not in this variant"
        elif ctx.rehearsal or live is None:
            action = "start"
        elif live.release == rid and svc.name in same_config and running.get(svc.name) == rid:
            action = "unchanged"
        else:
            action = "replace"
        plans.append(
            ServicePlan(
                service=svc.name,
                release=rid,
                live=live.release if live else None,
                running=running.get(svc.name),
                action=action,
            )
        )
    return plans


def running_releases(ctx: LaunchContext) -> dict[str, str]:
    """The release each service runs now, as the backend sees it (behind the proxy: the
    release the proxy routes to); {} when the backend cannot say (no engine)."""
    from golive.proxy import load_routes

    try:
        running = ctx.backend().running()
    except BackendError:
        return {}
    routes = load_routes(ctx.environment_dir).services
    for name, route in routes.items():
        serving = route.candidate or route.live
        if serving is not None and serving.instance in running:
            running[name] = serving.release_id
    return running


def same_configuration(ctx: LaunchContext, history: History) -> set[str]:
    """The live services whose launch ran them with the configuration a launch would give them
    now (deploy restarts a service whose configuration changed). Compared, never shown."""
    if not history.live or not ctx.environment_dir.is_dir():
        return set()
    now = ctx.service_env()
    same = set()
    for name, live in history.live.items():
        try:
            path = settings.config_snapshot(ctx.environment, live.launch_id)
            kept = {str(k): str(v) for k, v in json.loads(path.read_text()).items()}
        except (OSError, ValueError):
            kept = now  # not kept: deploy compares with the current one, so it counts as same
        if kept == now:
            same.add(name)
    return same


def plan_gate(
    g: Gate,
    ctx: LaunchContext,
    values: dict[str, str],
    services: list[ServicePlan],
    migrations: MigrationPlan,
    history: History,
) -> GatePlan:
    """One gate's line: whether it runs, its inputs, its cache state, its estimate."""
    m = ctx.manifest
    runs, why = gate_runs(g, m, ctx.variant)
    inputs = gate_inputs(g.name, m, ctx.variant, services, migrations)
    cache, key = gate_cache(g.name, ctx, values) if runs else ("-", None)
    estimate_s = history.durations.get(g.name) if runs else None
    if cache == "cached":
        estimate_s = 0.0  # taken from the cache: no work
    return GatePlan(
        gate=g.name,
        hour=g.hour,
        runs=runs,
        why=why,
        inputs=inputs,
        cache=cache,
        cache_key=key,
        estimate_s=estimate_s,
    )


def gate_runs(g: Gate, m: Manifest, variant: Variant) -> tuple[bool, str]:
    if not g.has_task:
        return False, "staged launches only"
    if g.name == "load":
        if variant != "full":
            return False, f"a {variant} launch has no load test"
        if m.load is None:
            return False, "no [load] in the manifest: skipped"
    if g.name == "metrics" and not m.monitoring.checks:
        return False, "no [[monitoring.checks]] in the manifest"
    if g.hour == 1:
        return True, "Hour 1" + (", after configure" if g.name == "migrate" else "")
    return True, "Hour 2, if nothing before it blocks"


def gate_inputs(
    name: str,
    m: Manifest,
    variant: Variant,
    services: list[ServicePlan],
    migrations: MigrationPlan,
) -> list[str]:
    """What the gate reads, in a few words each (paths relative to the manifest)."""
    deploying = [s for s in services if s.action != "not in this variant"]
    if name == "configure":
        return [f"{m.env.production} against {m.env.template}"]
    if name == "audit":
        files = [*m.audit.requirements, *m.audit.npm_lockfiles]
        return [*(str(p) for p in files), f"advisories: {m.audit.source}"]
    if name == "tests":
        return [f"suite {s.name}: {s.command}" for s in m.suites]
    if name == "migrate":
        return [migrations.summary]
    if name == "build":
        return [f"{s.service}@{s.release}" for s in deploying]
    if name == "deploy":
        return [f"{s.service}: {s.action}" for s in deploying]
    if name == "monitor":
        where = m.monitoring.prometheus_url or "a Prometheus golive starts"
        return [where, *(f"rules: {p}" for p in m.monitoring.rule_files)]
    if name == "smoke":
        chosen = [c for c in m.smoke if variant != "soft" or c.critical]
        return [f"{len(chosen)} check(s)" + (" (critical only)" if variant == "soft" else "")]
    if name == "load" and m.load is not None:
        lp = m.load
        return [f"{lp.locustfile}: {lp.users} users for {lp.duration_s}s on {lp.host_service}"]
    if name == "metrics":
        return [c.name for c in m.monitoring.checks]
    return []


def gate_cache(name: str, ctx: LaunchContext, values: dict[str, str]) -> tuple[Cache, str | None]:
    """Whether the gate's result would come from the cache: its key, as its task computes it,
    and whether Prefect's result storage (as this shell configures it) holds a record of it."""
    m = ctx.manifest
    if name == "audit":
        key = audit_key(m)
    elif name == "tests":
        if ctx.rehearsal and suites_need_env(m):
            return "not cached", None  # its suites run against the rehearsal's own database
        key = tests_key(m, lambda: values)
    elif name == "build":
        store = settings.release_store()
        key = build_key(m, ctx.planned_services(), store)
        gone = any(
            not release_path(store, s, release_id(m, s)).is_dir() for s in ctx.planned_services()
        )
        if gone:  # a cached build whose releases left the store is built again
            return "not cached", key
    else:
        return "never cached", None
    return ("cached" if cache_record(key).is_file() else "not cached"), key


def plan_checks(m: Manifest, variant: Variant) -> list[CheckPlan]:
    """The smoke checks (soft: critical ones only), the load profile and the metric checks."""
    checks = [
        CheckPlan(
            kind="smoke",
            name=c.name,
            what=f"{c.method} {c.service}{c.path} expects {c.expect}"
            + (" (critical)" if c.critical else ""),
            runs=variant != "soft" or c.critical,
        )
        for c in m.smoke
    ]
    if m.load is not None:
        lp = m.load
        limits = f"p95 < {lp.p95_ms} ms, failures <= {lp.max_failure_ratio:.0%}"
        checks.append(
            CheckPlan(
                kind="load",
                name=str(lp.locustfile),
                what=f"{lp.users} users, {lp.duration_s}s on {lp.host_service}; {limits}",
                runs=variant == "full",
            )
        )
    checks += [
        CheckPlan(kind="metric", name=c.name, what=f"{c.comparison} {c.threshold}", runs=True)
        for c in m.monitoring.checks
    ]
    return checks


def estimate(gates: list[GatePlan]) -> float:
    """Hour 1's gates run side by side (migrate after configure): its longest path; Hour 2's
    one after another (monitor beside smoke). Gates with no history count as nothing."""
    took = {g.gate: (g.estimate_s or 0.0) for g in gates if g.runs}
    hour1 = max(
        took.get("configure", 0.0) + took.get("migrate", 0.0),
        took.get("audit", 0.0),
        took.get("tests", 0.0),
    )
    hour2 = sum(took.get(n, 0.0) for n in ("build", "deploy", "load", "metrics"))
    hour2 += max(took.get("monitor", 0.0), took.get("smoke", 0.0))
    return round(hour1 + hour2, 1)


def active_freeze(spec: Manifest, environment: str, rehearsal: bool) -> str | None:
    """The freeze window that would refuse this launch, as the refusal says it, or None
    (rehearsals are never frozen)."""
    if rehearsal:
        return None
    return refusal(spec.freeze, environment, datetime.now(UTC))
