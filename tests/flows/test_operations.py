"""Running launches as a team does: one launch per environment, and the verdict posted to a
webhook whose URL lives in a Prefect Secret block (a real local HTTP receiver here)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from prefect.blocks.system import Secret

from flows.launch import run_launch
from golive.envfile import read_env
from golive.errors import GoliveError
from golive.ledger import open_ledger
from golive.request import LaunchRequest

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "golive_home")]


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/T0KEN-s3cr3t-path", received
    server.shutdown()


def break_jwt(target: Path) -> None:
    env_file = target.parent / ".env.production"
    env_file.write_text(env_file.read_text().replace("JWT_SECRET=", "JWT_SECRET=changeme\n#", 1))


def test_a_second_launch_on_a_busy_environment_is_refused_naming_the_running_one(
    target: Path,
) -> None:
    ledger = open_ledger()
    running = ledger.start_launch(
        target="azora", environment="production", variant="full", rehearsal=False, flow_run_id=None
    )
    assert ledger.lock_environment("production", running, None, lease_s=600) is None
    with pytest.raises(GoliveError, match=f"environment production is busy: launch {running} "):
        run_launch(LaunchRequest(manifest=str(target), variant="soft"))
    refused = ledger.recent_launches(1)[0]
    assert refused.verdict == "REFUSED" and f"launch {running}" in refused.reasons
    # Another environment is not affected.
    other = run_launch(
        LaunchRequest(manifest=str(target), variant="soft", environment="staging", rehearsal=True)
    )
    assert other["verdict"] == "GO"


def test_a_queued_launch_waits_for_the_environment(
    target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("flows.lock.QUEUE_POLL_S", 0.5)
    ledger = open_ledger()
    running = ledger.start_launch(
        target="azora", environment="production", variant="full", rehearsal=False, flow_run_id=None
    )
    ledger.lock_environment("production", running, None, lease_s=600)

    def finish_later() -> None:
        time.sleep(3)
        ledger.finish_launch(running, "GO", [])  # a finished holder lets go

    threading.Thread(target=finish_later).start()
    report = run_launch(
        LaunchRequest(
            manifest=str(target),
            variant="soft",
            if_busy="queue",
            queue_timeout_s=60,
            rehearsal=False,
        )
    )
    assert report["verdict"] == "GO"
    after = ledger.start_launch(
        target="azora", environment="production", variant="full", rehearsal=False, flow_run_id=None
    )
    # and it let go at the end:
    assert ledger.lock_environment("production", after, None, lease_s=600) is None


def test_no_go_is_posted_to_the_webhook_without_secrets(target: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    url, received = receiver
    Secret(value=url).save("golive-test-webhook", overwrite=True)
    break_jwt(target)
    report = run_launch(
        LaunchRequest(
            manifest=str(target),
            variant="soft",
            rehearsal=True,
            webhook_secret_block="golive-test-webhook",
        )
    )
    assert report["verdict"] == "NO-GO"
    (message,) = received
    assert message["verdict"] == "NO-GO" and message["launch_id"] == report["launch_id"]
    assert [g["gate"] for g in message["failing_gates"]] == ["configure"]
    assert message["text"].startswith("NO-GO: azora soft rehearsal to production-rehearsal")
    launch = open_ledger().launch(report["launch_id"])
    assert launch is not None and launch.flow_run_id
    assert str(message["flow_run_url"]).endswith(f"/flow-run/{launch.flow_run_id}")
    values = [v for k, v in read_env(target.parent / ".env.production").items() if k != "APP_ENV"]
    assert not any(v in json.dumps(message) for v in values if len(v) >= 6)


def test_go_is_posted_only_when_asked(target: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    url, received = receiver
    Secret(value=url).save("golive-test-webhook", overwrite=True)
    quiet = run_launch(
        LaunchRequest(
            manifest=str(target),
            variant="soft",
            rehearsal=True,
            webhook_secret_block="golive-test-webhook",
        )
    )
    assert quiet["verdict"] == "GO" and received == []
    loud = run_launch(
        LaunchRequest(
            manifest=str(target),
            variant="soft",
            rehearsal=True,
            notify="always",
            webhook_secret_block="golive-test-webhook",
        )
    )
    assert loud["verdict"] == "GO" and [m["verdict"] for m in received] == ["GO"]
