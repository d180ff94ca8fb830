"""`[audit] not_audited`: a target with nothing to audit says why, and the gate warns."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from golive.gates.audit import audit
from golive.manifest.checks import Audit
from golive.results import Status


def test_an_audit_of_nothing_warns_with_the_manifests_reason(tmp_path: Path) -> None:
    """A target with nothing golive can audit here (npm audit needs the registry's advisory
    service) says why; the gate warns with that reason, it never passes."""
    with pytest.raises(ValidationError, match="or say why nothing is audited"):
        Audit.model_validate({})
    spec = Audit.model_validate({"not_audited": "npm audit cannot reach its service"})
    result = audit(spec, tmp_path, tmp_path / "e")
    assert result.status is Status.WARNED and not result.blocking
    assert result.summary == "nothing audited: npm audit cannot reach its service"
