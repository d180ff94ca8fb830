"""Retrying what an API answers while it is busy: 429, 502, 503, 504 and dropped connections.

One small helper for golive's own calls to the Prefect API (through Prefect's client, whose
errors are httpx errors) and for raw HTTP calls (tests' helpers): a few tries, with doubling
waits between them, bounded in count; any other answer or error is returned or raised at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
TRIES = 5
FIRST_WAIT_S = 0.25
MAX_WAIT_S = 4.0


def is_transient(exc: BaseException) -> bool:
    """Whether an error is worth another try: a busy answer, or a connection that failed."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in TRANSIENT_STATUS
    # ConnectError, ReadError, RemoteProtocolError (a connection reset), the timeouts.
    return isinstance(exc, httpx.TransportError | ConnectionError)


def retry_transient(
    call: Callable[[], T],
    *,
    tries: int = TRIES,
    first_wait_s: float = FIRST_WAIT_S,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """call(), tried again after a transient error (`is_transient`), at most `tries` times in
    all, waiting first_wait_s, then twice that, … (at most MAX_WAIT_S) in between."""
    wait = first_wait_s
    for attempt in range(1, tries + 1):
        try:
            return call()
        except Exception as exc:
            if attempt == tries or not is_transient(exc):
                raise
        sleep(wait)
        wait = min(wait * 2, MAX_WAIT_S)
    raise AssertionError("unreachable: the last try returns or raises")


def request(method: str, url: str, *, tries: int = TRIES, **kwargs: Any) -> httpx.Response:
    """An HTTP request retried on transient answers (`retry_transient`); the last answer is
    returned as it is, transient or not, so the caller sees what the server said."""

    def once() -> httpx.Response:
        response = httpx.request(method, url, **kwargs)
        if response.status_code in TRANSIENT_STATUS:
            response.raise_for_status()  # an HTTPStatusError: retried
        return response

    try:
        return retry_transient(once, tries=tries)
    except httpx.HTTPStatusError as exc:
        return exc.response
