"""Putting an environment back after a launch that died without finishing.

A launch killed (kill -9, a lost machine), interrupted (Ctrl-C) or cancelled leaves its
environment half done: the database migrated, a candidate release serving, its lock held.
`recover` puts back what the ledger says was good before it: the database at the revision the
launch started from (unless the launch reached GO), the last GO release of each service
serving, the launch recorded CRASHED, its candidates rolled back, and the lock let go. A
disposable (rehearsal) environment is torn down instead.

It is what the next launch does when it takes over a dead holder's lease, what
`golive recover` does on demand, and what an interrupted or cancelled flow does before it ends.
"""

from __future__ import annotations

import socket
from pathlib import Path

from golive import runner
from golive.context import LaunchContext
from golive.disposable import drop_leftovers
from golive.errors import GoliveError
from golive.gates.deploy import rollback
from golive.gates.migrate import revert_with
from golive.gates.outputs import MigrateOutput
from golive.gates.registry import result_from_json
from golive.ledger import Ledger, open_ledger
from golive.ledger.models import EnvironmentLock, Launch, utcnow
from golive.migrations import open_migrations
from golive.monitoring import MonitoringError
from golive.monitoring.prometheus import find_binary, running_url, start_prometheus
from golive.proxy.switch import switch_back


def recover(
    launch_id: int, why: str, actor: str = "golive", ledger: Ledger | None = None
) -> list[str]:
    """Undo what launch `launch_id` left behind and free its environment; one line per step."""
    ledger = ledger or open_ledger()
    launch = ledger.launch(launch_id)
    if launch is None:
        return [f"launch {launch_id} is not in the ledger: nothing to recover"]
    lines: list[str] = []
    if launch.finished_at is None:
        ledger.finish_launch(launch.id, "CRASHED", [why])
    ctx = context_of(launch)
    if ctx is None:
        lines.append(f"manifest of launch {launch.id} cannot be loaded: database and services left")
    elif launch.rehearsal:
        lines += drop_leftovers(ctx.database_url(), ctx.test_databases_dir)
        ctx.teardown()
        ledger.retire_environment(launch.environment)
        lines.append(f"rehearsal environment {launch.environment} torn down")
    else:
        lines += drop_leftovers(ctx.database_url(), ctx.test_databases_dir)
        lines += revert_database(ctx, launch, ledger)
        lines += serve_last_good(ctx, ledger)
        lines += watch_last_good(ctx, ledger)
    ledger.roll_back(launch.id, launch.environment)
    ledger.unlock_environment(launch.environment, launch.id)
    ledger.record_event(launch.environment, launch.id, "recover", actor, "; ".join([why, *lines]))
    return lines


def why_holder_is_dead(holder: EnvironmentLock, ledger: Ledger | None = None) -> str | None:
    """Why the lock's holder can no longer be running, or None while it may be: its launch
    finished, its lease ran out, or (on this host) its process is gone."""
    launch = (ledger or open_ledger()).launch(holder.launch_id)
    if launch is None or launch.finished_at is not None:
        return "finished"
    if holder.expires_at is not None and holder.expires_at < utcnow():
        return f"its lease ran out at {holder.expires_at:%H:%M:%S} UTC"
    here = holder.holder_host == socket.gethostname()
    if here and holder.holder_pid is not None and not runner.alive(holder.holder_pid):
        return f"its process {holder.holder_pid} is gone"
    return None


def context_of(launch: Launch) -> LaunchContext | None:
    """The launch's context, from the manifest it recorded; None when that is gone or broken."""
    if not launch.manifest:
        return None
    ctx = LaunchContext(
        launch.id,
        Path(launch.manifest),
        launch.environment,
        "soft" if launch.variant == "soft" else "full",
        launch.rehearsal,
    )
    try:
        _ = ctx.manifest
    except GoliveError:
        return None
    return ctx


def revert_database(ctx: LaunchContext, launch: Launch, ledger: Ledger) -> list[str]:
    """The database back at the revision recorded before the launch migrated, if it moved."""
    if not launch.revision_recorded or launch.verdict == "GO":
        return []
    m = ctx.manifest
    url = ctx.database_url()
    if not url:
        return [f"database: {m.database.source.source} is not set, not checked"]
    tool = open_migrations(m, ctx.env_values(), ctx.redactor())
    try:
        now = tool.current(url)
    except Exception as exc:  # an unreachable database: say so, recover the rest
        return [f"database: cannot be read ({type(exc).__name__}), not reverted"]
    if now == launch.revision_before:
        return [f"database: at {now or 'an empty schema'} as before the launch"]
    found = ledger.backup_of(launch.id)
    line = revert_with(
        tool,
        url,
        launch.revision_before,
        found[1] if found else None,
        ctx.redactor(),
        m.database.timeout,
        partial=stopped_part_way(ledger, launch.id),
    )
    return [line]


def stopped_part_way(ledger: Ledger, launch_id: int) -> bool:
    """Whether the launch's migrate gate may have left what no downgrade undoes: it never ended
    (the launch died during the upgrade or the seed), or it ended with either failed. The
    backup taken before it goes back then, as a NO-GO's undo does."""
    row = next((g for g in ledger.gate_runs(launch_id) if g.gate == "migrate"), None)
    if row is None:
        return True
    output = result_from_json(row.result).output if row.result else None
    return isinstance(output, MigrateOutput) and output.left_partial


def watch_last_good(ctx: LaunchContext, ledger: Ledger) -> list[str]:
    """The Prometheus golive runs for the environment watching what is live again, if golive
    runs one there (an existing Prometheus at a URL is not golive's to start)."""
    cfg = ctx.manifest.monitoring
    live = ledger.live_releases(ctx.environment)
    if cfg.prometheus_url or not live or find_binary(cfg.prometheus_binary) is None:
        return []
    if running_url(ctx.environment_dir):
        return ["monitoring: Prometheus is running"]
    services = [s for s in ctx.manifest.services_in_start_order() if s.name in live]
    rule_files = [ctx.manifest.path(p) for p in cfg.rule_files]
    try:
        url = start_prometheus(ctx.environment_dir, services, cfg, rule_files, cfg.wait_s)
    except MonitoringError as exc:
        return [f"monitoring: Prometheus could not be started again: {exc}"]
    return [f"monitoring: Prometheus started again at {url}"]


def serve_last_good(ctx: LaunchContext, ledger: Ledger) -> list[str]:
    """Every service running its last GO release; a service with none is stopped."""
    live = ledger.live_releases(ctx.environment)
    backend = ctx.backend()
    proxy = ctx.proxy()
    if proxy is not None:  # the proxy routes to the last GO release again, started if need be
        services = ctx.manifest.services_in_start_order()
        previous = ctx.previous_releases(live)
        return [
            o.line for o in switch_back(services, previous, backend, proxy, ctx.environment_dir)
        ]
    running = backend.running()
    wrong = [
        svc
        for svc in ctx.manifest.services_in_start_order()
        if running.get(svc.name)
        != (live[svc.name].release.release_id if svc.name in live else None)
    ]
    if not wrong:
        return ["services: the last GO release is serving"]
    return [o.line for o in rollback(wrong, ctx.previous_releases(live), backend)]
