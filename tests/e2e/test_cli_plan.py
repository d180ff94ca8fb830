"""`golive plan` after a real first launch of a copy of the example: it lists every gate, shows
the live services unchanged and a new revision pending, and leaves the ledger, the database and
the processes exactly as they were."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from golive.gates.registry import GATES
from tests.conftest import add_nickname_revision, run_golive

pytestmark = pytest.mark.slow


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def processes_under(*roots: Path) -> set[int]:
    """The pids of every process whose working folder or command line is inside roots: the
    environment's services (they run from the release store) and anything a plan would start."""
    marks = [str(r) for r in roots]
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone, or not ours to read
            continue
        if any(m in cwd or m in cmd for m in marks):
            found.add(int(entry.name))
    return found


def service_pids(home: Path) -> dict[str, int]:
    run_dir = home / "environments" / "production" / "run"
    return {p.stem: json.loads(p.read_text())["pid"] for p in run_dir.glob("*.json")}


def test_plan_after_a_launch_changes_nothing_and_shows_what_would_change(
    target: Path, golive_home: Path
) -> None:
    launched = run_golive("run", "full", "--manifest", str(target), home=golive_home)
    assert launched.returncode == 0, launched.stdout[-3000:] + launched.stderr[-3000:]
    ledger = golive_home / "ledger.db"
    databases = sorted((golive_home / "environments" / "production" / "data").glob("*.db"))
    assert databases, "the launch made no SQLite database in the environment"
    add_nickname_revision(target)
    before = {p: digest(p) for p in [ledger, *databases]}
    pids = service_pids(golive_home)
    assert set(pids) == {"api", "payments", "assistant"}
    procs = processes_under(golive_home, target.parent)
    assert set(pids.values()) <= procs

    table = run_golive("plan", "--manifest", str(target), home=golive_home)
    as_json = run_golive("plan", "--manifest", str(target), "--json", home=golive_home)

    assert table.returncode == 0, table.stdout[-3000:] + table.stderr[-3000:]
    assert as_json.returncode == 0, as_json.stdout[-3000:] + as_json.stderr[-3000:]
    assert {p: digest(p) for p in before} == before, "the plan wrote to the ledger or database"
    assert service_pids(golive_home) == pids
    assert processes_under(golive_home, target.parent) == procs
    for g in GATES:
        assert g.name in table.stdout
    plan = json.loads(as_json.stdout)
    assert [g["gate"] for g in plan["gates"]] == [g.name for g in GATES]
    assert {s["service"]: s["action"] for s in plan["services"]} == {
        "api": "unchanged",
        "payments": "unchanged",
        "assistant": "unchanged",
    }
    migrations = plan["migrations"]
    assert migrations["current"] == "0003" and migrations["pending"] == ["0003 -> 0004"]
    assert "nickname" in migrations["sql"]
    cache = {g["gate"]: g["cache"] for g in plan["gates"]}
    # The launch cached audit and build; the new revision is in the tests' source tree.
    assert (cache["audit"], cache["build"], cache["tests"]) == ("cached", "cached", "not cached")
    assert plan["history"] == "1 finished launch(es)" and plan["estimate_s"] is not None
    assert "JWT_SECRET" not in as_json.stdout
    secret = next(
        line.split("=", 1)[1]
        for line in (target.parent / ".env.production").read_text().splitlines()
        if line.startswith("JWT_SECRET=")
    )
    assert secret not in table.stdout + as_json.stdout
