"""The nginx proxy: one nginx per environment, its config, pid, logs and temporary files all in
the environment's `proxy/` folder (never the system's), listening on the services' public
ports on 127.0.0.1.

nginx runs in the foreground as a child golive started (`daemon off`), its pid kept in the
folder; a later golive knows it is its own by the config its process title names. A route
change rewrites the config and reloads gracefully (`nginx -s reload`: new workers take new
connections, old ones finish theirs). A small control server on an internal port answers the
config's generation, so golive can tell when the reload has taken effect; it then waits until
the old workers are gone, so nothing still in flight can reach a release it is about to stop.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import time
from pathlib import Path

import httpx

from golive import runner
from golive.errors import ToolError
from golive.files import private_dir, write_private
from golive.ports import free_port, let_go
from golive.proxy.interface import ProxyError, ProxyKind, RouteTable, proxy_dir

STATE_FILE = "nginx.json"
GENERATION_PATH = "/golive-generation"
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def render(table: RouteTable, folder: Path, control_port: int, generation: int) -> str:
    """nginx.conf for a route table: one upstream and one server per service that has one."""
    lines = [
        "daemon off;",
        "worker_processes 1;",
        f"pid {folder / 'nginx.pid'};",
        f"error_log {folder / 'logs' / 'error.log'} warn;",
    ]
    if os.geteuid() == 0:
        # Workers run as the user golive runs as: they need its private folders, nothing more.
        lines.append(f"user {getpass.getuser()};")
    lines += ["events { worker_connections 1024; }", "http {"]
    lines += [f"  {kind}_temp_path {folder / 'tmp' / kind};" for kind in TEMP_KINDS]
    lines += [
        "  log_format golive '$msec $status $upstream_addr \"$request\"';",
        f"  access_log {folder / 'logs' / 'access.log'} golive;",
        # An idle keep-alive connection an old worker closes at a reload can meet a client's
        # next request on the way: answered requests close their connection instead.
        "  keepalive_timeout 0;",
        f"  server {{ listen 127.0.0.1:{control_port};"
        f' location = {GENERATION_PATH} {{ return 200 "{generation}"; }} }}',
    ]
    for name, route in sorted(table.services.items()):
        servers = route.upstreams()
        if not servers:
            continue
        lines.append(f"  upstream golive_{name.replace('-', '_')} {{")
        for port, weight, backup in servers:
            lines.append(
                f"    server 127.0.0.1:{port}"
                + (" backup" if backup else f" weight={weight}")
                + ";"
            )
        lines += [
            "  }",
            f"  server {{ listen 127.0.0.1:{route.public_port};",
            "    location / {",
            f"      proxy_pass http://golive_{name.replace('-', '_')};",
            "      proxy_set_header Host $http_host;",
            "      proxy_set_header X-Forwarded-For $remote_addr;",
            "    }",
            "  }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


class NginxProxy:
    kind: ProxyKind = "nginx"

    def __init__(self, environment_dir: Path, binary: str = "nginx", settle_s: float = 30) -> None:
        self.folder = proxy_dir(environment_dir)
        self.binary = binary
        self.settle_s = settle_s

    @property
    def conf(self) -> Path:
        return self.folder / "nginx.conf"

    def _state(self) -> dict[str, object] | None:
        try:
            return dict(json.loads((self.folder / STATE_FILE).read_text()))
        except (OSError, ValueError):
            return None

    def _owned(self, state: dict[str, object] | None) -> bool:
        """Whether the state's pid is the nginx golive started for this folder. nginx writes its
        process title over its environment, so the mark golive puts there cannot be read back;
        its title names the config it runs, which is in this environment's folder."""
        try:
            pid = int(str((state or {}).get("pid", 0)))
            title = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return False
        return pid > 0 and runner.alive(pid) and str(self.conf).encode() in title

    def running(self) -> bool:
        return self._owned(self._state())

    def _signal(self, what: str) -> None:
        done = runner.run(
            [self.binary, "-p", str(self.folder), "-c", str(self.conf), "-s", what], timeout=30
        )
        if not done.ok:
            raise ProxyError(f"nginx -s {what} failed: {done.tail(2)}")

    def apply(self, table: RouteTable) -> None:
        private_dir(self.folder / "logs")
        for kind in TEMP_KINDS:
            private_dir(self.folder / "tmp" / kind)
        state = self._state() if self.running() else None
        generation = int(str(state["generation"])) + 1 if state else 1
        control = int(str(state["control_port"])) if state else free_port()
        write_private(self.conf, render(table, self.folder, control, generation))
        test = runner.run(
            [self.binary, "-t", "-q", "-p", str(self.folder), "-c", str(self.conf)], timeout=30
        )
        if not test.ok:
            raise ProxyError(f"nginx refused its config {self.conf}: {test.tail(2)}")
        old: set[int] = set()
        let_go(route.public_port for route in table.services.values())
        if state is None:
            self._start(control, generation)
        else:
            write_private(
                self.folder / STATE_FILE,
                json.dumps({**state, "generation": generation}),
            )
            old = self._workers()
            self._signal("reload")
        self._settle(control, generation, old)

    def _start(self, control: int, generation: int) -> None:
        proc = runner.start(
            [self.binary, "-p", str(self.folder), "-c", str(self.conf)],
            cwd=self.folder,
            env=runner.child_env(),
            log_path=self.folder / "logs" / "nginx.out",
        )
        state = {"pid": proc.pid, "control_port": control, "generation": generation}
        write_private(self.folder / STATE_FILE, json.dumps(state))

    def _settle(self, control: int, generation: int, old: set[int]) -> None:
        """Wait until the control server answers this generation (the new config takes new
        connections) and every worker of the old config has exited (none accepts or serves a
        connection under the old routes any more)."""
        deadline = time.monotonic() + self.settle_s
        url = f"http://127.0.0.1:{control}{GENERATION_PATH}"
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    answer = client.get(url)
                    if answer.text == str(generation) and not old & self._workers():
                        return
                time.sleep(0.05)
        raise ProxyError(
            f"nginx did not take its new routes within {self.settle_s:g}s; see "
            f"{self.folder / 'logs' / 'error.log'}"
        )

    def _workers(self) -> set[int]:
        """The master's child processes now (its workers)."""
        state = self._state()
        master = int(str(state["pid"])) if state else 0
        found = set()
        for proc in Path("/proc").glob("[0-9]*"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (proc / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                    found.add(int(proc.name))
        return found

    def stop(self) -> bool:
        state = self._state()
        if state is None:
            return False
        was = self._owned(state)
        if was:  # never an nginx golive did not start
            pid = int(str(state["pid"]))
            with contextlib.suppress(ToolError):
                self._signal("quit")  # let requests in flight finish
                deadline = time.monotonic() + self.settle_s
                while runner.alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
            runner.stop_group(pid, grace_s=5)
        (self.folder / STATE_FILE).unlink(missing_ok=True)
        return was
