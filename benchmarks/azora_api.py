"""The bundled example for the benchmarks: its api service started on a free 127.0.0.1 port
(`api_service`), or a private copy of the whole example on free ports (`copy_example`).

A private copy and, for the api, a freshly migrated SQLite database in a scratch folder, so a
benchmark never touches a deployed environment (nor the ports 18101-18103 the demo uses).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from golive import runner
from golive.health import wait_healthy
from golive.ports import free_port, free_ports

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "azora"
SERVICES = {"api": 18101, "payments": 18102, "assistant": 18103}  # the manifest's own ports


def copy_example(dest: Path) -> tuple[Path, dict[str, int]]:
    """A private copy of the example at dest, its virtualenv linked in (a venv does not move),
    its services on free ports; its launch.toml and those ports by service."""
    ignore = shutil.ignore_patterns(".venv", "__pycache__", ".golive-reports", "*.db")
    shutil.copytree(EXAMPLE, dest, ignore=ignore)
    (dest / ".venv").symlink_to(EXAMPLE / ".venv")
    (dest / ".env.production").chmod(0o600)
    manifest = dest / "launch.toml"
    text = manifest.read_text()
    ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    for name, old in SERVICES.items():
        text = text.replace(f"port = {old}\n", f"port = {ports[name]}\n")
    manifest.write_text(text)
    return manifest, ports


@contextmanager
def api_service(scratch: Path) -> Iterator[int]:
    """Yield the port of a healthy api service; it is stopped on exit, whatever happened."""
    app_dir = scratch / "api"
    shutil.copytree(
        EXAMPLE / "services" / "api", app_dir, ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(
        EXAMPLE / "azora_common",
        app_dir / "azora_common",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    env = runner.child_env({"DATABASE_URL": f"sqlite:///{scratch / 'azora.db'}"})
    migrated = runner.run(
        [sys.executable, "-m", "alembic", "-c", str(EXAMPLE / "alembic.ini"), "upgrade", "head"],
        cwd=scratch,
        env=env,
        timeout=120,
    )
    if not migrated.ok:
        raise RuntimeError(f"alembic upgrade failed: {migrated.tail()}")
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--log-level", "warning"]
    proc = runner.start(argv, cwd=app_dir, env=env, log_path=scratch / "api.log")
    try:
        problem = wait_healthy(f"http://127.0.0.1:{port}/health", 30, proc.poll)
        if problem:
            raise RuntimeError(f"api service not healthy: {problem}")
        yield port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
