"""Errors golive reports to a person: each renders as one line naming the file, field or
command and what to do, never a traceback. The tree, with what the `golive` command exits with:

    GoliveError                 the base: one line, never a traceback
    ├── InputError              exit 2: bad input; fix it and run again, nothing was changed
    │   ├── ManifestError       the manifest is missing, malformed, or names what is not there
    │   ├── EnvFileError        an env file is missing or unreadable
    │   └── LedgerError         the ledger database (GOLIVE_LEDGER_URL) cannot be opened
    ├── Refused                 exit 3: the launch was not started, nothing was changed
    │   ├── EnvironmentBusy     another launch holds the environment
    │   └── Frozen              a freeze window holds the environment (golive.freeze)
    └── OperationFailed         exit 4: golive could not do what was asked
        ├── ToolError           an external command is missing, failed to start or timed out
        │                       (golive.backends.BackendError: a service runtime failed)
        ├── BackupError         a database backup could not be taken or restored
        ├── LaunchCrashed       the launch flow ended without a verdict
        └── Cancelled           a gate's work was stopped: another gate already blocked

Exit 0 is GO and 1 is NO-GO. Inside a gate an OperationFailed is that gate's failure (so the
launch is NO-GO and undone), never a crash of the launch. A boundary whose failures a gate
turns into its result keeps its own exceptions, outside this tree (golive.audit's AuditError,
golive.monitoring's MonitoringError, the image builder's ImageBuildError): they are not bad
input, and never leave their gate.
"""

from __future__ import annotations


class GoliveError(Exception):
    """Something a person must act on; `exit_code` is what the `golive` command exits with."""

    exit_code = 4


class InputError(GoliveError):
    """Bad input: a file, field, option or setting to fix. Found before anything changes."""

    exit_code = 2


class ManifestError(InputError):
    """The launch manifest is missing, malformed, or names something that is not there."""


class EnvFileError(InputError):
    """An env file is missing or cannot be read."""


class LedgerError(InputError):
    """The ledger database cannot be opened (GOLIVE_LEDGER_URL, or GOLIVE_HOME's ledger.db)."""


class Refused(GoliveError):
    """The launch was not started; nothing was changed. Try again later."""

    exit_code = 3


class EnvironmentBusy(Refused):
    """Another launch holds the environment and this one was told not to wait."""


class Frozen(Refused):
    """A freeze window (`[[freeze]]`) covers now and the launch did not override it."""


class OperationFailed(GoliveError):
    """golive could not do what was asked: the world failed, not the input."""

    exit_code = 4


class ToolError(OperationFailed):
    """An external command could not be started or did not finish in time."""


class BackupError(OperationFailed):
    """A database backup could not be taken, checked or restored."""


class LaunchCrashed(OperationFailed):
    """The launch flow ended without reaching a verdict."""


class Cancelled(OperationFailed):
    """A gate's command was stopped or not started: another gate had already decided NO-GO
    (golive.cancel). The flow reports that gate as cancelled, not failed."""
