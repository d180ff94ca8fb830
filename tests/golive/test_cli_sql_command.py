"""`golive sql` is alembic's offline preview: a command-migrated target is told so (exit 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO_ROOT, run_golive


def test_sql_refuses_a_command_tool_with_one_line(tmp_path: Path) -> None:
    # A copy of the Node example: `sql` runs no Node, so an empty node_modules stands in for
    # the installed one the manifest names (the e2e tests install the real one).
    notes = tmp_path / "notes"
    shutil.copytree(
        REPO_ROOT / "examples" / "notes", notes, ignore=shutil.ignore_patterns("node_modules")
    )
    (notes / "node_modules").mkdir()
    (notes / ".env.production").chmod(0o600)
    done = run_golive("sql", "--manifest", str(notes / "launch.toml"), home=tmp_path / "home")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "database.tool: the SQL preview is alembic's; 'command' migrations have none" in (
        done.stderr
    )
    assert "golive-test-only" not in done.stdout + done.stderr
