"""A gate result with its secrets redacted: summary and every text in its details."""

from __future__ import annotations

from golive.envfile import Redactor
from golive.gates.outputs import MigrateOutput
from golive.results import failed


def test_a_redacted_result_keeps_everything_but_the_secrets() -> None:
    secret = "Zq7vK2mP9xW4tR8nB3cL6hD1"
    output = MigrateOutput(before=None, heads=("0003",))
    result = failed(
        "deploy",
        f"service api did not become healthy: jwt {secret[:10]} rejected",
        details=[
            {"service": "api", "tail": f"key {secret[4:20]}", "code": 3},
            {"lines": [f"a {secret}", "plain"], "nested": {"why": secret[-9:]}},
        ],
        evidence=["/srv/golive/launches/1/evidence/api.log"],
        output=output,
    )
    redacted = result.redacted(Redactor({"JWT_SECRET": secret}, ["JWT_SECRET"]))
    assert redacted.summary == "service api did not become healthy: jwt <JWT_SECRET> rejected"
    assert redacted.details == [
        {"service": "api", "tail": "key <JWT_SECRET>", "code": 3},
        {"lines": ["a <JWT_SECRET>", "plain"], "nested": {"why": "<JWT_SECRET>"}},
    ]
    assert (redacted.status, redacted.blocking, redacted.evidence, redacted.output) == (
        result.status,
        result.blocking,
        result.evidence,
        output,
    )
