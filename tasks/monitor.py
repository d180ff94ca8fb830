"""Monitor gate task: never cached, the targets and rules are checked as they are now.

A soft launch needs its targets up; a broken alert rule only warns there (full: it blocks).
Each release is scraped on its own port and labelled with its release id (behind the proxy,
on its internal port: the public one mixes releases).
`prometheus_ahead` starts the environment's Prometheus during Hour 1, off the critical path,
so the gate after deploy only gives it the deployed services and waits for their scrape;
`targets_ahead` gives it those services before a deploy that replaces nothing, so that even
that wait holds no service-discovery delay.
"""

from __future__ import annotations

from prefect import task
from prefect.logging import get_run_logger

from golive import cancel
from golive.context import LaunchContext
from golive.gates.build import release_id
from golive.gates.monitor import monitor
from golive.gates.outputs import BuildOutput
from golive.ledger import open_ledger
from golive.manifest import Service
from golive.monitoring import prepare
from golive.monitoring.prometheus import Targets, prepared_url, write_targets
from golive.monitoring.targets import as_scraped, scrape_targets
from golive.results import GateResult


@task(name="monitor")
def monitor_gate(ctx: LaunchContext) -> GateResult:
    """Every deployed service's target up and the alert rules loaded (a soft launch: a broken
    rule only warns)."""
    services, targets = scrape_plan(ctx, ctx.backend().running())
    return monitor(
        services,
        ctx.environment_dir,
        ctx.manifest.monitoring,
        ctx.manifest.root,
        rules_block=ctx.variant != "soft",
        targets=targets,
        launch_id=ctx.launch_id,
    )


def scrape_plan(ctx: LaunchContext, running: dict[str, str]) -> tuple[list[Service], Targets]:
    """The services at the port they are scraped on, and their targets, given `running` (each
    service's release id): what the monitor gate gives Prometheus, and `targets_ahead` too, so
    that the gate's list is the very one given ahead."""
    services = ctx.services()
    targets = scrape_targets(services, ctx.environment_dir, running)
    return as_scraped(services, ctx.environment_dir), targets


def wants_prometheus(ctx: LaunchContext) -> bool:
    """Whether the monitor gate will watch through Prometheus: something to scrape or rules."""
    return bool(ctx.manifest.monitoring.rule_files) or any(s.metrics for s in ctx.services())


@task(name="prometheus")
def prometheus_ahead(ctx: LaunchContext) -> str:
    """Start the environment's Prometheus (config, rule files) watching what is live now; in a
    rehearsal into an empty environment, the services its deploy will start (`planned_targets`).

    Submitted in a cancel scope: once Hour 1 is NO-GO, a start still under way is abandoned,
    unless something is live (then Prometheus must keep watching it).
    """
    cfg = ctx.manifest.monitoring
    live_names = open_ledger().live_releases(ctx.environment)
    live = [s for s in ctx.manifest.services_in_start_order() if s.name in live_names]
    handle = cancel.current()
    abandon = None if live or handle is None else (lambda: handle.scope.cancelled)
    rule_files = [ctx.manifest.path(p) for p in cfg.rule_files]
    planned = None if live else planned_targets(ctx)
    services, targets = planned if planned else (live, None)
    line = prepare(ctx.environment_dir, services, cfg, rule_files, ctx.launch_id, abandon, targets)
    get_run_logger().info("%s", line)
    return line


def planned_targets(ctx: LaunchContext) -> tuple[list[Service], Targets] | None:
    """A rehearsal's targets from the start of Hour 1, each labelled with the release its deploy
    will start (the id computed from the sources, as build does), where nothing runs and no
    proxy routes; else None.

    Prometheus passes discovered targets on to its scrapers on 5-second ticks from its start
    (its discovery throttle): a list given at build (`targets_ahead`) could reach them seconds
    after deploy, all of it monitor-gate time. Given at start, they are scraped (down) from the
    first ticks on, and a rehearsal whose Hour 1 and deploy outlast those finds them scraped
    already: the monitor gate waits for one scrape.
    Only in a rehearsal: its Prometheus goes with it, while a production one would keep
    minutes of `up == 0` for a release not yet deployed (and fire its alerts on them).
    """
    if not ctx.rehearsal or ctx.proxy() is not None or ctx.backend().running():
        return None
    releases = {svc.name: release_id(ctx.manifest, svc) for svc in ctx.planned_services()}
    return scrape_plan(ctx, releases)


def targets_ahead(ctx: LaunchContext, built: BuildOutput) -> bool:
    """Before a deploy into an environment where nothing runs and no proxy routes: give the
    Prometheus this launch started in Hour 1 the targets the deploy is about to start, each
    labelled with the release it will run. True if it did.

    Prometheus passes a changed target list on to its scrapers only every 5 seconds (its
    service-discovery throttle), which was up to 5 s of monitor-gate time after every deploy.
    Given ahead, the targets are down until their services start; the monitor gate writes the
    same list (no change, golive.monitoring.prometheus.write_targets) and waits only for a
    scrape made after deploy. Not where something runs: a scrape of the release still answering
    would be labelled as the new one.
    """
    env_dir = ctx.environment_dir
    if ctx.proxy() is not None or prepared_url(env_dir, ctx.launch_id) is None:
        return False
    if ctx.backend().running():
        return False
    releases = {name: release.release_id for name, release in built.releases.items()}
    write_targets(env_dir, *scrape_plan(ctx, releases))
    return True
