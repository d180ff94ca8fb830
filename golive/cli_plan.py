"""`golive plan`: what a launch would do, shown as tables or as JSON, touching nothing.

The plan itself is golive.dryrun's; this module is the command and its rendering. Heavy
imports (rich, SQLAlchemy, pydantic models) wait until the command runs, so `golive --help`
stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

if TYPE_CHECKING:
    from golive.dryrun import LaunchPlan


def plan_command(
    manifest: Annotated[Path, typer.Option(help="the target's launch.toml")] = Path("launch.toml"),
    environment: Annotated[
        str, typer.Option(help="environment it would launch into")
    ] = "production",
    variant: Annotated[
        Literal["full", "soft"], typer.Option(help="the launch variant to plan")
    ] = "full",
    rehearsal: Annotated[bool, typer.Option(help="plan a rehearsal of the environment")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
) -> None:
    """Show what a launch would do (gates, cache, migrations and their SQL, services, checks,
    an estimated duration) without changing anything: exit 0, or 2 on bad input."""
    from golive.dryrun import make_plan

    plan = make_plan(manifest, environment, variant, rehearsal)
    if as_json:
        print(plan.model_dump_json(indent=2))
        return
    print_plan(plan)


def seconds(value: float | None) -> str:
    return "no history" if value is None else f"{value:.1f}s"


def print_plan(plan: LaunchPlan) -> None:
    """The plan as rich tables: gates, services, migrations, checks, then the estimate."""
    from golive.cli import console, new_table

    out = console()
    kind = " (rehearsal)" if plan.rehearsal else ""
    out.print(
        f"Plan: {plan.target} {plan.variant}{kind} → {plan.environment} (nothing was changed)",
        highlight=False,
        markup=False,
    )
    if plan.freeze:
        out.print(f"FREEZE: {plan.freeze}", highlight=False, markup=False)
    if plan.lock:
        out.print(f"busy: the environment is held by {plan.lock}", highlight=False, markup=False)
    gates = new_table("Gates", ("gate", "hour", "runs", "inputs", "cache", "estimate"))
    for g in plan.gates:
        gates.add_row(
            g.gate,
            str(g.hour),
            ("yes: " if g.runs else "no: ") + g.why,
            "\n".join(g.inputs),
            g.cache,
            seconds(g.estimate_s) if g.runs else "-",
        )
    out.print(gates)
    services = new_table("Services", ("service", "release", "live", "running", "deploy"))
    for s in plan.services:
        services.add_row(s.service, s.release, s.live or "-", s.running or "-", s.action)
    out.print(services)
    m = plan.migrations
    out.print(f"Migrations ({m.tool}): {m.summary}", highlight=False, markup=False)
    for step in m.pending:
        out.print(f"  {step}", highlight=False, markup=False)
    if m.sql:
        out.print(m.sql.rstrip(), highlight=False, markup=False)
    checks = new_table("Checks", ("kind", "name", "what", "runs"))
    for c in plan.checks:
        checks.add_row(c.kind, c.name, c.what, "yes" if c.runs else "no")
    out.print(checks)
    out.print(
        f"Estimated duration: {seconds(plan.estimate_s)} (from {plan.history})",
        highlight=False,
        markup=False,
    )
