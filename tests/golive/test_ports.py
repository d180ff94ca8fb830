"""Ports for golive's listeners: outside the kernel's ephemeral range, so an outgoing connection
made meanwhile (the machine's own, a test's, Prefect's) never takes a port a rehearsal chose.
CI failed on exactly that: a rehearsal's payments service found its port taken between the
choice and its bind, "address already in use"."""

from __future__ import annotations

import random
import socket
from contextlib import ExitStack
from pathlib import Path

import pytest

from golive import rehearsal
from golive.health import port_in_use
from golive.ports import DYNAMIC, candidates, ephemeral, free_ports, held, hold, let_go
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
