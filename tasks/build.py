"""Build gate task, cached on each service's build context (its source and include folders)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.context import TaskRunContext

from golive import settings
from golive.backends import BackendError, images
from golive.cache_keys import build_key
from golive.context import LaunchContext
from golive.gates.build import build
from golive.gates.outputs import BuildOutput
from golive.results import GateResult


def cache_key(_: TaskRunContext, parameters: dict[str, Any]) -> str:
    """Each service's release id (a hash of its build context), the store and base image."""
    ctx: LaunchContext = parameters["ctx"]
    return build_key(ctx.manifest, ctx.planned_services(), settings.release_store())


@task(name="build", cache_key_fn=cache_key, persist_result=True)
def build_gate(ctx: LaunchContext) -> GateResult:
    """An immutable release of each of this variant's services (and its image, on docker)."""
    return build(ctx.manifest, ctx.planned_services(), settings.release_store(), ctx.launch_id)


def releases_present(built: BuildOutput) -> bool:
    """False when a (cached) build names a release folder that is no longer in the store, or an
    image the engine no longer has."""
    if not all(Path(r.path).is_dir() for r in built.releases.values()):
        return False
    tags = [r.image for r in built.releases.values() if r.image]
    try:
        return not tags or images.present(tags)
    except BackendError:
        return False  # no engine: building again says so as the build gate's own failure
