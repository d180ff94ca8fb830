"""The cache keys of the gates whose work depends only on their inputs: audit, tests, build.

The Prefect tasks (tasks/audit.py, tasks/tests.py, tasks/build.py) use these as their
`cache_key_fn`, and `golive plan` computes the same keys without running anything, to say
whether a launch would take a gate's result from the cache (`cache_record`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from golive.audit.installed import target_python
from golive.backends import images
from golive.gates.audit import audit_cache_key
from golive.gates.build import release_id
from golive.hashing import tree_digest
from golive.manifest import Manifest, Service
from golive.results import RESULT_FORMAT


def audit_key(manifest: Manifest) -> str:
    """Content hashes of the requirement and lock files, advisory data and policy."""
    python = target_python(manifest.target, manifest.root)
    return f"audit-v{RESULT_FORMAT}-{audit_cache_key(manifest.audit, manifest.root, python=python)}"


def suites_need_env(manifest: Manifest) -> bool:
    """Whether a suite runs against this environment's values (a database, `${KEY}` values)."""
    return any(s.database != "none" or s.env for s in manifest.suites)


def tests_key(manifest: Manifest, env_values: Callable[[], dict[str, str]]) -> str:
    """A hash of the target's source tree, of each suite's command and settings, and of the
    env values a suite gets (their digest, never the values): a suite with a database or
    `${KEY}` values runs against this env, so a changed password or host runs it again.
    env_values is called only when a suite needs them."""
    commands = [s.model_dump_json() for s in manifest.suites]
    if suites_need_env(manifest):
        values = json.dumps(sorted(env_values().items()))
        commands.append("env:" + hashlib.sha256(values.encode()).hexdigest())
    commands.append(f"pass_env:{','.join(manifest.env.pass_env)}")
    commands.append(f"database:{manifest.database.model_dump_json()}")
    commands.append(f"python:{manifest.python}")
    return f"tests-v{RESULT_FORMAT}-" + tree_digest(manifest.root, extra=commands)


def build_key(manifest: Manifest, services: list[Service], store: Path) -> str:
    """Each service's release id (a hash of its build context), the store and base image."""
    parts = [f"{svc.name}={release_id(manifest, svc)}" for svc in services]
    if manifest.backend == "docker":  # images too: a process build names none
        parts.append(f"docker={images.base_image(manifest.docker.base_image)}")
    # Keys name files in the result store: hash them rather than embed a path.
    return (
        f"build-v{RESULT_FORMAT}-"
        + hashlib.sha256(f"{store}|{'|'.join(parts)}".encode()).hexdigest()
    )


def result_storage() -> Path:
    """Where Prefect keeps result (cache) records for a run started from this shell: its
    PREFECT_RESULTS_LOCAL_STORAGE_PATH, else PREFECT_HOME's storage folder (Prefect's
    defaults, read from the environment: the core does not import Prefect)."""
    if path := os.environ.get("PREFECT_RESULTS_LOCAL_STORAGE_PATH"):
        return Path(path).expanduser()
    home = os.environ.get("PREFECT_HOME") or "~/.prefect"
    return Path(home).expanduser() / "storage"


def cache_record(key: str) -> Path:
    """The file a cached result of this key is stored in (it may not exist)."""
    return result_storage() / key
