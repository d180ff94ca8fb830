"""`golive resume --launch ID`: run a NO-GO or CRASHED launch again from its first failed gate.

The new launch has the old one's manifest, environment, variant and kind (rehearsal or not),
read from the ledger; the Hour 1 gates whose results still hold are reused (golive.resume),
the rest run. It prints the scorecard like `golive run`, and exits the same way: 0 GO, 1 NO-GO,
2 when the launch cannot be resumed (unknown, GO, still running, another environment's).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer


def resume_command(
    launch: Annotated[int, typer.Option(help="the NO-GO or CRASHED launch to resume (its id)")],
    environment: Annotated[
        str, typer.Option(help="the environment it launched into (a check)")
    ] = "production",
    manifest: Annotated[
        Path | None, typer.Option(help="the launch.toml it launched (a check; default: its own)")
    ] = None,
    report_json: Annotated[Path | None, typer.Option(help="write the report as JSON here")] = None,
    temporary_server: Annotated[
        bool, typer.Option(help="a Prefect server for this run alone, stopped with it")
    ] = False,
) -> None:
    """Resume a NO-GO or CRASHED launch: reuse the Hour 1 gates whose inputs have not changed,
    run the rest; exit 0 on GO, 1 on NO-GO, 2 when it cannot be resumed."""
    from golive import prefect_server, validate
    from golive.cli import (
        EXIT_GO,
        EXIT_NO_GO,
        PREFECT_DEFAULTS,
        console,
        flush_to_api,
        print_report,
        run_interruptible,
    )
    from golive.files import write_private
    from golive.ledger import open_ledger
    from golive.request import LaunchRequest
    from golive.resume import check_resumable

    old = check_resumable(
        open_ledger(),
        launch,
        environment,
        manifest=str(manifest) if manifest is not None else None,
    )
    assert old.manifest is not None  # check_resumable refuses a launch without one
    variant = "soft" if old.variant == "soft" else "full"
    validate.check_launch(
        Path(old.manifest), environment, rehearsal=old.rehearsal, report_json=report_json
    )
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    request = LaunchRequest(
        manifest=old.manifest,
        variant=variant,
        environment=environment,
        rehearsal=old.rehearsal,
        resume_launch=old.id,
    )
    console().print(f"resuming launch {old.id} ({old.verdict})", highlight=False)
    with prefect_server.api_for_run(temporary_server=temporary_server) as api:
        console().print(f"Prefect UI: {prefect_server.ui_url(api)}", highlight=False)
        try:
            report = run_interruptible(request)
        finally:
            flush_to_api()
    if report_json:
        write_private(report_json, json.dumps(report, indent=2) + "\n")
    for line in report.get("resume", []):
        console().print(f"resume: {line}", highlight=False, markup=False)
    print_report(report)
    raise typer.Exit(EXIT_GO if report["verdict"] == "GO" else EXIT_NO_GO)
