"""The one way golive runs an external command: argv list, timeout, captured output.

Every external tool (alembic, pytest, pip-audit, locust, pg_dump) goes through `run`, so a
missing tool or a hung command always ends in the same clear ToolError. Every child gets a
minimal environment (`child_env`) and creates its files private (umask 077, golive.files).
Inside a gate that runs in a cancel scope (golive.cancel) a command can be stopped by the flow.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from golive import cancel
from golive.errors import Cancelled, ToolError
from golive.files import CHILD_UMASK, append_private


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 5) -> str:
        """The last lines of output, for a one-line summary of why a command failed."""
        text = (self.stderr.strip() or self.stdout.strip()).splitlines()
        return " | ".join(line.strip() for line in text[-lines:] if line.strip())


# Of golive's own environment a child gets these (where set) and PATH; nothing else by default.
HOST_KEYS = ("HOME", "LANG", "LC_ALL", "TZ")
# What a tool that fetches over the network needs to get through a proxy and trust its CA.
PROXY_KEYS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
CA_KEYS = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
)
NETWORK_KEYS = (*PROXY_KEYS, *(k.lower() for k in PROXY_KEYS), *CA_KEYS)


def child_env(
    extra: dict[str, str] | None = None,
    pass_env: Iterable[str] = (),
    python: Path | None = None,
) -> dict[str, str]:
    """The environment of a child golive starts: a minimal one, never all of ours (a token set
    only in the operator's shell must not reach a service).

    Every child gets PATH with the bin folder of `python` first: the target's interpreter
    (`Manifest.python`) for what runs the target's code, so `python` and `pytest` in its
    commands are the target's own; by default golive's, so `pip-audit` and the like resolve to
    the tools installed beside golive even when its virtual environment is not activated. Then
    HOME, LANG, LC_ALL and TZ;
    the `pass_env` keys that are set here; PYTHONUNBUFFERED=1; then `extra`. Besides that:

    - a service (process backend): the env file's values, GOLIVE_ENVIRONMENT and the manifest's
      `[env] pass_env` keys (`LaunchContext.service_env`); a container gets those alone;
    - alembic, the seed and a suite with a database: the whole env of that database (the env
      file's values, its database key placed), `pass_env` and TMPDIR; locust: `pass_env`,
      TMPDIR and the service URLs (they all run the target's code);
    - pip-audit and npm audit: NETWORK_KEYS (proxies, CA bundles), npm its `npm_config_*`;
    - pg_dump, pg_restore and psql: the operator's PG* settings, then the database URL's parts;
    - Prometheus: nothing more.
    """
    env = {key: os.environ[key] for key in (*HOST_KEYS, *pass_env) if key in os.environ}
    bin_dir = str((python or Path(sys.executable)).parent)
    env["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    if extra:
        env.update(extra)
    return env


SETPRIV = shutil.which("setpriv")  # util-linux: sets the parent-death signal, then execs


def dies_with_parent() -> list[str]:
    """The prefix that makes a command receive SIGKILL when the golive thread that started it
    dies (Linux's parent-death signal); nothing where setpriv is missing."""
    return [SETPRIV, "--pdeathsig", "KILL", "--"] if SETPRIV else []


def findable(command: str, cwd: Path | None, env: dict[str, str]) -> bool:
    """Whether `command` names a program: a path (from cwd), or a name on env's PATH."""
    if "/" in command:
        return ((cwd or Path.cwd()) / command).is_file()
    return shutil.which(command, path=env.get("PATH")) is not None


def target_env(
    pass_env: Iterable[str], extra: dict[str, str] | None = None, python: Path | None = None
) -> dict[str, str]:
    """A child running the target's own code outside a service (its suites, alembic, locust):
    the manifest's `pass_env` keys and TMPDIR on top of the minimal environment, and the
    target's interpreter (`python`, default golive's) first on PATH."""
    return child_env(extra, pass_env=[*pass_env, "TMPDIR"], python=python)


def missing_module(done: Completed, module: str) -> bool:
    """Whether `python -m module` failed because that interpreter does not have the module."""
    return not done.ok and f"No module named {module}" in done.stderr


def run(
    argv: list[str],
    *,
    cwd: Path | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> Completed:
    """Run argv to completion. Raises ToolError if it cannot start or times out.

    The command dies with golive (a parent-death signal, where `setpriv` can set one): a launch
    killed mid-way leaves no suite, alembic or locust running on behind it.
    """
    child = env if env is not None else child_env()
    if not findable(argv[0], cwd, child):
        raise ToolError(f"command not found: {argv[0]!r}; install it or put it on PATH")
    handle = cancel.current()
    if handle is not None:
        return _run_cancellable(argv, handle, cwd=cwd, timeout=timeout, env=child)
    try:
        proc = subprocess.run(
            [*dies_with_parent(), *argv],
            cwd=cwd,
            env=child,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
            umask=CHILD_UMASK,
        )
    except FileNotFoundError as exc:
        raise ToolError(f"command not found: {argv[0]!r}; install it or put it on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"command timed out after {timeout:g}s: {' '.join(argv[:3])} …") from exc
    return Completed(tuple(argv), proc.returncode, proc.stdout, proc.stderr)


def _run_cancellable(
    argv: list[str],
    handle: cancel.GateHandle,
    *,
    cwd: Path | None,
    timeout: float,
    env: dict[str, str],
) -> Completed:
    """`run` for a gate in a cancel scope: the child in a process group of its own, which the
    scope kills (with everything the child started) when another gate decides the launch."""
    what = " ".join(argv[:3])
    handle.refuse_if_cancelled(what)
    try:
        proc = subprocess.Popen(
            [*dies_with_parent(), *argv],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            umask=CHILD_UMASK,
        )
    except FileNotFoundError as exc:
        raise ToolError(f"command not found: {argv[0]!r}; install it or put it on PATH") from exc
    handle.adopt(proc)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ToolError(f"command timed out after {timeout:g}s: {what} …") from exc
    finally:
        handle.disown(proc)
    if handle.interrupted:
        raise Cancelled(f"{what} stopped: {handle.reason}")
    return Completed(tuple(argv), proc.returncode, stdout, stderr)


# In the environment of each long-running process golive starts, with a value of its own that
# its state file keeps too: how a later golive tells its process from another one with that pid.
MARK = "GOLIVE_PROCESS_MARK"


def new_mark() -> str:
    return secrets.token_hex(12)


def start(
    argv: list[str], *, cwd: Path, env: dict[str, str], log_path: Path, mark: str | None = None
) -> subprocess.Popen[bytes]:
    """Start a long-running process (a service) detached, its output going to log_path (0600);
    with `mark` in its environment (`new_mark`, kept in its state file for `owned`)."""
    try:
        with append_private(log_path) as log:
            return subprocess.Popen(
                argv,
                cwd=cwd,
                env=env if mark is None else {**env, MARK: mark},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                umask=CHILD_UMASK,
            )
    except FileNotFoundError as exc:
        raise ToolError(f"command not found: {argv[0]!r}; install it or put it on PATH") from exc


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie child of ours does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0): reap it to tell.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def owned(state: Mapping[str, object]) -> bool:
    """Whether the process a state file names (`pid`, `mark`) runs and is the one golive
    started. Where the system shows a process's environment (Linux's /proc), a process without
    the state's mark there is not golive's: the pid was reused, or the state file was not
    written by golive; elsewhere only whether the pid is alive can be known."""
    try:
        pid = int(str(state.get("pid", 0)))
    except ValueError:
        return False
    if pid <= 0 or not alive(pid):
        return False
    if not Path("/proc/self/environ").is_file():
        return True
    mark = state.get("mark")
    try:
        environ = _environ(pid)
    except OSError:  # gone, or another user's
        return False
    return bool(mark) and f"{MARK}={mark}".encode() in environ


def _environ(pid: int) -> list[bytes]:
    """A process's environment as /proc shows it. Just after its exec (when Popen has already
    returned) the kernel has not yet set the new image's environment and it reads empty: CI
    saw a service it had just started read as not golive's. Read again for up to a second."""
    path = Path(f"/proc/{pid}/environ")
    for _ in range(100):
        raw = path.read_bytes()
        if raw:
            return raw.split(b"\0")
        time.sleep(0.01)
    return []  # a process started with an empty environment


def stop_group(pid: int, grace_s: float = 10) -> bool:
    """Stop a process started by `start` and everything it started (its process group):
    SIGTERM, then SIGKILL after grace_s. Returns whether it was running."""
    return stop_groups([pid], grace_s)[0]


def stop_groups(pids: Sequence[int], grace_s: float = 10) -> list[bool]:
    """stop_group for several processes at once: all are sent SIGTERM first, then waited for
    together (so stopping n services takes the time of the slowest, not the sum), and those
    still running after grace_s get SIGKILL. Returns, for each pid, whether it was running."""
    was_alive = [alive(pid) for pid in pids]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    left = [pid for pid in pids if alive(pid)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [pid for pid in left if alive(pid)]
    for pid in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    return was_alive
