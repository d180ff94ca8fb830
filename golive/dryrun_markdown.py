"""A launch plan (golive.dryrun) as Markdown: the `launch-plan` artifact a launch asked only for
its plan (`request.plan`) publishes in the Prefect UI."""

from __future__ import annotations

from golive.dryrun import LaunchPlan


def cell(text: str) -> str:
    """Table cell text: a pipe or a line break would end the cell."""
    return text.replace("|", "\\|").replace("\n", "<br>")


def seconds(value: float | None) -> str:
    return "no history" if value is None else f"{value:.1f}s"


def plan_markdown(plan: LaunchPlan) -> str:
    kind = " (rehearsal)" if plan.rehearsal else ""
    lines = [
        f"# Launch plan: {plan.target} {plan.variant}{kind} → {plan.environment}",
        "",
        "Nothing was run or changed: this is what a launch would do.",
        "",
    ]
    if plan.freeze:
        lines += [f"**Freeze window active:** {cell(plan.freeze)}", ""]
    if plan.lock:
        lines += [f"**Busy:** the environment is held by {cell(plan.lock)}", ""]
    lines += ["| gate | hour | runs | inputs | cache | estimate |", "|---|---|---|---|---|---|"]
    for g in plan.gates:
        runs = ("yes: " if g.runs else "no: ") + g.why
        estimate = seconds(g.estimate_s) if g.runs else "-"
        inputs = cell("\n".join(g.inputs))
        lines.append(f"| {g.gate} | {g.hour} | {cell(runs)} | {inputs} | {g.cache} | {estimate} |")
    lines += ["", "| service | release | live | deploy |", "|---|---|---|---|"]
    for s in plan.services:
        lines.append(f"| {s.service} | {s.release} | {s.live or '-'} | {s.action} |")
    m = plan.migrations
    lines += ["", f"**Migrations ({m.tool}):** {cell(m.summary)}", ""]
    lines += [f"- {step}" for step in m.pending]
    if m.sql:
        lines += ["", "```sql", m.sql.rstrip(), "```"]
    lines += ["", "| check | name | what | runs |", "|---|---|---|---|"]
    for c in plan.checks:
        lines.append(
            f"| {c.kind} | {cell(c.name)} | {cell(c.what)} | {'yes' if c.runs else 'no'} |"
        )
    lines += ["", f"**Estimated duration:** {seconds(plan.estimate_s)} (from {plan.history})"]
    return "\n".join(lines) + "\n"
