"""golive's warm process: a launch that starts with Prefect already imported.

A `golive run` spends about 2.5 s importing Prefect, SQLAlchemy, alembic and golive's flows
before its first gate; a config-error NO-GO is mostly that. The warm process imports them once
and waits on a Unix socket in GOLIVE_HOME/warm-process/ (0700, and the peer's uid checked). A
`golive run` or `golive resume` (the client) sends it its arguments, working folder, environment
and its stdin, stdout and stderr (SCM_RIGHTS); the warm process forks, and the fork runs that
command as the client would have run it in itself: the client's environment (Prefect's settings
read again from it), its folder, its terminal. The client waits, passes on what it is sent
(Ctrl-C to the fork's process group, as a terminal does; SIGTERM and SIGHUP to the fork; Ctrl-Z
stops the fork's group with it, and `fg` continues both) and exits with the fork's status. When
the client dies (kill -9), the fork is killed too: a launch never outlives the command that
started it, here as without a warm process.

Every launch is still a process of its own, its lock held by that pid; only the imports are
shared. A warm process serves only clients of the same interpreter, golive code and import path
(`fingerprint`, `import_context`); any other client runs its launch itself. When golive's code
changed on disk since it started (an upgrade, an edit) it says it is stale and exits. Started by
`golive server start` and by a `golive run` that uses golive's local Prefect server (in the
background, for the next run), stopped by `golive server stop`. It holds about 130 MB while it
waits.

This module reaches up to `flows.warm` for what to import and how to refresh Prefect's
settings in a fork, as golive.cli reaches up to the launch flow: that is what the process is for.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from golive import runner, settings
from golive.errors import GoliveError, OperationFailed
from golive.exiting import finish
from golive.files import exclusive_lock, private_dir, write_private

COMMANDS = frozenset({"run", "resume"})  # the commands that run a launch flow
IN_FORK_ENV = "GOLIVE_IN_WARM_PROCESS"  # set in a fork: it runs the command, never sends it on
OFF_ENV = "GOLIVE_WARM_PROCESS"  # "off": every command runs in itself; or a folder (`folder`)
READY_TIMEOUT_S = 120  # importing Prefect on a busy machine
REPLY_TIMEOUT_S = 30  # for the fork's pid: the warm process only forks, then answers
MAX_REQUEST = 8 << 20
HEADER = struct.Struct("!Q")  # the request's length, sent with the three descriptors
PACKAGES = ("golive", "flows", "tasks")
# Read by Python once, at start: a golive that sets them otherwise runs its command itself.
STARTUP_KEYS = frozenset({"LANG", "LC_ALL", "LC_CTYPE", "PYTHONIOENCODING", "PYTHONUTF8"})


def folder() -> Path:
    """The warm process's folder: GOLIVE_HOME/warm-process, or the one GOLIVE_WARM_PROCESS
    names (several GOLIVE_HOMEs may share one warm process: it serves any)."""
    chosen = os.environ.get(OFF_ENV, "")
    if chosen and chosen.lower() != "off":
        return Path(chosen).resolve()
    return settings.home() / "warm-process"


def fingerprint() -> str:
    """The interpreter and golive's code as they are now (paths, sizes and modification times
    of the packages' files): a warm process whose fingerprint differs has other code loaded."""
    digest = hashlib.sha256(f"{sys.executable}\0{sys.version}".encode())
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        for root in (spec.submodule_search_locations or []) if spec else []:
            for path in sorted(Path(root).rglob("*.py")):
                info = path.stat()
                digest.update(f"\0{path}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return digest.hexdigest()


def import_context() -> str:
    """What else decides what a process has imported: the import path (PYTHONPATH among it;
    not the first entry, the script's folder or the working folder, which differ between golive
    and the warm process), Prefect's logging settings (it configures logging when imported) and
    what Python reads once at start (the locale and encoding of stdout and stderr).
    A golive whose context differs runs its command itself; the warm process serves others."""
    digest = hashlib.sha256("\0".join(sys.path[1:]).encode())
    keys = [k for k in os.environ if k.startswith("PREFECT_LOGGING_") or k in STARTUP_KEYS]
    for key in sorted(keys):
        digest.update(f"\0{key}={os.environ[key]}".encode())
    return digest.hexdigest()


@contextlib.contextmanager
def socket_address(path: Path) -> Iterator[str]:
    """An address for the socket at `path`: a Unix socket's path must fit in 108 bytes, and a
    deep GOLIVE_HOME does not; then its folder is reached through an open descriptor."""
    if len(os.fsencode(path)) < 100:
        yield str(path)
        return
    handle = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{handle}/{path.name}"
    finally:
        os.close(handle)


# --- the client ------------------------------------------------------------------------------


def wanted() -> bool:
    """Whether this golive may use (and start) a warm process: not inside one, not turned off."""
    return not os.environ.get(IN_FORK_ENV) and os.environ.get(OFF_ENV, "").lower() != "off"


def delegate(argv: list[str]) -> int | None:
    """Run `golive ARGV` in the warm process and return its exit status; None where there is
    no usable warm process (none runs, it is stale, or it does not answer): run it here then."""
    if not argv or argv[0] not in COMMANDS or not wanted():
        return None
    try:
        path = folder() / "socket"
    except GoliveError:  # a GOLIVE_HOME the command itself will refuse, saying why
        return None
    if not path.exists():
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with socket_address(path) as address:
            conn.settimeout(REPLY_TIMEOUT_S)
            conn.connect(address)
            request: dict[str, object] = {"argv": argv, "cwd": os.getcwd()}
            request |= {"fingerprint": fingerprint(), "context": import_context()}
            payload = json.dumps({**request, "env": dict(os.environ)}).encode()
            socket.send_fds(conn, [HEADER.pack(len(payload))], [0, 1, 2])
            conn.sendall(payload)
            replies = conn.makefile("rb")
            first = json.loads(replies.readline() or b"{}")
    except (OSError, ValueError):  # gone, refusing, or not answering: nothing was started
        conn.close()
        return None
    if "pid" not in first:  # stale (it exits) or other imports: this command runs here
        conn.close()
        return None
    conn.settimeout(None)
    return _wait_for(int(first["pid"]), replies, conn)


def _wait_for(pid: int, replies: Any, conn: socket.socket) -> int:
    """Pass signals on to the fork running the command until it sends its exit status."""

    def pass_on(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            # Ctrl-C reaches a terminal's whole foreground group; a kill reaches one process.
            if signum == signal.SIGINT:
                os.killpg(pid, signum)
            else:
                os.kill(pid, signum)

    def pause(_signum: int, _frame: object) -> None:
        # Ctrl-Z: the launch stops with golive. SIGSTOP: a group in a session of its own (the
        # fork's; golive's, started by a program rather than a shell) is orphaned, and the
        # kernel drops a SIGTSTP sent to it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGSTOP)
        os.kill(os.getpid(), signal.SIGSTOP)

    def carry_on(_signum: int, _frame: object) -> None:  # `fg`, `bg`
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGCONT)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, pass_on)
    signal.signal(signal.SIGTSTP, pause)
    signal.signal(signal.SIGCONT, carry_on)
    with conn:
        for line in replies:
            message = json.loads(line)
            if "exit" in message:
                return int(message["exit"])
    raise OperationFailed(
        f"golive's warm process lost the launch it ran (pid {pid}): it ended without an exit "
        "status (killed?); see `golive history`, and `golive recover` if it holds its environment"
    )


