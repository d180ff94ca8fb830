"""The migrations a launch would apply, for `golive plan`: the database's current revision
(read in a read-only connection), the heads, and the SQL alembic renders offline from one to
the other. Nothing is written to the database; a migration command has no preview."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from golive.envfile import Redactor
from golive.errors import GoliveError
from golive.gates import migrate as alembic_code
from golive.ledger.readonly import read_only_engine
from golive.manifest import Manifest


class MigrationPlan(BaseModel):
    tool: str
    current: str | None = Field(description="the applied revision; None: an empty database")
    heads: list[str]
    pending: list[str] = Field(description="each step the upgrade would run, 'from -> to'")
    sql: str | None = Field(description="the SQL it would run ('' at head); None: unknown")
    summary: str


def read_only_revision(url: str) -> str | None:
    """The revision stamped in the database, read without writing (None: empty or no file)."""
    engine = read_only_engine(url)
    if engine is None:
        return None
    try:
        with engine.connect() as conn:
            if not conn.dialect.has_table(conn, "alembic_version"):
                return None
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return str(found) if found is not None else None
    finally:
        engine.dispose()


def plan_migrations(
    spec: Manifest, values: dict[str, str], redact: Redactor, rehearsal: bool
) -> MigrationPlan:
    """What the migrate gate would apply to the database these env values name (a rehearsal:
    to its copy of production's database, or to an empty one)."""
    db = spec.database
    if db.tool != "alembic" or db.alembic_ini is None:
        why = f"unknown: {db.tool} migrations have no preview"
        return MigrationPlan(
            tool=db.tool, current=None, heads=[], pending=[], sql=None, summary=why
        )
    url = db.source.compose(values)
    try:
        empty = rehearsal and db.rehearsal_data == "empty"
        current = None if empty or not url else read_only_revision(url)
    except SQLAlchemyError as exc:
        why = f"unknown: the database cannot be read ({type(exc).__name__})"
        return MigrationPlan(
            tool="alembic", current=None, heads=[], pending=[], sql=None, summary=why
        )
    ini = spec.path(db.alembic_ini)
    try:
        heads = list(alembic_code.head_revisions(ini, db.timeout, spec.python))
    except GoliveError as exc:
        return MigrationPlan(
            tool="alembic",
            current=current,
            heads=[],
            pending=[],
            sql=None,
            summary=redact(str(exc)),
        )
    plan = MigrationPlan(
        tool="alembic", current=current, heads=heads, pending=[], sql="", summary=""
    )
    if current in heads:
        plan.summary = f"at head ({current}): nothing to apply"
        return plan
    span = f"{current}:head" if current else "head"
    done = alembic_code.alembic(
        ini,
        values,
        "upgrade",
        span,
        "--sql",
        timeout=db.timeout,
        pass_env=spec.env.pass_env,
        python=spec.python,
    )
    if not done.ok:
        plan.sql, plan.summary = None, redact(f"alembic could not render the SQL: {done.tail(1)}")
        return plan
    plan.sql = redact(done.stdout)
    plan.pending = [f"{a or 'base'} -> {b}" for a, b in alembic_code.RUNNING.findall(plan.sql)]
    plan.summary = f"{current or 'empty'} -> {', '.join(heads)}: {len(plan.pending)} to apply"
    return plan
