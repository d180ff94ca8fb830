"""golive.audit.interface: the audit's errors are its own, never "bad input, exit 2"."""

from __future__ import annotations

import pytest

from golive.audit import (
    AdvisoryDataError,
    AdvisoryServiceUnreachable,
    AuditError,
    AuditInputError,
    ScannerFailed,
)
from golive.audit.interface import MAX_QUOTE, quote
from golive.errors import GoliveError


@pytest.mark.parametrize(
    "error", [AuditInputError, AdvisoryDataError, ScannerFailed, AdvisoryServiceUnreachable]
)
def test_every_audit_error_is_an_audit_error_and_no_golive_error(error: type[Exception]) -> None:
    assert issubclass(error, AuditError)
    assert not issubclass(error, GoliveError)


def test_advisory_data_is_an_input_of_the_audit() -> None:
    assert issubclass(AdvisoryDataError, AuditInputError)


def test_quote_makes_one_short_line() -> None:
    assert (
        quote("npm ERR!  code  ENOLOCK\n  missing lockfile ")
        == "npm ERR! code ENOLOCK missing lockfile"
    )
    long = quote("x" * 1000)
    assert len(long) == MAX_QUOTE and long.endswith("…")
