"""The `golive` command: run a launch, list past launches, take an environment down, show the
migration SQL, restore a launch's database backup.

Exit codes: 0 GO, 1 NO-GO, 2 bad input, 3 refused (the environment is busy), 4 an operation
failed (a tool, a backup, the Prefect API), 130/143 interrupted (after undoing the launch): one
line on stderr naming what to fix (golive.errors). A usage error (an unknown option, a bad
argument) is bad input too: exit 2, one line.
Bad input is found by golive.validate before anything changes; the flow is imported only when a
launch runs, so that happens before Prefect starts. A launch reports to PREFECT_API_URL, else to
golive's local Prefect server (`golive server`, golive.prefect_server); with
--temporary-server, to a server of its own that dies with it. Where golive's warm process runs
(golive.warm_process), `run` and `resume` are run by a fork of it, Prefect already imported.
"""

from __future__ import annotations

import json
import os
import sys
import time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from golive import prefect_server, settings
from golive.cli_database import restore_command, sql_command
from golive.cli_metrics import metrics_command
from golive.cli_plan import plan_command
from golive.cli_recovery import recover_command, unlock_command
from golive.cli_resume import resume_command
from golive.errors import GoliveError, InputError, OperationFailed

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from golive.request import LaunchRequest

# `golive --help` and a usage error answer at once: everything heavy (Prefect, pydantic models,
# SQLAlchemy, rich) is imported by the command that uses it (tests/golive/test_cli_startup.py).

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Take a web system to live through the launch plan, GO or NO-GO.",
    # Plain help and tracebacks: rich's help renderer alone costs more than the rest of startup.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


@cache
def console() -> Console:
    from rich.console import Console

    return Console()


def new_table(title: str, columns: tuple[str, ...]) -> Table:
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    return table


EXIT_GO, EXIT_NO_GO, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 130, 143

# For the Prefect client in this process (and the servers golive starts): quiet and patient.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def print_report(report: dict[str, Any]) -> None:
    table = new_table(
        f"Launch {report['launch_id']}: {report['target']} {report['variant']} "
        f"→ {report['environment']}",
        ("category", "score", "blocking", "gates"),
    )
    for row in report["scorecard"]:
        table.add_row(
            row["category"], str(row["score"]), "yes" if row["blocking"] else "no", row["gates"]
        )
    console().print(table)
    for line in report["rollback"]:
        console().print(f"rollback: {line}")
    for line in (report.get("drift") or {}).get("lines", []):  # a rehearsal's, vs the last one
        console().print(line, highlight=False, markup=False)
    style = "bold green" if report["verdict"] == "GO" else "bold red"
    console().print(f"[{style}]{report['verdict']}[/] readiness {report['score']}/100")
    for reason in report["reasons"]:
        console().print(f"  - {reason}", highlight=False, markup=False)


