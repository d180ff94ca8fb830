"""`golive sql` is alembic's offline preview: a command-migrated target is told so (exit 2)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO_ROOT, run_golive


def test_sql_refuses_a_command_tool_with_one_line(tmp_path: Path) -> None:
    manifest = REPO_ROOT / "examples" / "notes" / "launch.toml"
    done = run_golive("sql", "--manifest", str(manifest), home=tmp_path / "home")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "database.tool: the SQL preview is alembic's; 'command' migrations have none" in (
        done.stderr
    )
    assert "golive-test-only" not in done.stdout + done.stderr