# --- starting and stopping -------------------------------------------------------------------


def read_state() -> dict[str, Any] | None:
    """The warm process's state (pid, mark, started_at) if it runs and is golive's."""
    try:
        state = json.loads((folder() / "state.json").read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and runner.owned(state) else None


def ready() -> bool:
    """Whether a warm process answers on its socket."""
    path = folder() / "socket"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe, socket_address(path) as at:
        try:
            probe.connect(at)
        except OSError:
            return False
    return True


def start() -> dict[str, Any]:
    """Start a warm process detached (its own session: it outlives this golive on purpose);
    the caller holds the start lock (ensure_running). Returns its state."""
    home = private_dir(folder())
    mark = runner.new_mark()
    # GOLIVE_HOME made absolute: it runs in its own folder (`.golive`, the default, would be
    # read from there).
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "GOLIVE_HOME": str(settings.home())}
    env.pop(IN_FORK_ENV, None)
    proc = runner.start(
        [sys.executable, "-m", "golive.warm_process"],
        cwd=home,
        env=env,
        log_path=home / "warm.log",
        mark=mark,
    )
    state = {"pid": proc.pid, "mark": mark, "started_at": time.time()}
    write_private(home / "state.json", json.dumps(state) + "\n")
    return state


def wait_ready(state: dict[str, Any], timeout_s: float = READY_TIMEOUT_S) -> None:
    """Until the warm process answers; OperationFailed if it exits or takes too long."""
    deadline = time.monotonic() + timeout_s
    log = folder() / "warm.log"
    while not ready():
        if not runner.owned(state):
            raise OperationFailed(f"golive's warm process exited at start; see {log}")
        if time.monotonic() > deadline:
            raise OperationFailed(f"golive's warm process was not ready in {timeout_s:g}s")
        time.sleep(0.1)


def ensure_running(*, wait: bool) -> dict[str, Any]:
    """The warm process: a running one whose code is current, else a new one (waited for when
    `wait`). One golive at a time looks and starts (several GOLIVE_HOMEs may share one)."""
    with exclusive_lock(private_dir(folder()) / "start.lock"):
        state = read_state()
        if state is not None and state.get("fingerprint") not in (None, fingerprint()):
            runner.stop_group(int(state["pid"]))
            state = None
        if state is None:
            state = start()
    if wait:
        wait_ready(state)
    return state


