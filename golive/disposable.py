"""A test suite's disposable database: made fresh beside production's, dropped afterwards.

A suite with `database = "disposable"` (the default) never sees the production database: golive
makes a database of its own (PostgreSQL: `golive_test_<hex>` on production's server, made the
way a rehearsal's is, golive.rehearsal; SQLite: a file in a private temporary folder), hands
the suite an env whose database keys point at it (golive.database_url.with_database: the URL
key, or the composed URL's database key), and drops it when the suite ends, whatever happened.
A PostgreSQL one is also noted in the environment's folder while it exists, so that recovery
after a kill -9 (when no `finally` ran) drops it: `drop_leftovers`.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from golive.database_url import DatabaseUrl, render
from golive.errors import InputError, OperationFailed
from golive.files import write_private
from golive.rehearsal import DISPOSABLE_PREFIX, drop_database, pg_create


def new_name() -> str:
    """A database name no other run picks (48 random bits)."""
    return DISPOSABLE_PREFIX + secrets.token_hex(6)


@contextmanager
def disposable_database(
    source: DatabaseUrl, env: Mapping[str, str], notes: Path | None = None
) -> Iterator[dict[str, str]]:
    """env pointing at a new, empty database beside the one env names; dropped on exit (also
    when the body raises or times out). Production's database is not touched. notes: a folder
    where a PostgreSQL database's name is kept while it exists (only its name: no password)."""
    url = source.compose(env)
    if not url:
        raise InputError(
            f"{source.source} is not set: a suite's disposable database is made on the "
            "production database's server"
        )
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    name = new_name()
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="golive-test-"))  # 0700, removed below
        try:
            yield source.with_database(env, str(folder / f"{name}.db"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if backend != "postgresql":
        raise InputError(
            f"a disposable database is made on SQLite or PostgreSQL, not {backend}; give the "
            'suite database = "none" or "production"'
        )
    # Noted before it is made: a kill between the two leaves a note whose drop finds nothing.
    note = write_private(notes / name, "") if notes is not None else None
    pg_create(url, name, "test suite's disposable")
    try:
        yield source.with_database(env, name)
    finally:
        try:
            drop_database(render(parsed.set(database=name)))
        except SQLAlchemyError as exc:
            raise OperationFailed(
                f"cannot drop the disposable database {name} ({type(exc).__name__}); drop it "
                "by hand"
            ) from None
        if note is not None:
            note.unlink(missing_ok=True)


def drop_leftovers(server_url: str, notes: Path) -> list[str]:
    """Drop the disposable databases noted in notes (a killed launch's suites never dropped
    them) on the server of server_url; one line per database. Only names golive makes are
    dropped (golive.rehearsal.drop_database checks the prefix)."""
    if not server_url or not notes.is_dir():
        return []
    lines = []
    for note in sorted(notes.iterdir()):
        if not note.name.startswith(DISPOSABLE_PREFIX):
            continue
        try:
            drop_database(render(make_url(server_url).set(database=note.name)))
        except SQLAlchemyError as exc:
            lines.append(f"test database {note.name}: cannot be dropped ({type(exc).__name__})")
            continue
        note.unlink(missing_ok=True)
        lines.append(f"test database {note.name} left by the suites dropped")
    return lines
