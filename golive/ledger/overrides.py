"""Freeze overrides in the ledger: an environment event per launch that went ahead through a
freeze window, with who ran it and why (`golive history` shows them). An event rather than a
column, so the launches table and its migrations stay as they are."""

from __future__ import annotations

from sqlalchemy import select

from golive.ledger.models import EnvironmentEvent
from golive.ledger.store import Ledger

FREEZE_OVERRIDE = "freeze-override"


def record_freeze_override(
    ledger: Ledger, environment: str, launch_id: int, actor: str, reason: str
) -> None:
    ledger.record_event(environment, launch_id, FREEZE_OVERRIDE, actor, reason)


def freeze_overrides(ledger: Ledger, launch_ids: list[int]) -> dict[int, EnvironmentEvent]:
    """The freeze override of each of these launches that had one."""
    with ledger.session() as s:
        rows = s.scalars(
            select(EnvironmentEvent).where(
                EnvironmentEvent.action == FREEZE_OVERRIDE,
                EnvironmentEvent.launch_id.in_(launch_ids),
            )
        )
        return {row.launch_id: row for row in rows if row.launch_id is not None}
