"""The dependency audit: advisory data, the scanners that read it, and the policy that decides.

Modules:

- interface: the boundary. FindingSource (audits one dependency file), Finding, Report, and
  the error tree below.
- pypi: PipAudit, the FindingSource over pinned requirements files (pip-audit's CLI), and
  reading requirements files (names, includes).
- npm: NpmAudit, the FindingSource over package-lock.json files (`npm audit`).
- osv: OSV advisory records loaded from a folder or zip export, and the local endpoint that
  serves them to pip-audit.
- severity: CVSS v3/v4 scores and ratings, or UNKNOWN.
- policy: merging findings that are one vulnerability, and the decision each one gets.

The gate itself (golive.gates.audit) puts them together.

Errors: the audit's own, raised when an audit could not be done; the message is the gate's
one-line summary. None is a golive.errors.GoliveError (bad input that exits 2 at the CLI): a
failed audit is a failed gate.

    AuditError                        the audit could not be done
    ├── AuditInputError               a requirements or lock file is missing or unreadable
    │   └── AdvisoryDataError         the advisory records are missing or not OSV records
    ├── ScannerFailed                 pip-audit or npm audit failed on a file
    └── AdvisoryServiceUnreachable    an advisory service did not answer: nothing was audited
"""

from golive.audit import osv
from golive.audit.interface import (
    AdvisoryDataError,
    AdvisoryServiceUnreachable,
    AuditError,
    AuditInputError,
    Finding,
    FindingSource,
    Report,
    ScannerFailed,
)
from golive.audit.npm import NpmAudit
from golive.audit.policy import Decision, Kind, Policy, merge, row
from golive.audit.pypi import (
    AdvisoryService,
    PipAudit,
    evidence_paths,
    requirement_files,
    requirement_names,
)
from golive.audit.severity import Rating, Severity, of_record

__all__ = [
    "AdvisoryDataError",
    "AdvisoryService",
    "AdvisoryServiceUnreachable",
    "AuditError",
    "AuditInputError",
    "Decision",
    "Finding",
    "FindingSource",
    "Kind",
    "NpmAudit",
    "PipAudit",
    "Policy",
    "Rating",
    "Report",
    "ScannerFailed",
    "Severity",
    "evidence_paths",
    "merge",
    "of_record",
    "osv",
    "requirement_files",
    "requirement_names",
    "row",
]
