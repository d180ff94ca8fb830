"""Build gate task, cached on each service's build context (its source and include folders)."""

from __future__ import annotations

import hashlib
from typing import Any

from prefect import task
from prefect.context import TaskRunContext

from golive import settings
from golive.context import LaunchContext
from golive.gates.build import build, release_id, release_path
from golive.results import GateResult


def cache_key(_: TaskRunContext, parameters: dict[str, Any]) -> str:
    ctx: LaunchContext = parameters["ctx"]
    store = settings.release_store()
    parts = []
    for svc in ctx.services():
        rid = release_id(ctx.manifest, svc)
        # A release folder removed by hand must be rebuilt, not taken from the cache.
        present = release_path(store, svc, rid).is_dir()
        parts.append(f"{svc.name}={rid}{'' if present else '-missing'}")
    # Keys name files in the result store: hash them rather than embed a path.
    return "build-" + hashlib.sha256(f"{store}|{'|'.join(parts)}".encode()).hexdigest()


@task(name="build", cache_key_fn=cache_key, persist_result=True)
def build_gate(ctx: LaunchContext) -> GateResult:
    return build(ctx.manifest, ctx.services(), settings.release_store())
