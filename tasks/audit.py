"""Audit gate task, cached on everything the verdict depends on (see audit_cache_key).

That is the requirement and lock files, the advisory data, the policy and pip-audit's version,
plus today's date when an allowlist entry can expire or the advisory data is online.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.context import TaskRunContext
from prefect.states import Failed

from golive.audit.installed import target_python
from golive.cache_keys import audit_key
from golive.cancel import interruption
from golive.context import LaunchContext
from golive.gates.audit import audit
from golive.results import GateResult


def cache_key(_: TaskRunContext, parameters: dict[str, Any]) -> str:
    """Content hashes of the requirement and lock files, advisory data and policy."""
    return audit_key(parameters["ctx"].manifest)


@task(name="audit", cache_key_fn=cache_key, persist_result=True)
def audit_gate(ctx: LaunchContext) -> GateResult:
    """The target's pinned dependencies and npm lock files against the advisory data."""
    m = ctx.manifest
    python = target_python(m.target, m.root)
    result = audit(m.audit, m.root, ctx.evidence_dir("audit"), python=python)
    if why := interruption():  # pip-audit stopped half-way: no result, so nothing is cached
        # A returned state is the task run's final state; Prefect caches no Failed one, and
        # unlike a raised error it logs no traceback. The flow reports the gate cancelled.
        return Failed(message=why)  # type: ignore[return-value]
    return result