def stop() -> dict[str, Any] | None:
    """Stop the warm process (the launches it runs go on: they are sessions of their own)."""
    if not folder().is_dir():
        return None
    with exclusive_lock(private_dir(folder()) / "start.lock"):
        state = read_state()
        if state is not None:
            runner.stop_group(int(state["pid"]))
        for name in ("state.json", "socket"):
            with contextlib.suppress(FileNotFoundError):
                (folder() / name).unlink()
    return state


# --- the warm process ------------------------------------------------------------------------


def serve() -> NoReturn:
    """Import what a launch needs, then fork a process for each command sent."""
    from flows.warm import warm_up

    own, context = fingerprint(), import_context()
    warm_up()
    path = folder() / "socket"
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with socket_address(path) as address:
        listener.bind(address)
    listener.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the forks are reaped by the kernel
    state_path = folder() / "state.json"
    with contextlib.suppress(OSError, ValueError):
        state = json.loads(state_path.read_text())
        write_private(state_path, json.dumps({**state, "fingerprint": own}) + "\n")
    while True:
        conn, _ = listener.accept()
        try:
            request, fds = _receive(conn)
        except (OSError, ValueError) as exc:
            conn.close()
            print(f"warm process: a request was dropped: {exc}", file=sys.stderr)
            continue
        if not request:  # `ready`'s probe: connected, sent nothing
            conn.close()
            continue
        if request.get("fingerprint") != own and fingerprint() != own:  # edited, upgraded
            print("warm process: golive's code changed; exiting", file=sys.stderr)
            with contextlib.suppress(OSError):
                conn.sendall(b'{"stale": true}\n')
            path.unlink(missing_ok=True)
            os._exit(0)
        if (request.get("fingerprint"), request.get("context")) != (own, context):
            # another golive (its own install, another import path): not ours to run
            print("warm process: a golive of other code or imports runs itself", file=sys.stderr)
            with contextlib.suppress(OSError):  # a client gone meanwhile is no matter
                conn.sendall(b'{"elsewhere": true}\n')
            for fd in fds:
                os.close(fd)
            conn.close()
            continue
        if os.fork() == 0:
            _run_in_fork(listener, conn, request, fds)
        for fd in fds:
            os.close(fd)
        conn.close()


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """A client's request and descriptors, from a process of this user only; on any failure
    the descriptors received are closed (the warm process runs for days)."""
    conn.settimeout(REPLY_TIMEOUT_S)
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    header, fds, _flags, _addr = socket.recv_fds(conn, HEADER.size, 3)
    if not header and not fds:
        return {}, []
    try:
        if uid != os.getuid() or len(fds) != 3 or len(header) != HEADER.size:
            raise ValueError(f"refused a request from uid {uid} with {len(fds)} descriptors")
        (size,) = HEADER.unpack(header)
        if size > MAX_REQUEST:
            raise ValueError(f"a request of {size} bytes")
        payload = bytearray()
        while len(payload) < size:
            chunk = conn.recv(size - len(payload))
            if not chunk:
                raise ValueError("the client went away")
            payload += chunk
        request = json.loads(payload)
        if not isinstance(request, dict):
            raise ValueError("a request that is not an object")
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    conn.settimeout(None)
    return request, fds


def _run_in_fork(
    listener: socket.socket, conn: socket.socket, request: dict[str, Any], fds: list[int]
) -> NoReturn:
    """In the fork: become the client's command (its descriptors, folder, environment and
    arguments), run it, send its exit status and end."""
    status = 4
    try:
        listener.close()
        os.setsid()  # a group of its own: the client's Ctrl-C reaches it and its children
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update({**request["env"], IN_FORK_ENV: "1"})
        time.tzset()  # the command's TZ for local times (Prefect's log lines)
        sys.argv = ["golive", *request["argv"]]
        if sys.stdout.isatty() and isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(line_buffering=True)  # as Python sets up a terminal
        from flows.warm import after_fork

        after_fork()
        try:
            conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        except OSError:  # the client gave up waiting and runs the command itself
            os._exit(0)
        threading.Thread(target=_die_with_client, args=(conn,), daemon=True).start()
        from golive.cli import main

        try:
            main()
            status = 0
        except SystemExit as exc:
            status = finish(exc.code)
    except KeyboardInterrupt:  # Ctrl-C outside the launch flow (which undoes its own)
        status = 130
    except BaseException:  # a fork must never return into the warm process's loop
        with contextlib.suppress(Exception):
            traceback.print_exc()  # as a golive that ran the command itself would
    with contextlib.suppress(OSError):  # the client, if it is still there
        conn.sendall(json.dumps({"exit": status}).encode() + b"\n")
    os._exit(status)


def _die_with_client(conn: socket.socket) -> None:
    """The client is gone (its end closed: killed, even with kill -9): so is its command."""
    with contextlib.suppress(OSError):
        while conn.recv(64):
            pass
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    serve()
