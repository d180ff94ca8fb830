"""golive.ledger.head: a ledger already at its newest migration opens without alembic; any other
ledger is migrated by alembic as before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from golive.ledger import Ledger
from golive.ledger.head import at_head, script_head
from golive.ledger.store import MIGRATIONS
from tests.conftest import REPO_ROOT

VERSIONS = MIGRATIONS / "versions"


def alembic_config(connection: object | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def test_the_head_read_from_the_scripts_is_alembic_s() -> None:
    assert script_head(VERSIONS) == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_ledger_at_head_opens_without_importing_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    assert not at_head(create_engine(url), VERSIONS), "an empty database is not at head"
    ledger = Ledger(url)  # migrated by alembic
    assert at_head(ledger.engine, VERSIONS)
    probe = (
        "import sys\nfrom golive.ledger import Ledger\n"
        f"Ledger({url!r}).recent_launches()\nprint(sorted(m for m in sys.modules if "
        "m.split('.')[0] == 'alembic'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_a_ledger_behind_head_is_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = create_engine(url)
    head = script_head(VERSIONS)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0007_commit")  # an older golive's ledger
    assert not at_head(engine, VERSIONS)
    Ledger(url)
    with engine.connect() as connection:
        stamped = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        assert list(stamped) == [head]


def scripts(folder: Path, *pairs: tuple[str, str]) -> Path:
    folder.mkdir()
    for revision, down in pairs:
        (folder / f"{revision}.py").write_text(
            f'"""a migration"""\n\nrevision = "{revision}"\ndown_revision = {down}\n'
        )
    return folder


def test_a_head_that_is_not_clear_is_not_guessed(tmp_path: Path) -> None:
    merged = scripts(
        tmp_path / "merged", ("a", "None"), ("b", '"a"'), ("c", '"a"'), ("d", '("b", "c")')
    )
    assert script_head(merged) == "d"
    two_heads = scripts(tmp_path / "two", ("a", "None"), ("b", '"a"'), ("c", '"a"'))
    assert script_head(two_heads) is None
    odd = scripts(tmp_path / "odd", ("a", "None"))
    (odd / "b.py").write_text("REVISION = 'b'\n")  # not in the form alembic writes
    assert script_head(odd) is None
    engine = create_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('b')"))
    assert not at_head(engine, two_heads), "several heads: alembic decides"


OPEN_WHEN_TOLD = """
import pathlib, sys, time
from golive.ledger.store import Ledger

go = pathlib.Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
Ledger(sys.argv[1]).recent_launches()
"""


def test_golives_opening_a_new_ledger_at_once_all_open_it(tmp_path: Path) -> None:
    """The first open creates the tables: six processes doing it at the same moment (a launch
    and `golive status`, a flow's thread and its caller) take turns; none fails."""
    url, go = f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_WHEN_TOLD, url, str(go)],
            cwd=REPO_ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    go.touch()
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, "\n".join(errors)[-3000:]
