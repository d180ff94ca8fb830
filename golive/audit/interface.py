"""The boundary of the audit: a source of findings, what it reports, and how it fails.

A source audits one dependency file at a time (pip-audit a requirements file, npm audit a lock
file) and returns a Report of findings, or raises an AuditError whose message is the gate's
one-line summary. An audit that could not be done is never taken for a clean one.

These errors are the audit's own runtime failures; they are not golive.errors.GoliveError,
which means bad input that stops the CLI with exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from golive.audit.severity import UNKNOWN, Severity

MAX_QUOTE = 240  # characters of a tool's output quoted in a one-line summary


@dataclass(frozen=True)
class Finding:
    """One vulnerability in one package version, as a scanner reported it."""

    package: str
    version: str
    id: str
    aliases: frozenset[str] = frozenset()
    severity: Severity = UNKNOWN
    fixed_in: tuple[str, ...] = ()

    @property
    def ids(self) -> frozenset[str]:
        """The id and every alias: the names this vulnerability is known by."""
        return self.aliases | {self.id}


@dataclass(frozen=True)
class Report:
    """What one source found in one dependency file."""

    findings: tuple[Finding, ...]
    evidence: Path  # the tool's own answer, kept
    audited: int = 0  # packages checked one by one (pip-audit's pins; npm audits a lock whole)
    not_audited: tuple[str, ...] = ()  # "name: reason" for each package the tool skipped


class FindingSource(Protocol):
    """Audits one dependency file: pip-audit over requirements, npm audit over a lock file."""

    def audit(self, path: Path, out: Path) -> Report:
        """The findings for path, the tool's answer written to out (and named as evidence).

        Raises AuditError when the audit could not be done; out may then hold the tool's
        error answer.
        """
        ...


class AuditError(Exception):
    """The audit could not be done: the message is the gate's one-line summary."""


class AuditInputError(AuditError):
    """A requirements or lock file the manifest names is missing or cannot be read."""


class AdvisoryDataError(AuditInputError):
    """The advisory records are missing, or a file among them is not an OSV record."""


class ScannerFailed(AuditError):
    """pip-audit or npm audit failed on a file: the summary names it and the tool's last error."""


class AdvisoryServiceUnreachable(AuditError):
    """An advisory service did not answer: the file was not audited, whatever the tool says."""


def quote(text: str) -> str:
    """text on one line and at most MAX_QUOTE characters, for a summary that quotes a tool."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"
