"""Whether the ledger's database is already at its newest migration, answered without alembic.

Every golive command that opens the ledger used to run `alembic upgrade head`, and importing
alembic alone cost a quarter to half a second of each launch; nearly always there is nothing
to upgrade. The newest revision is read from the migration scripts' own `revision` and
`down_revision` lines (the format alembic writes them in, script.py.mako). Anything unexpected
(a script not in that form, several heads, no version table) answers "not known to be at head",
and the caller runs alembic as before: this can only skip an upgrade that has nothing to do.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

REVISION = re.compile(r"^revision\s*=\s*(.+)$", re.MULTILINE)
DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(.+)$", re.MULTILINE)
QUOTED = re.compile(r"""["']([^"']+)["']""")


def script_head(versions: Path) -> str | None:
    """The one revision no script names as its down revision; None when that is not clear."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for script in sorted(versions.glob("*.py")):
        source = script.read_text(encoding="utf-8")
        revision, down = REVISION.findall(source), DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        names = QUOTED.findall(revision[0])
        if len(names) != 1:
            return None
        revisions.add(names[0])
        downs.update(QUOTED.findall(down[0]))  # None, "0007", or a tuple after a merge
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def at_head(engine: Engine, versions: Path) -> bool:
    """Whether the database's alembic version is the scripts' head (so no upgrade is due)."""
    head = script_head(versions)
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            stamped = connection.execute(text("SELECT version_num FROM alembic_version"))
            return list(stamped.scalars()) == [head]
    except SQLAlchemyError:  # no version table: a new ledger, alembic creates it
        return False
