"""What a launch is asked to do: the flow parameters, as pydantic models.

The Prefect UI renders these as forms (the descriptions become help text); scripts pass them
as JSON with `prefect deployment run … -p request='{…}'`. Defaults point at the example.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Environment = str


class LaunchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    manifest: str = Field(
        "examples/azora/launch.toml",
        description="The target's launch.toml; a relative path resolves against the project "
        "folder (where `prefect deploy` ran).",
    )
    variant: Literal["full", "soft"] = Field(
        "full",
        description="full: every service, all smoke checks, a load test. "
        "soft: core services, critical smoke checks, no load test.",
    )
    environment: str = Field(
        "production",
        pattern=r"^[a-z][a-z0-9-]*$",
        max_length=60,
        description="The environment to launch into.",
    )
    rehearsal: bool = Field(
        False, description="Launch into a disposable copy of the environment, torn down after."
    )
    if_busy: Literal["refuse", "queue"] = Field(
        "refuse",
        description="When another launch runs in the same environment: refuse this one, or "
        "queue it until that one ends (up to queue_timeout_s).",
    )
    queue_timeout_s: int = Field(1800, ge=0, description="How long a queued launch waits.")
    lease_s: int = Field(
        60,
        ge=5,
        le=3600,
        description="The environment lock is a lease the running launch renews; if it dies, "
        "the next launch takes over (and recovers) this many seconds after its last renewal.",
    )
    override_freeze: str | None = Field(
        None,
        min_length=1,
        description="Launch although a freeze window covers now: why (recorded in the ledger "
        "with who ran it). Rehearsals are never frozen.",
    )
    notify: Literal["never", "no-go", "always"] = Field(
        "no-go", description="When to post the verdict to the webhook."
    )
    webhook_secret_block: str | None = Field(
        None, description="Name of a Prefect Secret block holding the webhook URL."
    )
    plan: bool = Field(
        False,
        description="Only plan: publish what the launch would do as a `launch-plan` artifact "
        "and end, running no gate and changing nothing (as `golive plan`).",
    )
    resume_launch: int | None = Field(
        None,
        ge=1,
        description="Resume this NO-GO or CRASHED launch (same manifest, environment, variant): "
        "Hour 1 gates that passed with unchanged inputs are reused from the ledger, the rest run.",
    )


class StagedRequest(LaunchRequest):
    variant: Literal["full", "soft"] = Field(
        "full", description="Staged launches deploy every service; soft limits to core ones."
    )
    approval_timeout_s: int = Field(
        86400, ge=1, description="How long each stage waits for its approval before aborting."
    )
    # A staged launch records each stage's results and resumes its own run after an approval;
    # resuming an earlier failed launch from its first failed gate is the launch flow's.
    resume_launch: None = Field(None, description="Not for staged launches: use a launch.")
    ramp: list[int] = Field(
        default_factory=list,
        description="Stage 3's load ramp (user counts to step through); empty: the manifest's "
        "[load] ramp.",
    )
