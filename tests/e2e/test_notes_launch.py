"""The Node example (examples/notes: express, knex migrations on PostgreSQL) launched as a user
launches it: `golive run` in its own process, the database migrated by `[database] tool =
"command"`. Needs Node with npm and PostgreSQL; its node_modules come from `npm ci`, once."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.conftest import REPO_ROOT, missing, one_worker_at_a_time, run_golive, shift_ports

pytestmark = pytest.mark.slow

NOTES = REPO_ROOT / "examples" / "notes"
LATEST = "20260101000003_create_tags"

# Outside a transaction (knex runs it on its own): its table stays when it fails, as a real
# non-transactional migration's work would.
BROKEN_MIGRATION = """'use strict';

exports.config = { transaction: false };

exports.up = async (knex) => {
  await knex.schema.createTable('attachments', (t) => t.increments('id'));
  throw new Error('attachments: column type not supported');
};

exports.down = (knex) => knex.schema.dropTableIfExists('attachments');
"""


@pytest.fixture(scope="session")
def notes_modules() -> Path:
    """examples/notes/node_modules, installed by `npm ci` when missing or older than the lock."""
    if not (shutil.which("node") and shutil.which("npm")):
        missing("Node and npm are not installed (.ci/run installs them)")
    installed = NOTES / "node_modules" / ".package-lock.json"
    lock = NOTES / "package-lock.json"
    # `npm ci` empties node_modules first: a worker copying the example while another installs
    # would copy half a package.
    with one_worker_at_a_time(NOTES / "node_modules"):
        if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
            done = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=NOTES,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode != 0:
                missing(f"npm ci in examples/notes failed: {done.stderr.strip()[-300:]}")
    return NOTES / "node_modules"


@pytest.fixture
def notes(tmp_path: Path, notes_modules: Path, postgres_url: str) -> Path:
    """A private copy of the notes example whose production database is a new, empty one."""
    dest = tmp_path / "notes"
    # symlinks=True: node_modules/.bin holds links that work only as links.
    shutil.copytree(
        NOTES,
        dest,
        symlinks=True,
        ignore=shutil.ignore_patterns(".golive-reports", "node_modules.lock"),
    )
    env = dest / ".env.production"
    lines = env.read_text().splitlines()
    env.write_text(
        "\n".join(
            f"DATABASE_URL={postgres_url}" if line.startswith("DATABASE_URL=") else line
            for line in lines
        )
        + "\n"
    )
    env.chmod(0o600)
    shift_ports(dest / "launch.toml")
    return dest / "launch.toml"


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def launch(manifest: Path, home: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    report = manifest.parent.parent / "report.json"
    done = run_golive(
        "run", *args, "--manifest", str(manifest), "--report-json", str(report), home=home
    )
    assert report.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    return done, json.loads(report.read_text())


def gate(report: dict, name: str) -> dict:
    return next(g for g in report["gates"] if g["gate"] == name)


def test_full_rehearsal_is_go_and_leaves_production_untouched(
    notes: Path, tmp_path: Path, postgres_url: str
) -> None:
    done, report = launch(notes, tmp_path / "home", "full", "--rehearsal")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert report["verdict"] == "GO"
    assert gate(report, "migrate")["summary"] == f"upgraded empty database -> {LATEST}"
    assert gate(report, "tests")["summary"].startswith("5 tests passed")
    assert gate(report, "smoke")["status"] == "passed"
    assert gate(report, "load")["status"] == "passed"
    assert gate(report, "audit")["summary"].startswith("nothing audited: npm audit needs")
    assert tables(postgres_url) == set()  # the rehearsal migrated its own database


def test_a_failing_migration_is_no_go_and_the_database_is_put_back(
    notes: Path, tmp_path: Path, postgres_url: str
) -> None:
    """Production, whose database has a note already: the new migrations fail part-way, the
    launch is NO-GO naming migrate, and the backup puts the database back as it was."""
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE kept (id integer)"))
        conn.execute(text("INSERT INTO kept VALUES (42)"))
    engine.dispose()
    (notes.parent / "migrations" / "20260101000004_add_attachments.js").write_text(BROKEN_MIGRATION)
    home = tmp_path / "home"
    try:
        done, report = launch(notes, home, "soft", "--environment", "production")
    finally:
        run_golive("down", "--environment", "production", home=home)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert report["verdict"] == "NO-GO"
    migrate = gate(report, "migrate")
    assert migrate["status"] == "failed"
    assert "attachments: column type not supported" in migrate["summary"]
    assert any("restored the backup" in line for line in report["rollback"]), report["rollback"]
    assert tables(postgres_url) == {"kept"}
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM kept")).scalars().all() == [42]
    engine.dispose()
    assert "golive-test-only" not in done.stdout + done.stderr + json.dumps(report)