@app.command()
def run(
    variant: Annotated[Literal["full", "soft"], typer.Argument(help="full or soft launch")],
    manifest: Annotated[Path, typer.Option(help="the target's launch.toml")] = Path("launch.toml"),
    environment: Annotated[str, typer.Option(help="environment to launch into")] = "production",
    rehearsal: Annotated[
        bool, typer.Option(help="disposable environment, torn down after")
    ] = False,
    report_json: Annotated[Path | None, typer.Option(help="write the report as JSON here")] = None,
    if_busy: Annotated[
        Literal["refuse", "queue"], typer.Option(help="another launch runs in the environment")
    ] = "refuse",
    temporary_server: Annotated[
        bool,
        typer.Option(
            help="a Prefect server for this run alone, stopped with it (default: "
            "PREFECT_API_URL, else golive's local server, started on first use)"
        ),
    ] = False,
    override_freeze: Annotated[
        str | None, typer.Option(help="launch inside a freeze window: why (in the ledger)")
    ] = None,
) -> None:
    """Run the launch plan and print the scorecard: exit 0 on GO, 1 on NO-GO, 2 on bad input,
    3 when another launch or a freeze window holds the environment."""
    from datetime import UTC, datetime

    from pydantic import ValidationError

    from golive import validate
    from golive.files import write_private
    from golive.freeze import check_freeze
    from golive.ledger import open_ledger
    from golive.request import LaunchRequest

    # Bad input fails here, in a second, before anything changes and before Prefect starts;
    spec = validate.check_launch(
        manifest, environment, rehearsal=rehearsal, report_json=report_json
    )
    now = datetime.now(UTC)  # a frozen launch is refused here too, before Prefect starts
    check_freeze(spec.freeze, environment, rehearsal=rehearsal, override=override_freeze, now=now)
    open_ledger()  # and so does a ledger that cannot be opened
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    try:
        request = LaunchRequest(
            manifest=str(manifest),
            variant=variant,
            environment=environment,
            rehearsal=rehearsal,
            if_busy=if_busy,
            override_freeze=override_freeze,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"--{str(err['loc'][0]).replace('_', '-')}: {err['msg']}") from None
    local_server = not temporary_server and not os.environ.get(prefect_server.API_ENV)
    with prefect_server.api_for_run(temporary_server=temporary_server) as api:
        console().print(f"Prefect UI: {prefect_server.ui_url(api)}", highlight=False)
        if local_server:  # started on first use beside the server, for the next launch
            start_warm_process(wait=False)
        try:
            report = run_interruptible(request)
        finally:
            flush_to_api()  # while the API still answers: a temporary server stops next
    if report_json:
        write_private(report_json, json.dumps(report, indent=2) + "\n")
    print_report(report)
    raise typer.Exit(EXIT_GO if report["verdict"] == "GO" else EXIT_NO_GO)


def run_interruptible(request: LaunchRequest) -> dict[str, Any]:
    """The launch, in this process. Ctrl-C or SIGTERM crash the flow run, whose hook undoes what
    the launch did (golive.recovery); then golive exits 130 or 143, saying so."""
    from prefect.exceptions import TerminationSignal

    from flows.launch import run_launch  # the one place the core reaches up to its flows

    try:
        return run_launch(request)
    except KeyboardInterrupt:
        code, how = EXIT_INTERRUPTED, "interrupted"
    except TerminationSignal:
        code, how = EXIT_TERMINATED, "terminated"
    print(
        f"golive: {how}: the launch was undone and recorded CRASHED (see golive history)",
        file=sys.stderr,
    )
    raise typer.Exit(code)


