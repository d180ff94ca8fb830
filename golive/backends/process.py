"""Process backend: each service a local process on 127.0.0.1, its state in files.

State lives in `<environment>/run/<service>.json` (pid, release, port, and the mark golive put
in the process's environment), so a later `golive` command (a rollback, a teardown) can find and
stop what an earlier one started, and never signals a process it did not start.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from golive import ports, runner
from golive.backends.interface import BackendKind, record_kind
from golive.files import append_private, write_private
from golive.manifest import Service

START_MARK = "--- golive: starting release"


class ProcessBackend:
    kind: BackendKind = "process"

    def __init__(self, environment_dir: Path, python: Path | None = None) -> None:
        """`python`: the target's interpreter, whose bin folder comes first on each service's
        PATH (so `python -m uvicorn` is the target's); None: golive's."""
        self.environment_dir = environment_dir
        self.python = python
        self.run_dir = environment_dir / "run"
        self.log_dir = environment_dir / "logs"
        self._children: dict[str, object] = {}

    def _state_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.json"

    def _state(self, name: str) -> dict[str, object] | None:
        try:
            return dict(json.loads(self._state_file(name).read_text()))
        except (OSError, ValueError):
            return None

    def start(
        self, service: Service, release_path: Path, release_id: str, env: dict[str, str]
    ) -> None:
        argv = shlex.split(service.command.replace("{port}", str(service.port)))
        record_kind(self.environment_dir, self.kind)
        log_path = self.log_dir / f"{service.name}.log"
        with append_private(log_path) as log:
            log.write(f"{START_MARK} {release_id}\n".encode())
        mark = runner.new_mark()
        env = runner.child_env(env, python=self.python)
        ports.let_go([service.port])
        proc = runner.start(argv, cwd=release_path, env=env, log_path=log_path, mark=mark)
        self._children[service.name] = proc
        state = {"pid": proc.pid, "release_id": release_id, "port": service.port, "mark": mark}
        write_private(self._state_file(service.name), json.dumps(state))

    def stop(self, name: str, grace_s: float = 10) -> None:
        state = self._state(name)
        if state is None:
            return
        if runner.owned(state):  # never a process golive did not start
            runner.stop_group(int(str(state["pid"])), grace_s)  # uvicorn's workers, shells too
        self._forget(name)

    def _forget(self, name: str) -> None:
        self._children.pop(name, None)
        self._state_file(name).unlink(missing_ok=True)

    def running(self) -> dict[str, str]:
        if not self.run_dir.is_dir():
            return {}
        found = {}
        for path in sorted(self.run_dir.glob("*.json")):
            state = self._state(path.stem)
            if state and runner.owned(state):
                found[path.stem] = str(state["release_id"])
        return found

    def exit_code(self, name: str) -> int | None:
        proc = self._children.get(name)
        code = proc.poll() if proc is not None else None  # type: ignore[attr-defined]
        return int(code) if code is not None else None

    def log_tail(self, name: str, lines: int = 3) -> str:
        try:
            text = (self.log_dir / f"{name}.log").read_text(errors="replace")
        except OSError:
            return ""
        # Only what the latest start wrote: an earlier release's last words would mislead.
        text = text.rsplit(START_MARK, 1)[-1].split("\n", 1)[-1]
        return " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())

    def stop_all(self) -> None:
        """Stop every service of the environment at once (runner.stop_groups): a teardown or a
        rollback waits for the slowest to exit, not for each in turn."""
        states = {name: self._state(name) for name in self.running()}
        owned = {name: state for name, state in states.items() if state and runner.owned(state)}
        runner.stop_groups([int(str(state["pid"])) for state in owned.values()])
        for name in states:
            self._forget(name)
