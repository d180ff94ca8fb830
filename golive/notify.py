"""Telling people the verdict: a JSON message posted to a webhook.

The message holds the verdict, the failing gates and a link to the flow run; it is built
from the report, which never holds a secret. The webhook URL itself is a secret (it often
carries a token), so no error or log line here names it.
"""

from __future__ import annotations

from typing import Any

import httpx


def message(report: dict[str, Any], run_url: str | None) -> dict[str, Any]:
    failing = [g for g in report["gates"] if g["blocking"]]
    headline = (
        f"{report['verdict']}: {report['target']} {report['variant']} "
        f"{'rehearsal ' if report['rehearsal'] else ''}to {report['environment']}"
    )
    return {
        "text": headline + (f" — {failing[0]['gate']}: {failing[0]['summary']}" if failing else ""),
        "verdict": report["verdict"],
        "launch_id": report["launch_id"],
        "score": report["score"],
        "failing_gates": [{"gate": g["gate"], "summary": g["summary"]} for g in failing],
        "flow_run_url": run_url,
    }


def should_notify(policy: str, verdict: str) -> bool:
    return policy == "always" or (policy == "no-go" and verdict != "GO")


def post(url: str, body: dict[str, Any], timeout: float = 10) -> str | None:
    """Post the message; None on success, else why not (never the URL)."""
    try:
        response = httpx.post(url, json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"webhook unreachable: {type(exc).__name__}"
    if response.is_error:
        return f"webhook answered {response.status_code}"
    return None