def flush_to_api() -> None:
    """Send the logs and events Prefect still queues for the API (it would at exit, when a
    temporary server is gone); bounded, so that a stuck API cannot hold golive up."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=5)
    EventsWorker.drain_all(timeout=5)


@app.command()
def history(limit: Annotated[int, typer.Option(min=1, help="how many launches")] = 20) -> None:
    """List recent launches from the ledger."""
    from golive.ledger import open_ledger
    from golive.ledger.overrides import freeze_overrides

    table = new_table(
        "Recent launches",
        ("id", "started (UTC)", "target", "variant", "environment", "verdict", "why"),
    )
    launches = open_ledger().recent_launches(limit)
    overrides = freeze_overrides(open_ledger(), [launch.id for launch in launches])
    for launch in launches:
        why = (launch.reasons.splitlines() or [""])[0][:80]
        if launch.id in overrides:  # a launch through a freeze window says so first
            event = overrides[launch.id]
            why = "; ".join(
                filter(None, [f"freeze overridden by {event.actor}: {event.reason}", why])
            )
        table.add_row(
            str(launch.id),
            launch.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            launch.target,
            launch.variant + (" (rehearsal)" if launch.rehearsal else ""),
            launch.environment,
            launch.verdict or "running",
            why,
        )
    console().print(table)


@app.command()
def down(
    environment: Annotated[str, typer.Option(help="environment to stop")] = "production",
) -> None:
    """Stop every service (and the Prometheus) golive runs in an environment; data is kept."""
    from golive.context import stop_environment
    from golive.ledger import open_ledger

    settings.check_environment(environment)
    stopped = stop_environment(environment)
    open_ledger().retire_environment(environment)
    console().print(f"stopped {', '.join(stopped) or 'nothing'} in {environment}")


@app.command()
def status(
    environment: Annotated[str, typer.Option(help="environment to show")] = "production",
) -> None:
    """List the services golive runs in an environment, with their live release."""
    from golive.backends import open_backend
    from golive.ledger import open_ledger
    from golive.monitoring.prometheus import running_url
    from golive.proxy import load_routes

    settings.check_environment(environment)
    backend = open_backend(settings.environment_dir(environment), environment)
    running = backend.running()
    routes = load_routes(settings.environment_dir(environment)).services
    if routes:  # behind the proxy: a service's releases run under names of their own
        instances, running = running, {n: r for n, r in running.items() if "." not in n}
        for name, route in routes.items():
            serving = route.candidate or route.live
            if serving is not None and serving.instance in instances:
                running[name] = serving.release_id
    live = open_ledger().live_releases(environment)
    table = new_table(
        f"{environment} ({backend.kind} backend)",
        ("service", "running release", "ledger: live release", "since (UTC)"),
    )
    for name in sorted(set(running) | set(live)):
        rel = live.get(name)
        table.add_row(
            name,
            running.get(name, "stopped"),
            rel.release.release_id if rel else "-",
            rel.since.strftime("%Y-%m-%d %H:%M:%S") if rel else "-",
        )
    console().print(table)
    show_routes(environment)
    url = running_url(settings.environment_dir(environment))
    console().print(f"prometheus: {url or 'not running (golive started none here)'}")
    holder = open_ledger().lock_holder(environment)
    if holder is not None:
        console().print(f"lock: launch {holder.launch_id}, lease until {holder.expires_at} UTC")


def show_routes(environment: str) -> None:
    """Behind the proxy: per service, its public port, the live and candidate releases, their
    internal ports and their shares of the traffic."""
    from golive.proxy import load_routes, proxy_running

    env_dir = settings.environment_dir(environment)
    routes = load_routes(env_dir)
    if not routes.services:
        return
    up = "running" if proxy_running(env_dir) else "NOT running"
    table = new_table(
        f"proxy ({up})", ("service", "public port", "live", "candidate", "weights live/candidate")
    )
    for name, route in sorted(routes.services.items()):
        live, cand = route.live, route.candidate
        weight = route.candidate_weight if cand else 0
        table.add_row(
            name,
            str(route.public_port),
            f"{live.release_id} :{live.port}" if live else "-",
            f"{cand.release_id} :{cand.port}" if cand else "-",
            f"{100 - weight if live else 0}% / {weight if cand else 0}%",
        )
    console().print(table)


@app.command()
def approve(
    run_id: Annotated[str, typer.Argument(help="the staged launch's flow run id")],
    note: Annotated[str, typer.Option(help="what was checked, what to watch")] = "",
    abort: Annotated[
        bool, typer.Option(help="abort the launch instead (rolls back stage 2)")
    ] = False,
    approver: Annotated[str, typer.Option(help="who decides")] = settings.operator(),
) -> None:
    """Approve (or abort) the next stage of a staged launch waiting for a decision."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ[prefect_server.API_ENV] = prefect_server.api_url()
    from flows.approvals import approve as give_decision  # the flows layer talks to Prefect

    try:
        give_decision(run_id, approver, not abort, note)
    except GoliveError:
        raise
    except Exception as exc:  # no API, a refused request: one line, exit 4
        raise OperationFailed(
            f"cannot resume flow run {run_id}: {type(exc).__name__}: {exc}"
        ) from None
    console().print(f"flow run {run_id}: {'ABORTED' if abort else 'approved'} by {approver}")


server_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="golive's local Prefect server (used when PREFECT_API_URL is not set).",
)
app.add_typer(server_app, name="server")
app.command("resume")(resume_command)
app.command("recover")(recover_command)
app.command("unlock")(unlock_command)
app.command("sql")(sql_command)
app.command("restore")(restore_command)


