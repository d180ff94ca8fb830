"""A rehearsal's own world: its database and its ports, never production's.

A rehearsal runs the real launch plan against a disposable copy of an environment. Its
database is a database of its own, whatever production's is: on SQLite a copy of production's
file (any path) in the rehearsal's folder; on PostgreSQL a new database on the same server,
filled from a dump of production (`[database] rehearsal_data = "copy"`, the default, so the
migration is proven on real data) or left empty (`"empty"`), dropped at teardown. Every child
that reads the env file's database key (alembic, the services, the suites) is given the
rehearsal's URL, because `LaunchContext.env_values` asks this module for it.

Its services run on free ports chosen when the rehearsal starts (kept in the rehearsal's
folder, so a resumed run finds the same ones): a rehearsal runs beside a live production on
one host, and smoke, load and monitoring follow the rehearsal's ports.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from golive import backup as backups
from golive.errors import InputError, OperationFailed
from golive.files import private_dir, write_private
from golive.ports import free_ports

SUFFIX = "-rehearsal"
PORTS_FILE = "ports.json"
PG_NAME_MAX = 63
DISPOSABLE_PREFIX = "golive_test_"  # a test suite's disposable database (golive.disposable)


def production_of(environment: str) -> str:
    """The environment a rehearsal environment copies (`production-rehearsal` → production)."""
    return environment.removesuffix(SUFFIX)


def database_url(production_url: str, rehearsal_data_dir: Path, launch_id: int) -> str:
    """The rehearsal's own database URL, derived from production's (nothing is created)."""
    url = make_url(production_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        name = Path(url.database or "rehearsal.db").name
        return url.set(database=str((rehearsal_data_dir / name).resolve())).render_as_string(
            hide_password=False
        )
    if backend == "postgresql":
        base = re.sub(r"[^a-z0-9_]", "_", (url.database or "db").lower())
        suffix = f"_rehearsal_{launch_id}"
        name = base[: PG_NAME_MAX - len(suffix)] + suffix
        return url.set(database=name).render_as_string(hide_password=False)
    raise InputError(
        f"rehearsals need a database of their own; golive makes one for SQLite and PostgreSQL, "
        f"not for {backend}: launch without --rehearsal, or use one of those"
    )


def create_database(production_url: str, rehearsal_url: str, data: str, dump_dir: Path) -> str:
    """Make the rehearsal's database (idempotent: a resumed rehearsal keeps the one it made);
    one line saying what was made. Production's database is only read."""
    target = make_url(rehearsal_url)
    if target.get_backend_name() == "sqlite":
        path = Path(target.database or "")
        if path.exists():
            return f"rehearsal database {path.name} already made"
        private_dir(path.parent)
        saved = backups.backup(production_url, dump_dir) if data == "copy" else None
        if saved is None:  # asked for empty, or production has no database yet
            return f"rehearsal database {path.name}: empty"
        backups.restore(rehearsal_url, saved)
        return f"rehearsal database {path.name}: a copy of production's"
    name = target.database or ""
    if not pg_create(production_url, name):
        return f"rehearsal database {name} already made"
    if data == "empty":
        return f"rehearsal database {name} on production's server: empty"
    saved = backups.backup(production_url, dump_dir)
    if saved is not None:
        backups.restore(rehearsal_url, saved)
    return f"rehearsal database {name} on production's server: a copy of production's"


def pg_create(production_url: str, name: str, purpose: str = "rehearsal") -> bool:
    """CREATE DATABASE name on production's server; False if it exists already. purpose names
    the database in an error (a rehearsal's, a test suite's)."""
    engine = create_engine(production_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
            if exists:
                return False
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            return True
    except SQLAlchemyError as exc:
        raise OperationFailed(
            f"cannot create the {purpose} database {name} on production's server "
            f"({type(exc).__name__}: {_reason(exc)})"
        ) from None
    finally:
        engine.dispose()


def drop_database(rehearsal_url: str) -> None:
    """Drop a PostgreSQL database golive made (a rehearsal's, or a test suite's disposable one,
    by their names: never another); a SQLite one goes with its folder."""
    url = make_url(rehearsal_url)
    name = url.database or ""
    ours = "_rehearsal_" in name or name.startswith(DISPOSABLE_PREFIX)
    if url.get_backend_name() != "postgresql" or not ours:
        return
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        engine.dispose()


def ports(environment_dir: Path, production_ports: dict[str, int]) -> dict[str, int]:
    """The rehearsal's port for each service: chosen free once (and held, see golive.ports),
    then read back."""
    saved = saved_ports(environment_dir)
    if set(saved) >= set(production_ports):
        return saved
    chosen = dict(zip(production_ports, free_ports(len(production_ports), hold=True), strict=True))
    write_private(environment_dir / PORTS_FILE, json.dumps(chosen))
    return chosen


def saved_ports(environment_dir: Path) -> dict[str, int]:
    """The rehearsal's ports chosen so far, by service ({} when none were)."""
    try:
        saved = json.loads((environment_dir / PORTS_FILE).read_text())
        return {k: int(v) for k, v in saved.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def follow_ports(values: dict[str, str], moved: dict[int, int]) -> dict[str, str]:
    """Env values that address a service on this host (`127.0.0.1:PORT`, `localhost:PORT`)
    address its rehearsal copy instead."""
    pattern = re.compile(r"\b(127\.0\.0\.1|localhost):(\d+)\b")

    def swap(m: re.Match[str]) -> str:
        port = int(m.group(2))
        return f"{m.group(1)}:{moved.get(port, port)}"

    return {k: pattern.sub(swap, v) for k, v in values.items()}


def _reason(exc: SQLAlchemyError) -> str:
    """Why PostgreSQL refused, in words that name no URL or password: a refused CREATE is the
    role's missing CREATEDB; anything else is the server or the login."""
    orig = getattr(exc, "orig", None)
    if type(orig).__name__ == "InsufficientPrivilege":
        return "its role needs CREATEDB"
    return "the server cannot be reached or refused the login; check the database settings"
