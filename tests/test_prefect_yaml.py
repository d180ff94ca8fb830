"""prefect.yaml without a server: every deployment's entrypoint loads by module path from any
folder, its parameters validate against the flow's signature and request model, and names,
schedules and the working-directory design are what the README says."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.exceptions import ParameterTypeError
from prefect.flows import Flow, load_flow_from_entrypoint

from flows.approvals import DEADLINE_DEPLOYMENT
from golive.request import LaunchRequest, StagedRequest

REPO = Path(__file__).resolve().parents[1]
SPEC = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
DEPLOYMENTS = {d["name"]: d for d in SPEC["deployments"]}
README = (REPO / "README.md").read_text(encoding="utf-8")

# Parameters a deployment gets per run, from whoever starts it (the staged flow schedules the
# approval deadline with these).
PER_RUN: dict[str, dict[str, Any]] = {
    "approval-deadline": {"flow_run_id": str(uuid.uuid4()), "stage": 2, "timeout_s": 60}
}
REQUEST_MODEL = {"launch": LaunchRequest, "staged-launch": StagedRequest}


def flow_of(name: str) -> Flow[..., Any]:
    return load_flow_from_entrypoint(DEPLOYMENTS[name]["entrypoint"])


def test_the_deployments_the_readme_names() -> None:
    assert set(DEPLOYMENTS) == {
        "full-launch",
        "soft-launch",
        "staged-launch",
        "nightly-rehearsal",
        "approval-deadline",
    }
    for name in DEPLOYMENTS:
        assert f"`{flow_of(name).name}/{name}`" in README, f"the README does not name {name}"
    deadline = flow_of("approval-deadline").name
    assert f"{deadline}/approval-deadline" == DEADLINE_DEPLOYMENT  # the one the staged flow runs


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_entrypoint_loads_by_module_path_from_any_folder(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entrypoint = DEPLOYMENTS[name]["entrypoint"]
    assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+:[a-z_]+", entrypoint), entrypoint
    monkeypatch.chdir(tmp_path)  # no flows/ here: the installed package provides them
    assert isinstance(flow_of(name), Flow)


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_parameters_validate_against_the_flow(name: str) -> None:
    flow = flow_of(name)
    given = DEPLOYMENTS[name].get("parameters", {})
    validated = flow.validate_parameters({**PER_RUN.get(name, {}), **given})
    if model := REQUEST_MODEL.get(flow.name):
        request = validated["request"]
        assert type(request) is model
        assert request.variant == given["request"]["variant"]
        if name.startswith(("soft", "full")):
            assert name == f"{request.variant}-launch"


def test_a_bad_request_is_refused_by_the_model() -> None:
    with pytest.raises(ParameterTypeError, match="variant"):
        flow_of("soft-launch").validate_parameters({"request": {"variant": "half"}})


def test_only_the_nightly_rehearsal_is_scheduled_at_two_utc() -> None:
    nightly = DEPLOYMENTS["nightly-rehearsal"]
    assert nightly["schedules"] == [{"cron": "0 2 * * *", "timezone": "UTC"}]
    assert nightly["parameters"]["request"]["rehearsal"] is True
    assert "every night at 02:00 UTC" in README
    for name, deployment in DEPLOYMENTS.items():
        if name != "nightly-rehearsal":
            # An explicit empty list: an interactive `prefect deploy` asks otherwise.
            assert deployment["schedules"] == [], name


def test_runs_work_in_the_folder_prefect_deploy_ran_in() -> None:
    """The build step prints the deploy folder; the pull step makes it the run's working
    directory. No environment variable is needed at deploy time or on the worker."""
    (build,) = SPEC["build"]
    step = build["prefect.deployments.steps.run_shell_script"]
    assert step["script"] == "pwd"
    (pull,) = SPEC["pull"]
    directory = pull["prefect.deployments.steps.set_working_directory"]["directory"]
    assert directory == "{{ " + step["id"] + ".stdout }}"
    assert "$" not in yaml.safe_dump(SPEC)  # no {{ $VAR }}: empty unless set, and says nothing
    for deployment in DEPLOYMENTS.values():
        assert deployment["work_pool"]["name"] == "golive"
        assert "pull" not in deployment and "build" not in deployment
