"""Prometheus for an environment: a generated config, its process, and the API reads gates need.

golive either uses an existing Prometheus (`monitoring.prometheus_url`) or starts its own with
a config generated from the deployed services (which of the two: `golive.monitoring`). A started
Prometheus belongs to the environment, like its services: its state (pid, port, url) is kept in
`<environment>/monitoring/`, beside its config, log and storage, so it keeps watching a live
environment after the launch and a teardown (`stop_prometheus`) can find and stop it. It is not
kept in `run/`, where every file is a deployed service to the process backend.

Its targets come from a file (`targets.json`, file-based service discovery), so a launch starts
it during Hour 1 with what is live now (`prepared_for` the launch) and the monitor gate, after
deploy, only rewrites that file and waits for the new targets' first scrape.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from golive import runner
from golive.files import append_private, write_private
from golive.health import wait_healthy
from golive.manifest import Monitoring, Service
from golive.monitoring.interface import MonitoringError
from golive.ports import free_port

START_MARK = "--- golive: starting prometheus"
NOT_STARTED = "Prometheus did not start: "
ABANDONED = -1  # what `exited` answers once a start is abandoned

# Each service's scrape targets when it does not simply listen on its own port (behind the
# proxy: each release on its internal port): (port, release id) pairs.
Targets = Mapping[str, Sequence[tuple[int, str]]]


class PrometheusError(MonitoringError):
    """Prometheus could not be started, its API answered with an error, or a rule file it
    would load is not rules."""


def monitoring_dir(environment_dir: Path) -> Path:
    return environment_dir / "monitoring"


def _state_file(environment_dir: Path) -> Path:
    return monitoring_dir(environment_dir) / "prometheus.json"


def _state(environment_dir: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(_state_file(environment_dir).read_text()))
    except (OSError, ValueError):
        return None


def find_binary(binary: str) -> str | None:
    """The binary's full path (a name is looked up on PATH), or None when there is none."""
    return shutil.which(binary)


def no_prometheus_reason(monitoring: Monitoring) -> str:
    return (
        f"binary {monitoring.prometheus_binary!r} not found on PATH and no "
        "monitoring.prometheus_url set; install prometheus, or set one of them"
    )


def duration(seconds: float) -> str:
    """Prometheus duration syntax; milliseconds keep sub-second intervals exact."""
    return f"{round(seconds * 1000)}ms"


def scrape_config(
    scrape_interval_s: float, rule_files: list[Path], targets: Path
) -> dict[str, Any]:
    """A config that finds its targets in the `targets` file (file-based service discovery),
    and loads the rule files.

    Discovery from a file lets Prometheus start before deploy (during Hour 1) and pick up the
    deployed services later, when the monitor gate rewrites the file, without a restart.
    """
    interval = duration(scrape_interval_s)
    return {
        "global": {
            "scrape_interval": interval,
            "scrape_timeout": interval,  # may not exceed the interval
            "evaluation_interval": interval,
        },
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [
            {
                "job_name": "golive",
                # Prometheus watches the file; the refresh is only its fallback.
                "file_sd_configs": [{"files": [str(targets)], "refresh_interval": interval}],
            }
        ],
    }


def target_groups(services: list[Service], targets: Targets | None = None) -> list[dict[str, Any]]:
    """One target group per scrape target on 127.0.0.1, its job named after its service, with
    the service's metrics path.

    A service's targets are its own port, or those `targets` gives it; each labelled with its
    release id (`release`, when known), so a query can select one release's series (a canary's
    bake). No `service` label: it would clash with the services' own labels and Prometheus would
    rename theirs to `exported_service`.
    """
    return [
        {
            "targets": [f"127.0.0.1:{port}"],
            "labels": {"job": svc.name, "__metrics_path__": svc.metrics}
            | ({"release": rid} if rid else {}),
        }
        for svc in services
        if svc.metrics  # metrics = "": nothing to scrape, the monitor gate checks health
        for port, rid in (targets or {}).get(svc.name) or [(svc.port, "")]
    ]


def targets_file(environment_dir: Path) -> Path:
    return monitoring_dir(environment_dir) / "targets.json"


def write_targets(
    environment_dir: Path, services: list[Service], targets: Targets | None = None
) -> Path:
    """Make these services the targets of the environment's Prometheus (replaced atomically:
    Prometheus never reads half a file); `targets` as in `target_groups`. A file that holds
    these targets already is left as it is: Prometheus sees no change to pass on."""
    path, text = targets_file(environment_dir), json.dumps(target_groups(services, targets))
    with contextlib.suppress(OSError):
        if path.read_text() == text:
            return path
    return write_private(path, text)


def write_config(environment_dir: Path, config: dict[str, Any]) -> Path:
    return write_private(
        monitoring_dir(environment_dir) / "prometheus.yml", yaml.safe_dump(config, sort_keys=False)
    )


def startup_error(log_path: Path, rule_files: list[Path]) -> str:
    """Why a Prometheus that exited at startup did so: the rule file it rejected if any."""
    try:
        text = log_path.read_text(errors="replace").rsplit(START_MARK, 1)[-1]
    except OSError:
        return "no log"
    errors = re.findall(r'level=error.*?err="((?:[^"\\]|\\.)*)"', text)
    for err in errors:
        for rule_file in rule_files:
            if err.startswith(f"{rule_file}:"):
                detail = err[len(str(rule_file)) + 1 :].strip().replace('\\"', '"')
                return f"rule file {rule_file.name} rejected: {detail}"
    return errors[-1].replace('\\"', '"') if errors else "exited without an error line"


