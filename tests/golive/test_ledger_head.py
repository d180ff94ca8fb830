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
