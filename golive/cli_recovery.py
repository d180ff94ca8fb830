"""`golive recover` and `golive unlock`: an environment held by a launch that died is put back
(recover), or freed by hand with who and why recorded (unlock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from golive import settings
from golive.errors import Refused

if TYPE_CHECKING:
    from golive.ledger import Ledger
    from golive.ledger.models import EnvironmentLock


def held(environment: str) -> tuple[Ledger, EnvironmentLock | None]:
    """The ledger and the lock holding the environment (None: it is free)."""
    from golive.ledger import open_ledger

    settings.check_environment(environment)
    ledger = open_ledger()
    return ledger, ledger.lock_holder(environment)


def recover_command(
    environment: Annotated[str, typer.Option(help="environment to put back")] = "production",
) -> None:
    """Put an environment back after a launch that died: its database at the revision it
    started from, the last GO release serving, the launch recorded CRASHED, the lock freed."""
    from rich.console import Console

    from golive.recovery import recover, why_holder_is_dead

    out = Console()
    ledger, holder = held(environment)
    if holder is None:
        out.print(f"{environment}: no launch holds it; nothing to recover")
        return
    dead = why_holder_is_dead(holder, ledger)
    if dead is None:
        raise Refused(
            f"environment {environment}: launch {holder.launch_id} is running (its lease is "
            "renewed); wait for it, or `golive unlock` it if you know it is dead"
        )
    who = settings.operator()
    for line in recover(holder.launch_id, f"golive recover by {who}: {dead}", actor=who):
        out.print(f"recovery: {line}", highlight=False, markup=False)
    out.print(f"{environment}: launch {holder.launch_id} recovered, environment free")


def unlock_command(
    reason: Annotated[str, typer.Option(help="why (recorded in the ledger)")],
    environment: Annotated[str, typer.Option(help="environment to free")] = "production",
) -> None:
    """Free an environment's lock by hand, recorded with who and why (nothing is undone: see
    `golive recover`)."""
    from rich.console import Console

    out = Console()
    ledger, holder = held(environment)
    if holder is None:
        out.print(f"{environment}: not locked")
        return
    who = settings.operator()
    launch = ledger.launch(holder.launch_id)
    if launch is not None and launch.finished_at is None:
        ledger.finish_launch(launch.id, "CRASHED", [f"unlocked by {who}: {reason}"])
    ledger.unlock_environment(environment, holder.launch_id)
    ledger.record_event(environment, holder.launch_id, "unlock", who, reason)
    out.print(f"{environment}: lock of launch {holder.launch_id} released by {who}")
