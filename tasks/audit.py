"""Audit gate task, cached on the requirement files, the advisory data and pip-audit's version."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.context import TaskRunContext

from golive.context import LaunchContext
from golive.gates.audit import audit, audit_cache_key
from golive.results import GateResult


def _inputs(ctx: LaunchContext) -> tuple[list[Any], Any]:
    m = ctx.manifest
    return [m.path(p) for p in m.audit.requirements], m.path(m.audit.advisories)


def cache_key(_: TaskRunContext, parameters: dict[str, Any]) -> str:
    return "audit-" + audit_cache_key(*_inputs(parameters["ctx"]))


@task(name="audit", cache_key_fn=cache_key, persist_result=True)
def audit_gate(ctx: LaunchContext) -> GateResult:
    requirements, advisories = _inputs(ctx)
    return audit(requirements, advisories, ctx.evidence_dir("audit"), ctx.manifest.audit.timeout)
