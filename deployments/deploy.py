"""Create golive's work pool and deploy every deployment in prefect.yaml, against the Prefect
API in PREFECT_API_URL (a `prefect server start`, or Prefect Cloud).

    python deployments/deploy.py [--nightly-cron "30 3 * * *"] [--timezone UTC]

--nightly-cron replaces the nightly rehearsal's schedule (02:00 UTC in prefect.yaml).
Exits non-zero with one line naming the step that failed.
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
    env = runner.child_env({"GOLIVE_PROJECT_DIR": str(PROJECT)})
    return runner.run(
        [sys.executable, "-m", "prefect", "--no-prompt", *args],
        cwd=PROJECT,
        env=env,
        timeout=timeout,
    )


def ensure_pool(name: str) -> None:
    if prefect("work-pool", "inspect", name).ok:
        return
    done = prefect("work-pool", "create", name, "--type", "process")
    if not done.ok:
        raise OperationFailed(f"prefect work-pool create {name} failed: {done.tail(1)}")
    print(f"work pool {name} created")


def deploy_all(cron: str | None, timezone: str) -> None:
    done = prefect("deploy", "--all")
    if not done.ok:
        raise OperationFailed(f"prefect deploy --all failed: {done.tail(2)}")
    print("deployed: full-launch, soft-launch, staged-launch, nightly-rehearsal, approval-deadline")
    if cron:
        done = prefect(
            "deploy", "--name", "nightly-rehearsal", "--cron", cron, "--timezone", timezone
        )
        if not done.ok:
            raise OperationFailed(
                f"setting the nightly schedule to {cron!r} failed: {done.tail(1)}"
            )
        print(f"nightly-rehearsal runs at cron {cron!r} ({timezone})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nightly-cron", help="replace the nightly rehearsal's cron schedule")
    parser.add_argument("--timezone", default="UTC", help="timezone of --nightly-cron")
    args = parser.parse_args()
    if not os.environ.get("PREFECT_API_URL"):
        print(
            "deploy: set PREFECT_API_URL to your Prefect server's API "
            "(e.g. http://127.0.0.1:4200/api after `prefect server start`)",
            file=sys.stderr,
        )
        return 2
    try:
        ensure_pool(POOL)
        deploy_all(args.nightly_cron, args.timezone)
    except OperationFailed as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
