"""Create golive's work pool and deploy every deployment in prefect.yaml, against the Prefect
API in PREFECT_API_URL (a `prefect server start`, or Prefect Cloud).

    python deployments/deploy.py

A convenience, not a requirement: from wherever it is started, it runs what a user would run
from the project folder, `prefect work-pool create golive --type process` (when the pool is
missing) and `prefect deploy --all`. Exits non-zero with one line naming the step that failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from golive import runner
from golive.errors import OperationFailed

PROJECT = Path(__file__).resolve().parent.parent
POOL = "golive"  # the work pool prefect.yaml names


def prefect(*args: str, timeout: float = 300) -> runner.Completed:
    """The prefect CLI, run from the project folder (the folder each deployment's runs work in)."""
    return runner.run(
        [sys.executable, "-m", "prefect", "--no-prompt", *args],
        cwd=PROJECT,
        env=dict(os.environ),  # the operator's own tool: PREFECT_API_URL and the rest are theirs
        timeout=timeout,
    )


def ensure_pool(name: str) -> None:
    if prefect("work-pool", "inspect", name).ok:
        return
    done = prefect("work-pool", "create", name, "--type", "process")
    if not done.ok:
        raise OperationFailed(f"prefect work-pool create {name} failed: {done.tail(1)}")
    print(f"work pool {name} created")


def deploy_all() -> None:
    done = prefect("deploy", "--all")
    if not done.ok:
        raise OperationFailed(f"prefect deploy --all failed: {done.tail(2)}")
    print("deployed: full-launch, soft-launch, staged-launch, nightly-rehearsal, approval-deadline")


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    if not os.environ.get("PREFECT_API_URL"):
        print(
            "deploy: set PREFECT_API_URL to your Prefect server's API "
            "(e.g. http://127.0.0.1:4200/api after `prefect server start`)",
            file=sys.stderr,
        )
        return 2
    try:
        ensure_pool(POOL)
        deploy_all()
    except OperationFailed as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
