"""Tests gate task, cached on the target's source tree and the suites' commands."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.context import TaskRunContext

from golive.cancel import raise_if_interrupted
from golive.context import LaunchContext
from golive.gates.tests import SuiteDatabases, tests
from golive.hashing import tree_digest
from golive.results import RESULT_FORMAT, GateResult


def cache_key(_: TaskRunContext, parameters: dict[str, Any]) -> str:
    """A hash of the target's source tree and of each suite's command."""
    m = parameters["ctx"].manifest
    commands = [s.model_dump_json() for s in m.suites]
    commands.append(f"pass_env:{','.join(m.env.pass_env)}")
    commands.append(f"database:{m.database.model_dump_json()}")
    commands.append(f"python:{m.python}")
    return f"tests-v{RESULT_FORMAT}-" + tree_digest(m.root, extra=commands)


@task(name="tests", cache_key_fn=cache_key, persist_result=True)
def tests_gate(ctx: LaunchContext) -> GateResult:
    """Each of the target's test suites, with its timeout; a failing critical suite blocks."""
    m = ctx.manifest
    world = SuiteDatabases(
        ctx.env_values(),
        m.database.source,
        m.path(m.database.alembic_ini),
        m.database.timeout,
        m.database.seed,
        m.python,
    )
    result = tests(m.suites, m.root, ctx.evidence_dir("tests"), m.env.pass_env, world, m.python)
    raise_if_interrupted()  # a suite stopped half-way: no result, so nothing is cached
    return result
