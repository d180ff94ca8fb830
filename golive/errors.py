"""Errors a user can act on: each renders as one line naming the file, field or command."""

from __future__ import annotations


class GoliveError(Exception):
    """Bad input or a missing tool: the CLI prints the message and exits 2, never a traceback."""


class ManifestError(GoliveError):
    """The launch manifest is missing, malformed, or names something that is not there."""


class ToolError(GoliveError):
    """An external command could not be started or did not finish in time."""


class EnvironmentBusy(GoliveError):
    """Another launch holds the environment and this one was told not to wait."""