def start_prometheus(
    environment_dir: Path,
    services: list[Service],
    monitoring: Monitoring,
    rule_files: list[Path],
    timeout: float = 30,
    targets: Targets | None = None,
    *,
    prepared_for: int | None = None,
    abandon: Callable[[], bool] | None = None,
) -> str:
    """(Re)start this environment's Prometheus for these services; returns its URL once ready.

    An instance from an earlier launch is stopped first: the services (ports, variant) and the
    rule files may have changed. Its storage is kept. `prepared_for` records the launch that
    started it ahead of deploy (`prepared_url`); `abandon` returning True stops the start
    (a NO-GO decided meanwhile). Raises PrometheusError naming a rejected rule file.
    """
    binary = find_binary(monitoring.prometheus_binary)
    if binary is None:
        raise PrometheusError(no_prometheus_reason(monitoring))
    stop_prometheus(environment_dir)
    folder = monitoring_dir(environment_dir)
    found_in = write_targets(environment_dir, services, targets)
    config = write_config(
        environment_dir, scrape_config(monitoring.scrape_interval_s, rule_files, found_in)
    )
    port = monitoring.listen_port or free_port()
    log_path = folder / "prometheus.log"
    with append_private(log_path) as log:
        log.write(f"{START_MARK} on port {port}\n".encode())
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    mark = runner.new_mark()
    proc = runner.start(argv, cwd=folder, env=runner.child_env(), log_path=log_path, mark=mark)
    url = f"http://127.0.0.1:{port}"
    state = {"pid": proc.pid, "port": port, "url": url, "mark": mark, "prepared_for": prepared_for}
    write_private(_state_file(environment_dir), json.dumps(state))

    def exited() -> int | None:
        if abandon is not None and abandon():
            return ABANDONED
        return proc.poll()

    problem = wait_healthy(f"{url}/-/ready", timeout, exited)
    if problem is not None:
        stop_prometheus(environment_dir)
        if abandon is not None and abandon():
            raise PrometheusError("Prometheus start abandoned")
        detail = startup_error(log_path, rule_files) if proc.poll() is not None else problem
        raise PrometheusError(NOT_STARTED + detail)
    return url


def stop_prometheus(environment_dir: Path, grace_s: float = 10) -> bool:
    """Stop the Prometheus golive started for this environment; True if one was running.

    Its storage, config and log stay (like a service's data); only the state file goes.
    """
    state = _state(environment_dir)
    if state is None:
        return False
    was_alive = runner.owned(state) and runner.stop_group(int(state["pid"]), grace_s)
    _state_file(environment_dir).unlink(missing_ok=True)
    return was_alive


def prepared_url(environment_dir: Path, launch_id: int) -> str | None:
    """The URL of the environment's Prometheus if this launch started it and it still runs."""
    state = _state(environment_dir)
    if state is None or state.get("prepared_for") != launch_id or not runner.owned(state):
        return None
    return str(state["url"])


def running_url(environment_dir: Path) -> str | None:
    """The URL of this environment's started Prometheus if it is still running."""
    state = _state(environment_dir)
    if state is None or not runner.owned(state):
        return None
    return str(state["url"])


def api_get(client: httpx.Client, url: str, path: str, **params: str) -> Any:
    """The `data` of a Prometheus API answer. Raises PrometheusError with its error text."""
    try:
        response = client.get(f"{url}{path}", params=params)
    except httpx.HTTPError as exc:
        raise PrometheusError(f"Prometheus at {url} unreachable: {type(exc).__name__}") from exc
    try:
        body = response.json()
    except ValueError:
        raise PrometheusError(f"{path} answered {response.status_code}, not JSON") from None
    if body.get("status") != "success":
        raise PrometheusError(f"{body.get('errorType', 'error')}: {body.get('error', '?')}")
    return body["data"]


def target_for(service: Service, targets: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The active target that scrapes this service (matched by port and metrics path)."""
    for target in targets:
        scrape = httpx.URL(str(target.get("scrapeUrl", "")))
        if (
            scrape.host in ("127.0.0.1", "localhost")
            and scrape.port == service.port
            and scrape.path == service.metrics
        ):
            return target
    return None


def parse_time(text: str) -> float:
    """A Prometheus RFC 3339 time (nanoseconds, Z) as a Unix timestamp; 0 for the zero time."""
    text = re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00")
    try:
        return max(datetime.fromisoformat(text).timestamp(), 0.0)
    except ValueError:
        return 0.0


def rule_groups(path: Path) -> list[str]:
    """The group names a rule file declares. Raises PrometheusError naming the file."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise PrometheusError(f"rule file {path.name}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise PrometheusError(f"rule file {path.name}: not valid YAML: {exc}") from None
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list) or not all(
        isinstance(g, dict) and g.get("name") for g in groups
    ):
        raise PrometheusError(f"rule file {path.name}: needs a list of named `groups`")
    return [str(g["name"]) for g in groups]