def start_warm_process(*, wait: bool) -> dict[str, Any] | None:
    """golive's warm process (golive.warm_process) for this GOLIVE_HOME, started if none runs
    with the current code; None inside one (its launches are its forks) or where it is turned
    off (GOLIVE_WARM_PROCESS=off)."""
    from golive import warm_process

    if not warm_process.wanted():
        return None
    return warm_process.ensure_running(wait=wait)


@server_app.command("start")
def server_start(
    warm: Annotated[
        bool, typer.Option(help="also a warm process: launches start with Prefect imported")
    ] = True,
) -> None:
    """Start the local Prefect server in the background (a running one is reused)."""
    state = prefect_server.ensure_running()
    console().print(f"Prefect server at {prefect_server.ui_url(state.api_url)} (pid {state.pid})")
    if warm and (process := start_warm_process(wait=True)) is not None:
        console().print(f"warm process ready (pid {process['pid']})", highlight=False)


@server_app.command("stop")
def server_stop() -> None:
    """Stop the local Prefect server, everything it started, and the warm process."""
    from golive import warm_process

    warm = warm_process.stop()
    if warm is not None:
        console().print(f"stopped the warm process (pid {warm['pid']})", highlight=False)
    state = prefect_server.stop_managed()
    console().print(f"stopped the Prefect server (pid {state.pid})" if state else "not running")


@server_app.command("status")
def server_status() -> None:
    """Show the local Prefect server: its address, pid and uptime."""
    state = prefect_server.read_state()
    if state is None:
        console().print(f"not running (its folder: {prefect_server.server_dir()})")
        return
    up = int(time.time() - state.started_at)
    uptime = f"{up // 3600}h{up % 3600 // 60:02d}m{up % 60:02d}s"
    console().print(
        f"running: {prefect_server.ui_url(state.api_url)} pid {state.pid} up {uptime}",
        highlight=False,
    )
    show_warm_process()
    if os.environ.get(prefect_server.API_ENV):
        console().print(
            f"(PREFECT_API_URL is set: golive talks to {os.environ['PREFECT_API_URL']})"
        )


def show_warm_process() -> None:
    from golive import warm_process

    warm = warm_process.read_state()
    if warm is None:
        console().print("warm process: not running")
    else:
        how = "ready" if warm_process.ready() else "starting"
        console().print(f"warm process: {how}, pid {warm['pid']}", highlight=False)


app.command("metrics")(metrics_command)
app.command("plan")(plan_command)


def fail(message: str, code: int) -> None:
    """One line on stderr, whatever the message held, and the exit code."""
    print(f"golive: error: {' '.join(message.split())}", file=sys.stderr)
    sys.exit(code)


def main() -> None:
    try:
        if sys.argv[1:2] in (["run"], ["resume"]):  # a launch: in the warm process if one runs
            from golive import warm_process

            if (status := warm_process.delegate(sys.argv[1:])) is not None:
                sys.exit(status)
        # Not standalone: a command's typer.Exit comes back as its code, and a usage error
        # comes here to be said in one line. `golive` alone shows the help.
        code = app(args=sys.argv[1:] or ["--help"], prog_name="golive", standalone_mode=False)
    except typer.TyperException as exc:  # an unknown command or option, a bad argument
        ctx = getattr(exc, "ctx", None)
        where = f"{ctx.command_path}: " if ctx is not None else ""
        problem = exc.format_message().replace("Value error, ", "")
        fail(f"{where}{problem} (see --help)", 2)
    except typer.Abort:
        fail("aborted", 1)
    except GoliveError as exc:  # the tree and its exit codes: golive.errors
        fail(str(exc), exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def entry() -> None:
    """The `golive` command (and `python -m golive.cli`): main, then an exit that skips the
    interpreter's teardown (golive.exiting); main itself raises SystemExit, for tests."""
    from golive.exiting import leave

    try:
        main()
    except SystemExit as exc:
        leave(exc.code)


if __name__ == "__main__":
    entry()
