"""golive.warm_process without launches: which commands it takes, its socket's address in a deep
GOLIVE_HOME, and its fingerprint (the fault tests with launches: tests/reliability)."""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

import pytest

from golive import warm_process
from golive.files import exclusive_lock


def test_only_launch_commands_go_to_a_warm_process_and_none_runs_without_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOLIVE_HOME", str(tmp_path))
    assert warm_process.delegate(["history"]) is None
    assert warm_process.delegate(["run", "full"]) is None  # no socket: run it here
    assert warm_process.wanted()
    assert warm_process.folder() == tmp_path / "warm-process"
    monkeypatch.setenv(warm_process.OFF_ENV, str(tmp_path / "shared"))  # another home's
    assert warm_process.wanted() and warm_process.folder() == tmp_path / "shared"
    monkeypatch.setenv(warm_process.OFF_ENV, "off")
    assert not warm_process.wanted()  # neither used nor started
    monkeypatch.delenv(warm_process.OFF_ENV)
    monkeypatch.setenv(warm_process.IN_FORK_ENV, "1")
    assert not warm_process.wanted()
    assert warm_process.delegate(["run", "full"]) is None  # a fork never sends it on


def test_a_socket_in_a_folder_deeper_than_a_unix_address_allows(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-folder-name-of-some-length"] * 5)
    deep.mkdir(parents=True)
    path = deep / "socket"
    assert len(str(path)) > 108  # too long for sockaddr_un itself
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        with warm_process.socket_address(path) as address:
            server.bind(address)
        server.listen(1)
        assert path.exists()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            with warm_process.socket_address(path) as address:
                client.connect(address)
            conn, _ = server.accept()
            client.sendall(b"ping")
            assert conn.recv(4) == b"ping"
            conn.close()


def test_the_fingerprint_is_the_code_and_the_import_context_the_rest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, context = warm_process.fingerprint(), warm_process.import_context()
    # PYTHONPATH: other modules may be imported (the first entry is the script's own folder)
    monkeypatch.setattr(sys, "path", [sys.path[0], str(tmp_path), *sys.path[1:]])
    assert warm_process.import_context() != context
    assert warm_process.fingerprint() == code
    monkeypatch.undo()
    assert warm_process.import_context() == context
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "CRITICAL")  # read when Prefect is imported
    assert warm_process.import_context() != context
    assert warm_process.fingerprint() == code
    monkeypatch.undo()
    monkeypatch.setenv("PYTHONIOENCODING", "latin-1")  # read when Python starts
    assert warm_process.import_context() != context


def test_a_warm_process_of_the_default_relative_golive_home_starts_and_answers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """GOLIVE_HOME unset is `.golive` in the working folder (as in `make demo`); the warm
    process runs in a folder of its own and must still find its socket's folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOLIVE_HOME", raising=False)
    try:
        state = warm_process.ensure_running(wait=True)
        assert (tmp_path / ".golive" / "warm-process" / "socket").exists()
        assert warm_process.read_state() == {**state, "fingerprint": warm_process.fingerprint()}
    finally:
        warm_process.stop()


def test_golives_of_two_homes_sharing_a_warm_process_start_it_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Whoever starts it holds its folder's lock (not its GOLIVE_HOME's): a golive of another
    home waits, then finds it running."""
    shared = tmp_path / "shared"
    monkeypatch.setenv(warm_process.OFF_ENV, str(shared))
    monkeypatch.setenv("GOLIVE_HOME", str(tmp_path / "one"))
    started: list[dict[str, object]] = []
    other = threading.Thread(target=lambda: started.append(warm_process.ensure_running(wait=True)))
    try:
        with exclusive_lock(shared / "start.lock"):
            other.start()
            other.join(timeout=1.0)
            assert other.is_alive() and not (shared / "state.json").exists()
        other.join()
        monkeypatch.setenv("GOLIVE_HOME", str(tmp_path / "two"))
        assert warm_process.ensure_running(wait=True)["pid"] == started[0]["pid"]
    finally:
        warm_process.stop()
