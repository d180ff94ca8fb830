"""Tests gate task, cached on the target's source tree and the suites' commands."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.context import TaskRunContext
from prefect.states import Failed

from golive.cache_keys import tests_key
from golive.cancel import interruption
from golive.context import LaunchContext
from golive.gates.tests import SuiteDatabases, tests
from golive.migrations import open_migrations
from golive.results import GateResult


def cache_key(_: TaskRunContext, parameters: dict[str, Any]) -> str:
    """A hash of the target's source tree, of each suite's command and settings, and of the
    env values a suite gets (their digest, never the values): a suite with a database or
    `${KEY}` values runs against this env, so a changed password or host runs it again."""
    ctx = parameters["ctx"]
    return tests_key(ctx.manifest, ctx.env_values)


@task(name="tests", cache_key_fn=cache_key, persist_result=True)
def tests_gate(ctx: LaunchContext) -> GateResult:
    """Each of the target's test suites, with its timeout; a failing critical suite blocks."""
    m = ctx.manifest
    world = SuiteDatabases(
        ctx.env_values(),
        m.database.source,
        lambda env: open_migrations(m, env, ctx.redactor()),
        m.database.seed,
        ctx.test_databases_dir,
    )
    result = tests(m.suites, m.root, ctx.evidence_dir("tests"), m.env.pass_env, world, m.python)
    if why := interruption():  # a suite stopped half-way: no result, so nothing is cached
        # A returned state is the task run's final state; Prefect caches no Failed one, and
        # unlike a raised error it logs no traceback. The flow reports the gate cancelled.
        return Failed(message=why)  # type: ignore[return-value]
    return result
