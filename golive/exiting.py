"""How the golive command ends: everything Python does at exit, except tearing the interpreter
down.

After a launch the interpreter holds Prefect, SQLAlchemy, pydantic and thousands of objects;
freeing them one by one at exit took about a second on a busy 2-core machine, after the verdict
was already printed and recorded, on every launch. `leave` does in order what a normal exit does
that matters (wait for the non-daemon threads, run the atexit handlers, among them logging's
flush, then flush stdout and stderr) and then ends the process at once with the exit status.
Nothing golive writes is left in a buffer: the ledger commits as it goes, report files are
written and closed, Prefect's logs and events are drained by the command itself.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def exit_status(code: object) -> int:
    """The status `sys.exit(code)` would end with: None is 0, an int itself, anything else is
    printed on stderr and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def finish(code: object) -> int:
    """Do what a normal exit does that matters, short of ending the process: the status
    `sys.exit(code)` would end with."""
    status = exit_status(code)
    # The interpreter's own first step at exit: threading's atexit hooks (a thread pool's
    # workers told to stop), then every non-daemon thread joined. A private function, so
    # checked for.
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()  # logging.shutdown among them: its handlers flushed and closed
    for stream in (sys.stdout, sys.stderr):
        # a closed pipe or stream: nothing left to say there
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    return status


def leave(code: object) -> NoReturn:
    """End the process with `code` (as `sys.exit` reads it), skipping the interpreter's teardown.

    Falls back to a normal exit on a Python without the thread shutdown hook this relies on.
    """
    if (
        getattr(threading, "_shutdown", None) is None
        or threading.current_thread() is not threading.main_thread()
    ):
        sys.exit(exit_status(code))
    os._exit(finish(code))
