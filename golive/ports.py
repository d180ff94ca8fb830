"""Choosing TCP ports on 127.0.0.1 for the listeners golive starts: a rehearsal's services, a
release's internal port behind the proxy, Prometheus, locust's master, a local Prefect server.

A port the OS picks (binding port 0) comes from the kernel's ephemeral range, the same range it
takes the local port of every outgoing connection from. Between the choice and the listener's
bind, seconds at times (a rehearsal chooses its ports before its Hour 1), any connection on the
machine can take that port, and the service then fails with "address already in use". So ports
come from IANA's dynamic range (49152-65535, never assigned to a service) with the kernel's
ephemeral range taken out, where only another listener can collide; the OS's choice only where
no such port is left (a kernel whose ephemeral range covers the whole dynamic range).

Another listener can still take a port in that window: another launch, Prometheus or a test
choosing the same free port. So a port chosen long before its listener starts (a rehearsal's
service ports, chosen before Hour 1) is held: its socket stays bound, never listening, so every
other bind of it fails (every chooser here tries binding first and moves on), while a connection
to it is refused as to a free port. Whoever starts its listener lets it go just before.

That leaves the moments between a port's release (or its choice, for a listener started at
once) and its listener's bind, a second or two for a Python service to import. So every chosen
port, and every port a listener is started on, is also claimed for CLAIM_S seconds, in a folder
every golive of this user on the machine reads: no other golive (another launch, a test run
beside it) chooses a claimed port.
"""

from __future__ import annotations

import os
import random
import socket
import tempfile
import threading
import time
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path

DYNAMIC = range(49152, 65536)
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Below this many candidates, random picks would collide with each other too often.
FEWEST_CANDIDATES = 512
TRIES_PER_PORT = 50
# The OS's randomness, not the random module's: a process that seeds that one (a test runner
# giving every worker the same seed) would make concurrent processes pick the same ports.
_PICK = random.SystemRandom()
# How long a claim keeps other golives from choosing a port: far more than a listener takes to
# bind it once started.
CLAIM_S = 60.0
# Where the claims are: one empty file per port, its mtime when it was claimed.
CLAIMS = Path(tempfile.gettempdir()) / f"golive-ports-{os.getuid()}"
# Ports this process holds for a listener that starts later, with their bound sockets.
_HELD: dict[int, socket.socket] = {}
_HELD_LOCK = threading.Lock()


def ephemeral(ephemeral_range: Path = EPHEMERAL_RANGE) -> range | None:
    """The kernel's ephemeral port range, None when it cannot be read (not Linux)."""
    try:
        low, high = (int(n) for n in ephemeral_range.read_text().split())
    except (OSError, ValueError):
        return None
    return range(low, high + 1)


def candidates(ephemeral_range: Path = EPHEMERAL_RANGE) -> range | None:
    """The larger part of the dynamic range outside the kernel's ephemeral range, or None when
    that part is too small or the kernel's range cannot be read (not Linux)."""
    kernel = ephemeral(ephemeral_range)
    if kernel is None:
        return None
    below = range(DYNAMIC.start, max(DYNAMIC.start, min(kernel.start, DYNAMIC.stop)))
    above = range(min(DYNAMIC.stop, max(kernel.stop, DYNAMIC.start)), DYNAMIC.stop)
    best = max(below, above, key=len)
    return best if len(best) >= FEWEST_CANDIDATES else None


def _bound(stack: ExitStack, port: int) -> socket.socket | None:
    """A socket bound to 127.0.0.1:port, kept open by stack, or None when the port is taken or
    another golive claimed it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        return None
    if not claim(port):
        sock.close()
        return None
    return stack.enter_context(sock)


def _claims_dir() -> Path | None:
    """The claims' folder, made private; None when it is not ours (then nothing is claimed)."""
    try:
        CLAIMS.mkdir(mode=0o700, exist_ok=True)
        info = CLAIMS.lstat()
    except OSError:
        return None
    return CLAIMS if info.st_uid == os.getuid() and CLAIMS.is_dir() else None


def claim(port: int, renew: bool = False) -> bool:
    """Claim port for a listener about to bind it: False when another golive claimed it within
    CLAIM_S seconds (unless `renew`: its claimer claims it again, for the time it takes now)."""
    folder = _claims_dir()
    if folder is None:
        return True
    path = folder / str(port)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return True
    except FileExistsError:
        pass
    except OSError:
        return True  # claims cannot be written: choose as without them
    try:
        if not renew and time.time() - path.stat().st_mtime < CLAIM_S:
            return False
        os.utime(path)
    except FileNotFoundError:  # released meanwhile: free to claim
        return claim(port, renew)
    except OSError:
        return True
    return True


def free_ports(
    count: int, ephemeral_range: Path = EPHEMERAL_RANGE, hold: bool = False
) -> list[int]:
    """`count` distinct ports nobody is bound to now. Each stays bound until all are chosen, so
    none is chosen twice; they are free again when this returns, for the listeners to take, or
    with `hold` kept bound until `let_go`."""
    pool = candidates(ephemeral_range)
    chosen: list[int] = []
    with ExitStack() as stack:
        for _ in range(count):
            picks = _PICK.sample(pool, min(TRIES_PER_PORT, len(pool))) if pool else []
            sock = next((s for p in picks if (s := _bound(stack, p)) is not None), None)
            if sock is None:  # none left outside the ephemeral range: the OS's choice
                sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
                sock.bind(("127.0.0.1", 0))
            chosen.append(int(sock.getsockname()[1]))
            if hold:
                with _HELD_LOCK:
                    _HELD[chosen[-1]] = sock
        if hold:
            stack.pop_all()  # the held sockets stay open
    return chosen


def free_port() -> int:
    """One port nobody is bound to now (see free_ports)."""
    return free_ports(1)[0]


def hold(ports: Iterable[int]) -> None:
    """Hold those of `ports` that nobody is bound to now (see the module's docstring); a port
    already held or taken is left as it is."""
    for port in ports:
        with _HELD_LOCK:
            if port in _HELD:
                continue
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            _HELD[port] = sock


def let_go(ports: Iterable[int]) -> None:
    """Unbind the held ones of `ports`, for their listener to bind now; and claim each (held or
    not: a service restarted on its port), so no other golive chooses it before."""
    for port in ports:
        with _HELD_LOCK:
            sock = _HELD.pop(port, None)
        if sock is not None:
            sock.close()
        claim(port, renew=True)


def held() -> set[int]:
    """The ports this process holds."""
    with _HELD_LOCK:
        return set(_HELD)
