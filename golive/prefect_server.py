"""Which Prefect API a golive command talks to, and the local Prefect servers golive runs.

- `PREFECT_API_URL`, when set, wins: golive starts nothing.
- Otherwise a golive-managed server under GOLIVE_HOME/prefect-server/ (its own Prefect home and
  database, a 0600 log, a state file with its pid, port and mark): started detached on first
  use, so that it outlives the golive that started it and later runs reuse it (and the UI shows
  every launch). A file lock around the start keeps two golive commands starting at once from
  starting two servers; a state file whose server is gone is replaced by a new start.
- `golive run --temporary-server`: a server for that run alone, a child that dies with golive
  (a parent-death signal), so that not even a `kill -9` of golive leaves it running.

This module starts `prefect server start` as a command and speaks HTTP with the standard
library: it never imports Prefect (the core's rule), and a command that needs no API pays
nothing for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from golive import runner, settings
from golive.errors import OperationFailed
from golive.files import exclusive_lock, private_dir, write_private
from golive.ports import free_port

API_ENV = "PREFECT_API_URL"
STARTUP_TIMEOUT_S = 180  # a first start migrates a new database: seconds on a busy machine
# What the server process gets of our environment besides the minimal one: its own settings
# (PREFECT_SERVER_DATABASE_CONNECTION_URL, logging...), never PREFECT_API_URL (it is the API).
QUIET = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


@dataclass(frozen=True)
class ServerState:
    """What the state file of a managed server says about it."""

    pid: int
    port: int
    mark: str
    started_at: float

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def as_dict(self) -> dict[str, object]:
        return {
            "pid": self.pid,
            "port": self.port,
            "mark": self.mark,
            "started_at": self.started_at,
        }


def server_dir() -> Path:
    """Everything of the managed server: prefect-home/ (database), server.log, state.json."""
    return settings.home() / "prefect-server"


def ui_url(api_url: str) -> str:
    """The UI address of a Prefect API address (the server serves both)."""
    return api_url.removesuffix("/").removesuffix("/api")


def healthy(api_url: str, timeout_s: float = 2) -> bool:
    """Whether the API answers its health check."""
    import urllib.error  # here: the HTTP client costs `golive --help` a tenth of a second
    import urllib.request

    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout_s) as answer:
            return bool(answer.status == 200)
    except (OSError, urllib.error.URLError, ValueError):
        return False


def server_argv(port: int) -> list[str]:
    # One process: with a single worker `prefect server start` runs uvicorn in itself, so the
    # pid golive keeps is the server's, and a signal to it reaches the whole server.
    serve = ["server", "start", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "prefect", *serve]


def server_env(prefect_home: Path | None) -> dict[str, str]:
    """The server's environment: minimal, plus our Prefect settings except the API address."""
    env = runner.child_env(QUIET)
    env.update({k: v for k, v in os.environ.items() if k.startswith("PREFECT_") and k != API_ENV})
    if prefect_home is not None:
        env["PREFECT_HOME"] = str(prefect_home)
        env.pop("PREFECT_PROFILES_PATH", None)  # the user's profile must not point elsewhere
    return env


def wait_healthy(api_url: str, pid: int, log: Path, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    """Until the server at api_url answers; OperationFailed if it dies or takes too long."""
    deadline = time.monotonic() + timeout_s
    while not healthy(api_url):
        if not runner.alive(pid):
            raise OperationFailed(f"the Prefect server at {api_url} exited at start; see {log}")
        if time.monotonic() > deadline:
            raise OperationFailed(
                f"the Prefect server at {api_url} did not answer within {timeout_s:g}s; see {log}"
            )
        time.sleep(0.25)


# --- the managed server ----------------------------------------------------------------------


def read_state() -> ServerState | None:
    """The state file's server if that process runs and is golive's (its mark); else None."""
    try:
        raw = json.loads((server_dir() / "state.json").read_text())
        state = ServerState(
            int(raw["pid"]), int(raw["port"]), str(raw["mark"]), float(raw["started_at"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state if runner.owned(state.as_dict()) else None


@contextlib.contextmanager
def start_lock() -> Iterator[None]:
    """Held while a server is looked for and started: one start at a time per GOLIVE_HOME."""
    with exclusive_lock(private_dir(server_dir()) / "start.lock"):
        yield


def ensure_running() -> ServerState:
    """The managed server, started (and waited for) if none runs; a running one is reused."""
    with start_lock():
        state = read_state()
        if state is not None:
            log = server_dir() / "server.log"
            try:  # a server another golive started and has not seen healthy yet
                wait_healthy(state.api_url, state.pid, log)
                return state
            except OperationFailed:
                runner.stop_group(state.pid)
        return start_managed()


def start_managed() -> ServerState:
    """Start a managed server detached (its own session: it outlives this golive on purpose)."""
    folder = private_dir(server_dir())
    port, mark = free_port(), runner.new_mark()
    log = folder / "server.log"
    proc = runner.start(
        server_argv(port),
        cwd=folder,
        env=server_env(private_dir(folder / "prefect-home")),
        log_path=log,
        mark=mark,
    )
    state = ServerState(proc.pid, port, mark, time.time())
    write_private(folder / "state.json", json.dumps(state.as_dict()) + "\n")
    try:
        wait_healthy(state.api_url, proc.pid, log)
    except OperationFailed:
        runner.stop_group(proc.pid)
        raise
    return state


def stop_managed() -> ServerState | None:
    """Stop the managed server and everything it started; the state it had, or None."""
    with start_lock():
        state = read_state()
        if state is not None:
            runner.stop_group(state.pid)
        with contextlib.suppress(FileNotFoundError):
            (server_dir() / "state.json").unlink()
        return state


def api_url() -> str:
    """The API a golive command talks to: PREFECT_API_URL, else the managed server's."""
    return os.environ.get(API_ENV) or ensure_running().api_url


# --- a server for one run --------------------------------------------------------------------


@contextlib.contextmanager
def temporary() -> Iterator[str]:
    """A Prefect server for this process alone (in our PREFECT_HOME, like Prefect's own
    temporary server), stopped on the way out; if this process is killed, the kernel kills it
    (parent-death signal). Yields its API address."""
    port, mark = free_port(), runner.new_mark()
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))
    log = private_dir(settings.home() / "prefect-server") / f"temporary-{port}.log"
    proc = runner.start(
        [*runner.dies_with_parent(), *server_argv(port)],
        cwd=private_dir(home),
        env=server_env(None),
        log_path=log,
        mark=mark,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        wait_healthy(api, proc.pid, log)  # on failure the log stays, for the error to name
    except BaseException:
        runner.stop_group(proc.pid)
        raise
    try:
        yield api
    finally:
        runner.stop_group(proc.pid)
        proc.wait()
        with contextlib.suppress(FileNotFoundError):
            log.unlink()


@contextlib.contextmanager
def api_for_run(*, temporary_server: bool) -> Iterator[str]:
    """PREFECT_API_URL set, for the time of a launch, to the API it reports to."""
    previous = os.environ.get(API_ENV)
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(temporary()) if temporary_server else api_url()
        os.environ[API_ENV] = url
        try:
            yield url
        finally:
            if previous is None:
                os.environ.pop(API_ENV, None)
            else:
                os.environ[API_ENV] = previous
