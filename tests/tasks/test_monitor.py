"""tasks.monitor's targets given ahead: a rehearsal into an empty environment gives its
Prometheus, from Hour 1, the very targets the monitor gate gives after build and deploy; a
production launch does not (minutes of `up == 0` for a release not deployed yet)."""

from __future__ import annotations

from pathlib import Path

from golive import settings
from golive.context import LaunchContext
from golive.gates.build import build
from golive.gates.outputs import BuildOutput
from tasks.monitor import planned_targets, scrape_plan


def test_a_rehearsal_plans_the_targets_its_build_and_deploy_will_have(
    target: Path, golive_home: Path
) -> None:
    rehearsal = LaunchContext(1, target, "production-rehearsal", "full", True)
    m = rehearsal.manifest
    planned = planned_targets(rehearsal)
    assert planned is not None

    built = build(m, rehearsal.planned_services(), settings.release_store(), 1)
    assert isinstance(built.output, BuildOutput), built.summary
    releases = {name: r.release_id for name, r in built.output.releases.items()}
    assert planned == scrape_plan(rehearsal, releases)  # what targets_ahead and the gate give
    services, targets = planned
    assert [s.port for s in services] == [s.port for s in rehearsal.services()]  # its own ports
    assert all(rid for entries in targets.values() for _port, rid in entries)


def test_production_and_a_soft_rehearsal_plan_what_they_deploy_only(
    target: Path, golive_home: Path
) -> None:
    assert planned_targets(LaunchContext(1, target, "production", "full", False)) is None
    soft_rehearsal = LaunchContext(2, target, "production-rehearsal", "soft", True)
    soft = planned_targets(soft_rehearsal)
    assert soft is not None
    core = {s.name for s in soft_rehearsal.manifest.services if s.core}
    assert {s.name for s in soft[0]} == core and set(soft[1]) == core
