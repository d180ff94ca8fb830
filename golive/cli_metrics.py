"""`golive metrics`: the DORA metrics of an environment from the ledger, as a table or JSON.

Heavy imports (SQLAlchemy through the ledger, rich) stay inside the command, so `golive --help`
stays fast.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

import typer

from golive.errors import InputError


def metrics_command(
    environment: Annotated[
        str, typer.Option(help="the environment whose launches count (rehearsals never do)")
    ] = "production",
    since: Annotated[str, typer.Option(help="the window, back from now: 30d, 12h, 2w")] = "30d",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Deployment frequency, lead time, change failure rate and time to restore."""
    from golive import dora, settings
    from golive.ledger import open_ledger
    from golive.ledger.history import launch_facts
    from golive.ledger.models import utcnow

    settings.check_environment(environment)
    try:
        window: timedelta = dora.parse_since(since)
    except ValueError as exc:
        raise InputError(f"--since: {exc}") from None
    until = utcnow()
    facts = launch_facts(open_ledger(), environment, until - window)
    metrics = dora.compute(facts, until - window, until, environment)
    if as_json:
        print(json.dumps(metrics.as_dict(), indent=2))
        return
    from golive.cli import console, new_table

    table = new_table(
        f"DORA metrics: {environment}, last {since} ({metrics.launches} launches)",
        ("metric", "value", "detail"),
    )
    for row in metrics.rows():
        table.add_row(row["metric"], row["value"], row["detail"])
    console().print(table)
