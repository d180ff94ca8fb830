"""A rehearsal chooses its services' ports when it starts and its services bind them at deploy,
seconds later. CI failed on another listener taking one in between ("port 61275 of service api
is in use by another process"): so golive holds them bound, never listening, until deploy
starts the service. Here a listener tries to take them in between, for real: the target's own
second suite, which the tests gate runs after the ports were chosen and before deploy, binds
each as a web server does (SO_REUSEADDR) and keeps whatever it got listening in a process of its
own."""

from __future__ import annotations

import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.launch import run_launch
from golive import ports, settings
from golive.rehearsal import PORTS_FILE
from golive.request import LaunchRequest
from tests.flows.test_launch import edit

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

POACHER = '''
"""Take every port of the rehearsal that can be taken, as another server would."""
import json
import os
import socket
import subprocess
import sys

def test_take_the_rehearsals_ports():
    chosen = json.loads(open(os.environ["POACH_PORTS"]).read())
    taken, refused = [], []
    for port in chosen.values():
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            refused.append(port)
            continue
        sock.listen()
        taken.append(sock)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)"],
        pass_fds=[s.fileno() for s in taken],
        start_new_session=True,
    )
    result = {
        "chosen": chosen,
        "taken": [s.getsockname()[1] for s in taken],
        "refused": refused,
        "holder": holder.pid,
    }
    open(os.environ["POACH_RESULT"], "w").write(json.dumps(result))
'''


@pytest.fixture
def poached(target: Path, golive_home: Path, tmp_path: Path) -> Iterator[Path]:
    """The example with the poaching suite; yields where it writes what it got, and stops the
    process holding what it took afterwards."""
    (target.parent / "poach_test.py").write_text(POACHER)
    result = tmp_path / "poached.json"
    ports_file = settings.environment_dir("production-rehearsal") / PORTS_FILE
    suite = (
        "[[suites]]\n"
        'name = "poacher"\n'
        'command = "python -m pytest -q poach_test.py -p no:cacheprovider '
        '--junitxml=.golive-reports/poacher.xml"\n'
        'junit = ".golive-reports/poacher.xml"\n'
        'database = "none"\n'
        f'env = {{ POACH_PORTS = "{ports_file}", POACH_RESULT = "{result}" }}\n\n'
    )
    edit(target, "[[services]]", suite + "[[services]]")
    yield result
    if result.exists():
        os.kill(json.loads(result.read_text())["holder"], signal.SIGKILL)


def test_no_listener_takes_a_rehearsals_port_before_its_service_binds_it(
    poached: Path, target: Path
) -> None:
    report = run_launch(LaunchRequest(manifest=str(target), rehearsal=True, variant="soft"))
    got = json.loads(poached.read_text())
    chosen = got["chosen"]
    assert set(chosen) == {"api", "payments", "assistant"}
    assert got["taken"] == [], "another listener took a rehearsal port before deploy"
    assert sorted(got["refused"]) == sorted(chosen.values())
    assert report["verdict"] == "GO", report["reasons"]
    # Once the launch is over, none is held: the assistant's, which the soft variant never
    # started, is free for anyone again.
    assert not ports.held() & set(chosen.values())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", chosen["assistant"]))
