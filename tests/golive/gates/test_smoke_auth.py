"""Authenticated smoke checks against a real app on 127.0.0.1: a form login, a captured token
sent as a bearer header, env values in headers and bodies, no retried POST, and redaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from golive.envfile import Redactor
from golive.gates.smoke import CheckOutcome, redacted, smoke, with_providers
from golive.manifest import Service, SmokeCheck
from golive.manifest.traffic import check_captures
from golive.results import GateResult, Status
from tests.golive.gates.auth_app import (
    API_KEY,
    PASSWORD,
    TOKEN,
    USER,
    USER_ID,
    AuthServer,
    auth_app,
)

ENV = {"FIRST_SUPERUSER": USER, "FIRST_SUPERUSER_PASSWORD": PASSWORD, "API_KEY": API_KEY}


def check(name: str, path: str, **kw: Any) -> SmokeCheck:
    return SmokeCheck.model_validate({"name": name, "service": "api", "path": path, **kw})


def login(**kw: Any) -> SmokeCheck:
    form = {"username": "${FIRST_SUPERUSER}", "password": "${FIRST_SUPERUSER_PASSWORD}"}
    capture = {"token": "access_token", "uid": "user.id"}
    return check("login", "/login/access-token", method="POST", form=form, capture=capture, **kw)


def bearer(name: str, path: str, **kw: Any) -> SmokeCheck:
    kw.setdefault("headers", {"Authorization": "Bearer ${token}"})
    return check(name, path, critical=True, **kw)


def api(server: AuthServer) -> list[Service]:
    return [Service(name="api", source=Path("."), command="-", port=server.port)]


def results(result: GateResult) -> dict[str, str]:
    return {row["check"]: row["result"] for row in result.details}


def test_form_login_token_captured_and_sent_as_bearer() -> None:
    checks = [
        login(),
        bearer("me", "/users/me"),
        bearer("by-id", "/users/${uid}"),
        bearer(
            "create",
            "/items",
            method="POST",
            expect=201,
            headers={"Authorization": "Bearer ${token}", "X-Api-Key": "${API_KEY}"},
            body={"name": "from ${FIRST_SUPERUSER}", "tags": ["${uid}"]},
        ),
    ]
    with auth_app() as server:
        result = smoke(checks, api(server), env=ENV)
    assert result.status is Status.PASSED, result.details
    assert set(results(result).values()) == {"ok"}
    assert server.hits[f"GET /users/{USER_ID}"] == 1  # the nested capture filled the path
    assert server.order.index("POST /login/access-token") < server.order.index("GET /users/me")


def test_json_body_is_not_a_form_login() -> None:
    """What the issue saw: a JSON login to a form endpoint answers 422."""
    body = {"username": USER, "password": PASSWORD}
    with auth_app() as server:
        result = smoke(
            [check("login", "/login/access-token", method="POST", body=body)], api(server)
        )
    assert results(result) == {"login": "expected 200, got 422"}


def test_without_the_token_the_endpoint_refuses() -> None:
    with auth_app() as server:
        result = smoke([check("me", "/users/me", critical=True)], api(server))
    assert result.status is Status.FAILED and result.blocks_launch
    assert "expected 200, got 401" in result.summary


def test_a_failed_login_fails_the_checks_that_need_its_token() -> None:
    env = {**ENV, "FIRST_SUPERUSER_PASSWORD": "wrong-password-123"}
    with auth_app() as server:
        result = smoke([login(), bearer("me", "/users/me")], api(server), env=env)
        assert server.hits["GET /users/me"] == 0, "never sent without its token"
    assert results(result) == {
        "login": "expected 200, got 400",
        "me": "no ${token}: check login failed",
    }
    assert result.status is Status.FAILED and "critical check me" in result.summary


def test_a_missing_field_fails_the_capturing_check() -> None:
    first = check(
        "login",
        "/login/access-token",
        method="POST",
        form={"username": USER, "password": PASSWORD},
        capture={"token": "data.token"},
    )
    with auth_app() as server:
        result = smoke([first, bearer("me", "/users/me")], api(server))
    assert results(result) == {
        "login": "capture token: no field data.token in the JSON answer",
        "me": "no ${token}: check login failed",
    }


def test_independent_checks_do_not_wait_for_the_login() -> None:
    """The login answers only after /ping was asked: were the checks run one after another in
    manifest order, the login would get 503 and the check using its token would fail."""
    checks = [login(), bearer("me", "/users/me"), check("ping", "/ping")]
    with auth_app(hold_login=True) as server:
        result = smoke(checks, api(server), env=ENV)
    assert result.status is Status.PASSED, result.details


def test_a_post_is_not_retried_on_a_5xx() -> None:
    charge = check("charge", "/charge", method="POST", attempts=3, body={"amount": 1})
    again = check("again", "/broken", attempts=3)
    with auth_app() as server:
        result = smoke([charge, again], api(server), backoff_s=0.0)
    assert server.hits["POST /charge"] == 1
    assert server.hits["GET /broken"] == 3, "an idempotent GET still is"
    assert {r["check"]: r["attempts"] for r in result.details} == {"charge": 1, "again": 3}


def test_captured_and_env_values_are_redacted_from_the_result() -> None:
    """Whatever text of the result holds them (a summary, a row) loses them."""
    outcome = CheckOutcome(login(), 200, "", 1.0, captured={"token": TOKEN})
    leaky = GateResult(
        "smoke", Status.PASSED, False, 100, f"got {TOKEN} for {USER}", details=[{"t": TOKEN[4:]}]
    )
    env_redactor = Redactor(ENV, ENV.keys())
    clean = redacted(leaky, [outcome], env_redactor)
    text = clean.summary + repr(clean.details)
    assert TOKEN[4:20] not in text and USER not in text
    assert clean.summary == "got <token> for <FIRST_SUPERUSER>"


def test_soft_launch_keeps_the_login_a_critical_check_needs() -> None:
    checks = [check("ping", "/ping"), login(), bearer("me", "/users/me")]
    assert [c.name for c in with_providers([checks[2]], checks)] == ["login", "me"]


def test_a_capture_used_before_it_is_taken_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"smoke\[me\]: uses \$\{token\} before check 'login'"):
        check_captures([bearer("me", "/users/me"), login()])
    with pytest.raises(ValueError, match="'token' is captured by 'login' too"):
        check_captures([login(), login()])


def test_body_and_form_together_are_refused() -> None:
    with pytest.raises(ValidationError, match="give a JSON body or a form, not both"):
        check("x", "/x", method="POST", body={"a": 1}, form={"a": "1"})
