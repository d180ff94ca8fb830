"""The manifest's checks against the running system: smoke checks and the load profile.

Smoke check values (headers, form fields, body strings, the path) may hold `${NAME}`: a key of
the production env file, or a capture an earlier check (in manifest order) takes from its JSON
answer. Captures are checked here; env keys against the env file in golive.validate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from golive.manifest.fields import EnvKey, Strict, UrlPath

# `${NAME}` in a smoke check's values: an env key or an earlier check's capture.
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
CaptureName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
JsonPath = Annotated[str, Field(pattern=r"^[^.\s]+(\.[^.\s]+)*$")]


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON-like value (keys of objects are left as written)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# The security kinds: the service refuses a burst, refuses a caller without credentials, sends
# its security headers. "status" is the plain check: the status is `expect`.
SmokeKind = Literal["status", "rate-limit", "auth-required", "headers"]
CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")


class SmokeCheck(Strict):
    name: str
    service: str
    kind: SmokeKind = Field("status", description="what the check asserts (see the README)")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] = "GET"
    path: UrlPath
    body: dict[str, Any] | None = Field(None, description="a JSON body")
    form: dict[str, str] | None = Field(
        None, description="an application/x-www-form-urlencoded body (instead of body)"
    )
    headers: dict[str, str] = Field(default_factory=dict)
    capture: dict[CaptureName, JsonPath] = Field(
        default_factory=dict,
        description="name -> field of the JSON answer (dotted for nested fields), for later checks",
    )
    expect: int = Field(200, ge=100, le=599)
    critical: bool = False
    timeout: float = Field(5, gt=0)
    attempts: int = Field(
        3,
        ge=1,
        le=10,
        description="tries when the connection is refused or the answer is an unexpected 5xx;"
        " a 4xx is never retried, nor a 5xx to a POST or PATCH",
    )

    requests: int | None = Field(
        None, ge=2, le=1000, description="rate-limit: how many requests the burst may send"
    )
    within_s: float | None = Field(
        None, gt=0, le=600, description="rate-limit: the time the burst is sent within"
    )
    expect_headers: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9-]+$")]] = Field(
        default_factory=list, description="headers: the answer must carry each of these"
    )

    @model_validator(mode="after")
    def _one_body(self) -> SmokeCheck:
        if self.body is not None and self.form is not None:
            raise ValueError("form: give a JSON body or a form, not both")
        return self

    @model_validator(mode="after")
    def _fits_its_kind(self) -> SmokeCheck:
        burst = self.kind == "rate-limit"
        if burst and (self.requests is None or self.within_s is None):
            raise ValueError(
                "requests: a rate-limit check needs requests and within_s (e.g. requests = 50,"
                " within_s = 10)"
            )
        if not burst and (self.requests is not None or self.within_s is not None):
            raise ValueError('requests: requests and within_s are for kind = "rate-limit" only')
        if burst and self.capture:
            raise ValueError("capture: a rate-limit check has no single answer to capture from")
        if (self.kind == "headers") != bool(self.expect_headers):
            raise ValueError(
                'expect_headers: give the headers a kind = "headers" check expects, and only there'
            )
        if self.kind == "auth-required":
            if "expect" in self.model_fields_set:
                raise ValueError("expect: an auth-required check expects 401 or 403")
            sent = [h for h in self.headers if h.lower() in CREDENTIAL_HEADERS]
            if sent:
                raise ValueError(
                    f"headers: an auth-required check asks without credentials; remove {sent[0]}"
                )
        return self

    def expected(self) -> str:
        """What the check expects, as its row in the smoke table says it."""
        if self.kind == "rate-limit":
            return f"a 429 within {self.requests} requests in {self.within_s:g} s"
        if self.kind == "auth-required":
            return "401 or 403 without credentials"
        if self.kind == "headers":
            return f"{self.expect} with {', '.join(self.expect_headers)}"
        return str(self.expect)

    def references(self) -> set[str]:
        """The `${NAME}`s its path, headers, form and body use."""
        texts = [self.path, *self.headers.values(), *_strings(self.form), *_strings(self.body)]
        return {name for text in texts for name in REFERENCE.findall(text)}


def check_captures(checks: list[SmokeCheck]) -> None:
    """A capture is used only after the check that takes it, and named once."""
    taken: dict[str, str] = {}
    later = {name: c.name for c in checks for name in c.capture}
    for check in checks:
        for name in sorted(check.references()):
            if name not in taken and name in later:
                raise ValueError(
                    f"smoke[{check.name}]: uses ${{{name}}} before check {later[name]!r} captures"
                    " it; put that check first"
                )
        for name in check.capture:
            if name in taken:
                raise ValueError(
                    f"smoke[{check.name}].capture: {name!r} is captured by {taken[name]!r} too"
                )
            taken[name] = check.name


class LoadProfile(Strict):
    locustfile: Path
    host_service: str
    env: list[EnvKey] = Field(
        default_factory=list,
        description="keys of the production env file locust gets in its environment",
    )
    users: int = Field(10, ge=1, le=1000)
    spawn_rate: float = Field(5, gt=0)
    duration_s: int = Field(10, ge=1, le=3600)
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="locust worker processes; above 1 a master spreads the users over them",
    )
    p50_ms: float | None = Field(None, gt=0, description="limit on the median response time")
    p95_ms: float = Field(500, gt=0)
    p99_ms: float | None = Field(None, gt=0)
    max_failure_ratio: float = Field(0.01, ge=0, le=1)
    min_rps: float | None = Field(None, gt=0, description="requests/s the run must reach")
    ramp: list[Annotated[int, Field(ge=1, le=1000)]] = Field(
        default_factory=list,
        description="user counts of a staged launch's load ramp, increasing, e.g. [5, 10, 20]",
    )

    @model_validator(mode="after")
    def _ramp_increases(self) -> LoadProfile:
        if any(b <= a for a, b in zip(self.ramp, self.ramp[1:], strict=False)):
            raise ValueError("ramp: user counts must strictly increase, e.g. [5, 10, 20]")
        return self
