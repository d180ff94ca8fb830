"""Ports for golive's listeners: outside the kernel's ephemeral range, so an outgoing connection
made meanwhile (the machine's own, a test's, Prefect's) never takes a port a rehearsal chose.
CI failed on exactly that: a rehearsal's payments service found its port taken between the
choice and its bind, "address already in use"."""

from __future__ import annotations

import os
import random
import socket
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from golive import ports, rehearsal
from golive.health import port_in_use
from golive.ports import (
    CLAIM_S,
    DYNAMIC,
    candidates,
    claim,
    ephemeral,
    free_ports,
    held,
    hold,
    let_go,
)
from tests.conftest import missing


def kernel_range(tmp_path: Path, low: int, high: int) -> Path:
    path = tmp_path / "ip_local_port_range"
    path.write_text(f"{low}\t{high}\n")
    return path


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (32768, 60999, range(61000, 65536)),  # Linux's default
        (32768, 50000, range(50001, 65536)),
        (55000, 65535, range(49152, 55000)),  # the part below is what is left
        (49152, 65535, None),  # the whole dynamic range is ephemeral
        (1024, 65535, None),
        (32768, 65200, None),  # 335 ports: too few to pick from at random
    ],
)
def test_candidates_are_the_dynamic_range_without_the_ephemeral_one(
    tmp_path: Path, low: int, high: int, expected: range | None
) -> None:
    assert candidates(kernel_range(tmp_path, low, high)) == expected


def test_without_the_kernels_range_the_os_chooses(tmp_path: Path) -> None:
    assert candidates(tmp_path / "absent") is None
    (port,) = free_ports(1, tmp_path / "absent")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def bound(stack: ExitStack, port: int) -> bool:
    sock = stack.enter_context(socket.socket())
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    return True


def test_ports_are_distinct_free_and_outside_the_ephemeral_range() -> None:
    kernel = ephemeral()
    if kernel is None:
        missing("no /proc/sys/net/ipv4/ip_local_port_range: not Linux")
    chosen = free_ports(40)
    assert len(set(chosen)) == 40
    pool = candidates()
    for port in chosen:
        assert port not in kernel
        assert pool is None or port in pool
    with ExitStack() as stack:
        assert all(bound(stack, port) for port in chosen)


def test_a_taken_port_is_never_chosen(tmp_path: Path) -> None:
    """Every candidate held by someone else: the ports come from the OS, none of the held."""
    narrow = kernel_range(tmp_path, 32768, DYNAMIC.stop - 1 - 512)
    pool = candidates(narrow)
    assert pool is not None and len(pool) == 512
    with ExitStack() as stack:
        held = {port for port in pool if bound(stack, port)}
        chosen = free_ports(3, narrow)
        assert not held & set(chosen)
        assert len(set(chosen)) == 3


def test_a_rehearsals_ports_are_chosen_outside_the_ephemeral_range(tmp_path: Path) -> None:
    kernel = ephemeral()
    if kernel is None:
        missing("no /proc/sys/net/ipv4/ip_local_port_range: not Linux")
    moved = rehearsal.ports(tmp_path, {"api": 18101, "payments": 18102, "assistant": 18103})
    assert len(set(moved.values())) == 3
    assert not any(port in kernel for port in moved.values())
    assert rehearsal.ports(tmp_path, {"api": 18101}) == moved  # read back, not chosen again
    assert set(moved.values()) <= held()  # until their services start
    let_go(moved.values())


def test_seeding_the_random_module_does_not_repeat_the_choice() -> None:
    """Two processes seeded alike (a test runner's workers) must not pick the same ports."""
    random.seed(1234)
    first = free_ports(5)
    random.seed(1234)
    assert free_ports(5) != first


def binds_as_a_web_server(port: int) -> bool:
    """Whether a server (SO_REUSEADDR, as uvicorn and nginx set it) could listen on port."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        sock.listen()
        return True


def test_a_held_port_refuses_every_listener_until_let_go() -> None:
    chosen = free_ports(2, hold=True)
    try:
        assert set(chosen) <= held()
        for port in chosen:
            assert not binds_as_a_web_server(port)
            assert not port_in_use(port), "deploy's check must see it free: nothing answers"
    finally:
        let_go(chosen)
    assert not set(chosen) & held()
    assert all(binds_as_a_web_server(port) for port in chosen)


def test_hold_takes_only_free_ports_and_keeps_held_ones() -> None:
    free, taken = free_ports(2)
    with socket.socket() as other:
        other.bind(("127.0.0.1", taken))
        hold([free, taken])
        hold([free])  # held already: nothing changes
        try:
            assert free in held() and taken not in held()
            assert not binds_as_a_web_server(free)
        finally:
            let_go([free, taken])
    assert binds_as_a_web_server(free)


@pytest.fixture
def claims(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A claims folder of the test's own, so its claims keep no other test from a port."""
    folder = tmp_path / "claims"
    monkeypatch.setattr(ports, "CLAIMS", folder)
    return folder


def age(claims: Path, port: int, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(claims / str(port), (then, then))


def test_a_claim_keeps_other_golives_from_a_port_for_a_while(claims: Path) -> None:
    assert claim(64999)
    assert not claim(64999), "claimed a moment ago"
    assert claim(64999, renew=True)
    age(claims, 64999, CLAIM_S + 1)
    assert claim(64999), "an old claim lapses"
    assert not claim(64999)
    assert oct(claims.stat().st_mode & 0o777) == oct(0o700)


def test_a_port_another_golive_claimed_is_never_chosen(claims: Path, tmp_path: Path) -> None:
    """Every candidate but a few claimed (chosen a moment ago, not yet bound by its listener):
    none of those is chosen, though all are free to bind."""
    narrow = kernel_range(tmp_path, 32768, DYNAMIC.stop - 1 - 512)
    pool = candidates(narrow)
    assert pool is not None
    claimed = set(list(pool)[:-5])
    for port in claimed:
        assert claim(port)
    chosen = free_ports(5, narrow)
    assert len(set(chosen)) == 5 and not claimed & set(chosen)


def test_letting_a_held_port_go_claims_it_again_for_its_listener(claims: Path) -> None:
    (port,) = free_ports(1, hold=True)
    age(claims, port, CLAIM_S + 1)  # held for a long Hour 1
    let_go([port])
    assert not claim(port), "just let go: its listener binds it now"
