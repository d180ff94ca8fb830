"""Where golive keeps its state: the ledger, the release store, and each environment's folder.

`GOLIVE_HOME` (default `.golive` in the working directory: for a deployment's run, the project
folder `prefect deploy` ran in) holds everything; the ledger may live elsewhere with
`GOLIVE_LEDGER_URL` (any SQLAlchemy URL).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from golive.errors import InputError

# The folder a Prefect process worker makes for one flow run (tempfile, suffix "prefect") and
# deletes when the run ends.
PREFECT_RUN_FOLDER = re.compile(r"tmp[a-z0-9_]{8}prefect")
# An environment name is a folder name under GOLIVE_HOME: no `/`, no `..`, nothing hidden.
# A rehearsal's environment is its environment's name with `-rehearsal` after it.
ENVIRONMENT_NAME = re.compile(r"[a-z][a-z0-9-]{0,59}(-rehearsal)?")
ENVIRONMENT_NAME_MAX = 60


def home() -> Path:
    path = Path(os.environ.get("GOLIVE_HOME", ".golive")).resolve()
    if any(PREFECT_RUN_FOLDER.fullmatch(part) for part in path.parts):
        raise InputError(
            f"GOLIVE_HOME {path} is inside the temporary folder a Prefect worker made for this "
            "run, deleted when it ends: deploy from the project folder (prefect.yaml's pull step "
            "runs flows there), or set GOLIVE_HOME in the worker's environment"
        )
    return path


def ledger_url() -> str:
    return os.environ.get("GOLIVE_LEDGER_URL") or f"sqlite:///{home() / 'ledger.db'}"


def check_environment(name: str) -> str:
    """The name, if it is an environment name; else an InputError naming --environment."""
    if not ENVIRONMENT_NAME.fullmatch(name):
        shown = repr(name) if len(name) <= 70 else f"{name[:60]!r}… ({len(name)} characters)"
        raise InputError(
            f"--environment: {shown} is not an environment name; use a lowercase letter, then up"
            " to 59 lowercase letters, digits or '-' (e.g. production)"
        )
    return name


def inside_home(path: Path) -> Path:
    """`path` resolved (symbolic links followed), refused unless it lies inside GOLIVE_HOME:
    golive reads, writes and signals nothing outside it."""
    resolved, root = path.resolve(), home()
    if not resolved.is_relative_to(root):
        raise InputError(
            f"{path}: resolves outside GOLIVE_HOME ({root}); remove the link that leads there"
        )
    return resolved


def environment_dir(environment: str) -> Path:
    """Data and running-process state of one environment (production, a rehearsal, …)."""
    return inside_home(home() / "environments" / check_environment(environment))


def backup_dir(environment: str) -> Path:
    """Database backups of one environment: outside its folder, so a rehearsal torn down keeps
    its backups restorable for as long as the ledger lists them."""
    return inside_home(home() / "backups" / check_environment(environment))


def config_snapshot(environment: str, launch_id: int) -> Path:
    """The env values a launch's releases were started with (secrets: kept 0600, read back
    only to roll back to that launch's releases with their own configuration)."""
    return environment_dir(environment) / "config" / f"launch-{launch_id}.json"


def release_store() -> Path:
    """Immutable, content-addressed releases, shared by environments (like an image store)."""
    return home() / "releases"


def launch_dir(launch_id: int) -> Path:
    """Evidence and reports of one launch; kept after a rehearsal's environment is torn down."""
    return home() / "launches" / str(launch_id)


def operator() -> str:
    """Who runs golive, as the ledger records it (an unlock, a recovery, a freeze override):
    the account's login name."""
    return os.environ.get("USER") or os.environ.get("LOGNAME") or "unknown"
