"""`golive --help` and a usage error answer without loading Prefect or the other heavy libraries:
they are imported by the commands that use them (the timings: benchmarks/cli_startup.py)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("prefect", "sqlalchemy", "alembic", "pydantic", "httpx", "rich", "docker")
# typer itself converts a command's parameters with pydantic once a command is chosen: that much
# pydantic a subcommand's help or usage error loads; golive's own models it must not.
GOLIVE_HEAVY = ("golive.manifest", "golive.ledger", "golive.request", "flows", "tasks")

# Runs golive's entry point with ARGV in this interpreter, then prints which heavy top-level
# packages ended up imported (one line, comma-separated; empty when none).
PROBE = """
import sys
sys.argv = ["golive", *sys.argv[1:]]
import golive.cli
try:
    if len(sys.argv) > 1:
        golive.cli.main()
except SystemExit:
    pass
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))
loaded += sorted(name for name in GOLIVE_HEAVY if name in sys.modules)
print("loaded:" + ",".join(loaded), file=sys.stderr)
"""


def loaded_by(*argv: str) -> list[str]:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"HEAVY, GOLIVE_HEAVY = {HEAVY!r}, {GOLIVE_HEAVY!r}\n{PROBE}",
            *argv,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("loaded:"))
    return [name for name in line.removeprefix("loaded:").split(",") if name]


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert loaded_by() == []


def test_help_loads_no_heavy_library() -> None:
    assert loaded_by("--help") == []
    assert set(loaded_by("server", "--help")) <= {"pydantic"}
    assert set(loaded_by("run", "--help")) <= {"pydantic"}


def test_a_usage_error_loads_no_heavy_library() -> None:
    assert set(loaded_by("run", "bogus")) <= {"pydantic"}
    assert set(loaded_by("run", "full", "--no-such-option")) <= {"pydantic"}


def test_the_probe_sees_a_heavy_import() -> None:
    """The probe itself works: a command that reads a manifest loads pydantic (here to fail on a
    manifest that is not there, changing nothing)."""
    assert "golive.manifest" in loaded_by("sql", "--manifest", "no-such-launch.toml")
