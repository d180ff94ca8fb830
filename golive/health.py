"""Where a deployed service answers; waiting for it to become healthy, with backoff; and
checking whether something listens on a port (golive/ports.py chooses free ones)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import httpx

from golive.manifest import Service


def service_url(service: Service, path: str = "") -> str:
    """A deployed service's URL (services listen on 127.0.0.1, whatever the backend)."""
    return f"http://127.0.0.1:{service.port}{path}"


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_healthy(url: str, timeout: float, exited: Callable[[], int | None]) -> str | None:
    """Poll url until it answers 2xx. Returns None when healthy, else why not.

    Connection errors while the process starts are expected and retried with backoff (the only
    transient failure here); a process that has exited stops the wait at once.
    """
    deadline = time.monotonic() + timeout
    delay, last = 0.1, "no answer"
    with httpx.Client(timeout=2.0) as client:
        while True:
            code = exited()
            if code is not None:
                return f"exited with code {code}"
            try:
                response = client.get(url)
                if response.is_success:
                    return None
                last = f"health answered {response.status_code}"
            except httpx.HTTPError as exc:
                last = f"health check failed: {type(exc).__name__}"
            if time.monotonic() + delay > deadline:
                return f"not healthy within {timeout:g}s ({last})"
            time.sleep(delay)
            # A quarter of a second at most: a refused local connection costs nothing, and each
            # service's start waited up to a longer step after it was already healthy.
            delay = min(delay * 1.5, 0.25)
