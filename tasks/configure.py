"""Configure gate task: never cached, the env file is checked as it is now."""

from __future__ import annotations

from prefect import task

from golive.context import LaunchContext
from golive.gates.configure import configure
from golive.results import GateResult


@task(name="configure")
def configure_gate(ctx: LaunchContext) -> GateResult:
    """The production env file against its template and the rules; secrets generated where
    the manifest asks. Findings name file, line, key and rule, never a value."""
    m = ctx.manifest
    return configure(
        m.env,
        m.root,
        ctx.environment,
        database_url_key=m.database.url_env,
        database=m.database.source,
    )
