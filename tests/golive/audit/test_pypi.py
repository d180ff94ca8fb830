"""golive.audit.pypi: how pip-audit's answers are read, a service that is not there included."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from golive.audit import AdvisoryServiceUnreachable, ScannerFailed
from golive.audit.pypi import AdvisoryService, PipAudit, audit_file, findings
from golive.audit.severity import UNKNOWN, Rating, Severity


def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def unanswered_osv() -> AdvisoryService:
    """A local OSV endpoint that nothing serves."""
    return AdvisoryService("osv", f"http://127.0.0.1:{closed_port()}/v1/query")


def test_a_service_that_does_not_answer_is_unreachable_not_clean(tmp_path: Path) -> None:
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("urllib3==1.24.1\n")
    with pytest.raises(AdvisoryServiceUnreachable, match=r"osv: .*(Connection|refused)") as err:
        audit_file(reqs, unanswered_osv(), tmp_path / "out.json", timeout=30)
    assert str(err.value).startswith("pip-audit could not reach its advisory service (osv: ")
    assert "audit.advisories" in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "out.json").exists()


def test_a_pip_audit_error_names_the_file_and_its_cause(tmp_path: Path) -> None:
    # --no-deps cannot audit an unpinned requirement: pip-audit exits 1 without a report.
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("requests\n")
    with pytest.raises(ScannerFailed, match="not pinned") as err:
        PipAudit(unanswered_osv(), timeout=30).audit(reqs, tmp_path / "out.json")
    assert str(err.value).startswith(f"pip-audit failed on {reqs} (exit 1): ")


def test_findings_take_the_worst_severity_of_any_id() -> None:
    dependencies: list[dict[str, Any]] = [
        {"name": "demo", "version": "1.0", "vulns": [
            {"id": "PYSEC-1", "aliases": ["CVE-1", "PYSEC-2"], "fix_versions": ["1.1"]},
            {"id": "PYSEC-3", "fix_versions": []},
        ]},
        {"name": "private", "skip_reason": "Dependency not found on PyPI"},
    ]  # fmt: skip
    severities = {"PYSEC-2": Severity(Rating.CRITICAL, 9.8), "PYSEC-1": Severity(Rating.LOW, 3)}
    first, second = findings(dependencies, severities)
    assert (first.id, first.aliases, str(first.severity), first.fixed_in) == (
        "PYSEC-1", frozenset({"CVE-1", "PYSEC-2"}), "9.8 critical", ("1.1",),
    )  # fmt: skip
    assert (second.id, second.severity, second.fixed_in) == ("PYSEC-3", UNKNOWN, ())
