"""Where golive keeps its state: the ledger, the release store, and each environment's folder.

`GOLIVE_HOME` (default `.golive` in the working directory: for a deployment's run, the project
folder `prefect deploy` ran in) holds everything; the ledger may live elsewhere with
`GOLIVE_LEDGER_URL` (any SQLAlchemy URL).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from golive.errors import GoliveError

# The folder a Prefect process worker makes for one flow run (tempfile, suffix "prefect") and
# deletes when the run ends.
PREFECT_RUN_FOLDER = re.compile(r"tmp[a-z0-9_]{8}prefect")


def home() -> Path:
    path = Path(os.environ.get("GOLIVE_HOME", ".golive")).resolve()
    if any(PREFECT_RUN_FOLDER.fullmatch(part) for part in path.parts):
        raise GoliveError(
            f"GOLIVE_HOME {path} is inside the temporary folder a Prefect worker made for this "
            "run, deleted when it ends: deploy from the project folder (prefect.yaml's pull step "
            "runs flows there), or set GOLIVE_HOME in the worker's environment"
        )
    return path


def ledger_url() -> str:
    return os.environ.get("GOLIVE_LEDGER_URL") or f"sqlite:///{home() / 'ledger.db'}"


def environment_dir(environment: str) -> Path:
    """Data and running-process state of one environment (production, a rehearsal, …)."""
    return home() / "environments" / environment


def backup_dir(environment: str) -> Path:
    """Database backups of one environment: outside its folder, so a rehearsal torn down keeps
    its backups restorable for as long as the ledger lists them."""
    return home() / "backups" / environment


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
