"""flows.publishing's background artifacts: sent in the run's context, all there once the flow
has waited for them, and one the API refuses is a warning, not a crashed launch."""

from __future__ import annotations

import logging

import pytest
from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.runtime import flow_run

from flows.publishing import artifacts_sent, send_artifact

pytestmark = pytest.mark.usefixtures("prefect_harness")


@flow
def sends(keys: list[str]) -> str:
    for key in keys:
        send_artifact(create_markdown_artifact, key=key, markdown=f"# {key}\n")
    artifacts_sent()
    return str(flow_run.get_id())


def artifact_keys(run_id: str) -> list[str]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    return sorted(str(a.key) for a in found)


def test_every_artifact_sent_belongs_to_the_run_once_it_has_waited() -> None:
    keys = [f"sent-{n}" for n in range(12)]
    assert artifact_keys(sends(keys)) == sorted(keys)


def test_an_artifact_the_api_refuses_is_a_warning_and_the_others_are_made(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        run_id = sends(["first", "Not A Key", "last"])  # keys are lowercase and dashes only
    assert artifact_keys(run_id) == ["first", "last"]
    refused = [r.getMessage() for r in caplog.records if "not created" in r.getMessage()]
    assert len(refused) == 1 and refused[0].startswith("artifact Not A Key not created: ")
