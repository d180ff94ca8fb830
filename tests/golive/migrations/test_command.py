"""Command migrations (`[database] tool = "command"`) on a real SQLite database, driven by a
tiny migration script run as the target's commands: upgrade, current, downgrade, and a failing
upgrade undone by restoring the backup."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from golive.backup import backup
from golive.envfile import Redactor
from golive.gates.migrate import migrate_with, revert_with
from golive.gates.outputs import MigrateOutput
from golive.migrations import CommandMigrations
from golive.migrations.command import failure_line
from golive.results import Status
from golive.runner import Completed

# Two versions; `up` applies what is missing, `BREAK` in the env makes version 2 fail after
# its table exists (outside a transaction, as many tools' non-transactional steps do).
SCRIPT = """
import os, sqlite3, sys
db = sqlite3.connect(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
db.execute("CREATE TABLE IF NOT EXISTS versions (v INTEGER)")
have = db.execute("SELECT max(v) FROM versions").fetchone()[0] or 0
cmd = sys.argv[1]
if cmd == "current":
    print("checking...")
    print(have or "none")
elif cmd == "up":
    if have < 1:
        db.execute("CREATE TABLE notes (id INTEGER)"); db.execute("INSERT INTO versions VALUES (1)")
        db.commit()
    if have < 2:
        db.execute("CREATE TABLE tags (id INTEGER)"); db.commit()
        if os.environ.get("BREAK"):
            sys.exit("boom with " + os.environ["API_TOKEN"])
        db.execute("INSERT INTO versions VALUES (2)"); db.commit()
elif cmd == "down":
    target = 0 if sys.argv[2] == "base" else int(sys.argv[2])
    if have >= 2 and target < 2:
        db.execute("DROP TABLE tags"); db.execute("DELETE FROM versions WHERE v = 2")
    if have >= 1 and target < 1:
        db.execute("DROP TABLE notes"); db.execute("DELETE FROM versions WHERE v = 1")
    db.commit()
elif cmd == "head":
    print(sys.argv[2])
"""
TOKEN = "tok-4f9Qx7LmZ2pR8sVb3KdW"


def tool(tmp_path: Path, values: dict[str, str], **commands: str) -> CommandMigrations:
    (tmp_path / "mig.py").write_text(SCRIPT)
    return CommandMigrations(
        upgrade_command=commands.get("upgrade", "python mig.py up"),
        current_command=commands.get("current", "python mig.py current"),
        workdir=tmp_path,
        url_env="DATABASE_URL",
        env_values=values,
        redact=Redactor(values, ["API_TOKEN"]),
        timeout=60,
        downgrade_command=commands.get("downgrade"),
        head_command=commands.get("head"),
    )


def tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "app.db"


def test_upgrade_then_already_at_head(tmp_path: Path, db: Path) -> None:
    db.parent.mkdir()
    url = f"sqlite:///{db}"
    t = tool(tmp_path, {"API_TOKEN": TOKEN})
    first = migrate_with(t, url, tmp_path / "b", tmp_path / "e", t.redact)
    assert first.status is Status.PASSED, first.summary
    assert first.summary == "upgraded empty database -> 2"
    assert isinstance(first.output, MigrateOutput) and first.output.applied
    assert "no SQL preview" in (tmp_path / "e" / "upgrade.sql").read_text()
    second = migrate_with(t, url, tmp_path / "b", tmp_path / "e", t.redact)
    assert second.status is Status.PASSED and second.summary == "already at head 2"
    assert isinstance(second.output, MigrateOutput) and second.output.backup is not None


def test_current_is_the_last_non_empty_line(tmp_path: Path, db: Path) -> None:
    db.parent.mkdir()
    t = tool(tmp_path, {})
    url = f"sqlite:///{db}"
    assert t.current(url) is None  # an empty database: "none" after "checking..."
    t.upgrade(url)
    assert t.current(url) == "2"


def test_head_command_not_reached_fails(tmp_path: Path, db: Path) -> None:
    db.parent.mkdir()
    t = tool(tmp_path, {}, head="python mig.py head 3")
    result = migrate_with(t, f"sqlite:///{db}", tmp_path / "b", tmp_path / "e", t.redact)
    assert result.status is Status.FAILED
    assert result.summary == "database is at 2, not head 3"


def test_downgrade_command_goes_back_to_the_version_before(tmp_path: Path, db: Path) -> None:
    db.parent.mkdir()
    url = f"sqlite:///{db}"
    t = tool(tmp_path, {}, downgrade="python mig.py down {revision}")
    migrate_with(t, url, tmp_path / "b", tmp_path / "e", t.redact)
    line = revert_with(t, url, None, None, t.redact)
    assert line == "database: downgraded to base"
    assert tables(db) == {"versions"}


def test_failing_upgrade_is_undone_from_the_backup(tmp_path: Path, db: Path) -> None:
    """No downgrade command: the NO-GO restores the backup taken before the upgrade; the
    failure is shown without the env file's secret it printed."""
    db.parent.mkdir()
    url = f"sqlite:///{db}"
    with sqlite3.connect(db) as conn:  # version 1 applied, with a row to keep
        conn.execute("CREATE TABLE versions (v INTEGER)")
        conn.execute("INSERT INTO versions VALUES (1)")
        conn.execute("CREATE TABLE notes (id INTEGER)")
        conn.execute("INSERT INTO notes VALUES (7)")
    t = tool(tmp_path, {"API_TOKEN": TOKEN, "BREAK": "1"})
    result = migrate_with(t, url, tmp_path / "b", tmp_path / "e", t.redact)
    assert result.status is Status.FAILED
    assert "the upgrade command failed (exit 1)" in result.summary
    assert TOKEN not in result.summary and "<API_TOKEN>" in result.summary
    assert isinstance(result.output, MigrateOutput) and result.output.backup is not None
    assert "tags" in tables(db)  # the failed step left its table behind
    line = revert_with(t, url, result.output.before, result.output.backup, t.redact)
    assert line.startswith("database: downgrade to 1 failed (no downgrade command); restored")
    assert tables(db) == {"versions", "notes"}
    assert t.current(url) == "1"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id FROM notes").fetchall() == [(7,)]


def test_commands_get_the_env_file_but_not_the_operators_env(
    tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.parent.mkdir()
    monkeypatch.setenv("OPERATOR_ONLY", "x")
    t = tool(
        tmp_path,
        {"APP_ENV": "production"},
        current="python -c \"import os; print(os.getenv('APP_ENV'), 'OPERATOR_ONLY' in os.environ)\"",  # noqa: E501
    )
    assert t.current(f"sqlite:///{db}") == "production False"


def test_a_failing_current_command_fails_the_gate_before_anything_changes(
    tmp_path: Path, db: Path
) -> None:
    db.parent.mkdir()
    sqlite3.connect(db).close()
    saved = backup(f"sqlite:///{db}", tmp_path / "first")
    assert saved is not None
    t = tool(tmp_path, {}, current="python -c \"raise SystemExit('no database')\"")
    result = migrate_with(t, f"sqlite:///{db}", tmp_path / "b", tmp_path / "e", t.redact)
    assert result.status is Status.FAILED
    assert result.summary.startswith("current command `python -c")
    assert "no database" in result.summary
    assert tables(db) == set()


def test_a_failed_upgrade_at_the_same_version_is_undone_from_the_backup(
    tmp_path: Path, db: Path
) -> None:
    """The failing step left its table at version 1: a downgrade to 1 would do nothing, so the
    NO-GO's undo restores the backup even though a downgrade command exists."""
    db.parent.mkdir()
    url = f"sqlite:///{db}"
    t = tool(tmp_path, {}, downgrade="python mig.py down {revision}")
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE versions (v INTEGER)")
        conn.execute("INSERT INTO versions VALUES (1)")
        conn.execute("CREATE TABLE notes (id INTEGER)")
    broken = CommandMigrations(**{**t.__dict__, "env_values": {"BREAK": "1", "API_TOKEN": "x"}})
    result = migrate_with(broken, url, tmp_path / "b", tmp_path / "e", t.redact)
    out = result.output
    assert isinstance(out, MigrateOutput)
    assert result.status is Status.FAILED and out.after == out.before == "1"
    assert out.upgrade_failed and out.needs_undo and not out.applied
    line = revert_with(t, url, out.before, out.backup, t.redact, partial=out.upgrade_failed)
    assert "restored the backup" in line
    assert tables(db) == {"versions", "notes"}


@pytest.mark.parametrize(
    ("stderr", "line"),
    [
        (
            "attachments: bad\nError: attachments: bad\n    at exports.up (m.js:7:9)\n"
            "    at async Command.<anonymous> (cli.js:250:32)\n",
            "Error: attachments: bad",
        ),
        (
            'Traceback (most recent call last):\n  File "m.py", line 1\nRuntimeError: boom\n',
            "RuntimeError: boom",
        ),
        (
            "/app/x.js:3\n  throw e;\n  ^\n\nTypeError: x is not a function\n\nNode.js v20\n",
            "TypeError: x is not a function",
        ),
        ("just a line\n", ""),
    ],
)
def test_the_failure_line_names_the_error_not_a_stack_frame(stderr: str, line: str) -> None:
    assert failure_line(Completed(("x",), 1, "", stderr)) == line
