"""Stopping the gates still running once one gate has decided the launch (fail fast).

A `CancelScope` covers a group of gates that run at the same time (Hour 1). Each gate runs
under its own `GateHandle`, made current around the gate's submission (a context variable:
the task runner copies the submitting thread's context into the gate's thread). `runner.run`
registers each child it starts with the current handle, in a process group of its own;
`CancelScope.cancel(reason)` kills those groups, and refuses every later start. A gate whose
child was killed or refused is *interrupted*: the flow reports it as cancelled, with the
reason, never as a failure of its own, and its task raises `Cancelled` so the result of
half-done work is never cached.

The threads themselves are not stopped (Python cannot); their children are, so they end soon.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from golive.errors import Cancelled

_current: contextvars.ContextVar[GateHandle | None] = contextvars.ContextVar(
    "golive_gate_handle", default=None
)


@dataclass(eq=False)
class CancelScope:
    """Gates running together; the first blocking failure among them cancels the others."""

    reason: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _handles: list[GateHandle] = field(default_factory=list)

    @property
    def cancelled(self) -> bool:
        return bool(self.reason)

    def handle(self, gate: str) -> GateHandle:
        """A new handle for one gate in this scope."""
        made = GateHandle(gate, self)
        with self._lock:
            self._handles.append(made)
        return made

    def cancel(self, reason: str) -> list[str]:
        """Kill every child the scope's gates are running and refuse new ones. The first
        reason stays. Returns the gates whose children were killed."""
        with self._lock:
            if not self.reason:
                self.reason = reason
            handles = list(self._handles)
        return [h.gate for h in handles if h.kill_children()]


@dataclass(eq=False)
class GateHandle:
    """One gate's part of a scope: the children it runs now, and whether it was interrupted."""

    gate: str
    scope: CancelScope
    interrupted: bool = False
    _children: set[subprocess.Popen[str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def reason(self) -> str:
        return self.scope.reason

    def adopt(self, child: subprocess.Popen[str]) -> None:
        """Register a child just started (in its own process group); killed at once if the
        scope was cancelled in the meantime."""
        with self._lock:
            self._children.add(child)
        if self.scope.cancelled:
            self.kill_children()

    def disown(self, child: subprocess.Popen[str]) -> None:
        with self._lock:
            self._children.discard(child)

    def refuse_if_cancelled(self, what: str) -> None:
        """Raise Cancelled (and mark the gate interrupted) when the scope is cancelled."""
        if self.scope.cancelled:
            self.interrupted = True
            raise Cancelled(f"{what} not started: {self.scope.reason}")

    def kill_children(self) -> bool:
        """SIGKILL the process group of every child still running; whether there was one."""
        with self._lock:
            running = [c for c in self._children if c.poll() is None]
            if running:
                self.interrupted = True
        for child in running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
        return bool(running)

    def raise_if_interrupted(self) -> None:
        """In a gate's task after its work: a gate cut short must not leave a (cached) result."""
        if self.interrupted:
            raise Cancelled(f"{self.gate} cancelled: {self.scope.reason}")


def current() -> GateHandle | None:
    """The handle of the gate running in this thread, if it runs in a cancel scope."""
    return _current.get()


@contextlib.contextmanager
def running_as(handle: GateHandle) -> Iterator[GateHandle]:
    """Make `handle` current while a gate is submitted (its thread copies this context)."""
    token = _current.set(handle)
    try:
        yield handle
    finally:
        _current.reset(token)


def raise_if_interrupted() -> None:
    """The current gate's `raise_if_interrupted`; nothing outside a cancel scope."""
    handle = current()
    if handle is not None:
        handle.raise_if_interrupted()


def interruption() -> str | None:
    """Why the current gate was cut short ("tests cancelled: configure failed"), or None: a
    gate's task then ends Cancelled, never Completed, so no half result is cached."""
    handle = current()
    if handle is None or not handle.interrupted:
        return None
    return f"{handle.gate} cancelled: {handle.scope.reason}"
