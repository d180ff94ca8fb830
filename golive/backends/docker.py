"""Docker backend: each service a container of its release's image, on the host network.

Containers carry labels (golive.environment, golive.service, golive.release and a scope that
is a hash of the environment's folder), so a later `golive` command finds what an earlier one
started without any state file; two golive homes with an environment of the same name never
see each other's containers. The environment folder records that it runs on docker
(`interface.record_kind`), so `golive status` and `golive down` need no manifest.

Behind the proxy a service runs as instances named `<service>.<release>-<port>` (two of them
side by side during a switch), each a container of the service's image listening on its own
internal port on the host network; the image is the service's, whatever the instance's name.

Env values reach a container as its environment and are never logged. The environment's data
folder is mounted at the same path, so a SQLite URL resolved on the host works inside.
"""

from __future__ import annotations

import contextlib
import hashlib
import shlex
from pathlib import Path
from typing import Any

from golive.backends import images
from golive.backends.interface import BackendError, BackendKind, record_kind, service_of
from golive.files import append_private, private_dir
from golive.manifest import Service
from golive.ports import let_go

LABEL = images.LABEL_PREFIX


class DockerBackend:
    kind: BackendKind = "docker"

    def __init__(
        self,
        environment_dir: Path,
        environment: str,
        target: str | None = None,
        restart_retries: int = 3,
    ) -> None:
        self.environment_dir = environment_dir
        self.environment = environment
        self.target = target
        self.restart_retries = restart_retries
        self.scope = hashlib.sha256(str(environment_dir.resolve()).encode()).hexdigest()[:8]
        self._engine: Any = None

    @property
    def engine(self) -> Any:
        if self._engine is None:
            self._engine = images.client()
        return self._engine

    def container_name(self, service: str) -> str:
        return f"golive-{self.environment}-{service}-{self.scope}"

    def _container(self, name: str) -> Any:
        from docker.errors import NotFound

        try:
            return self.engine.containers.get(self.container_name(name))
        except NotFound:
            return None

    def _ours(self, all_states: bool) -> list[Any]:
        found = self.engine.containers.list(
            all=all_states, filters={"label": [f"{LABEL}scope={self.scope}"]}
        )
        return list(found)

    def start(
        self, service: Service, release_path: Path, release_id: str, env: dict[str, str]
    ) -> None:
        from docker.errors import ImageNotFound

        if self.target is None:
            raise BackendError("docker backend: no target name, so no image to start")
        tag = images.image_tag(self.target, service_of(service.name), release_id)
        self.stop(service.name)  # a stopped container of the same name would block the name
        data = self.environment_dir / "data"
        private_dir(data)
        record_kind(self.environment_dir, self.kind)
        let_go([service.port])  # host networking: the container binds it
        try:
            self.engine.containers.run(
                tag,
                shlex.split(service.command.replace("{port}", str(service.port))),
                name=self.container_name(service.name),
                detach=True,
                environment=env,
                network_mode="host",
                restart_policy={"Name": "on-failure", "MaximumRetryCount": self.restart_retries},
                labels={
                    f"{LABEL}environment": self.environment,
                    f"{LABEL}service": service.name,
                    f"{LABEL}release": release_id,
                    f"{LABEL}scope": self.scope,
                },
                volumes={str(data): {"bind": str(data), "mode": "rw"}},
            )
        except ImageNotFound:
            raise BackendError(
                f"image {tag} of service {service_of(service.name)} is missing: run the build"
                " gate again"
            ) from None

    def stop(self, name: str, grace_s: float = 10) -> None:
        from docker.errors import APIError, NotFound

        container = self._container(name)
        if container is None:
            return
        with contextlib.suppress(NotFound):
            container.stop(timeout=int(grace_s))
            self._keep_logs(name, container)
            # A container that is already going away answers 409: it is gone either way.
            with contextlib.suppress(APIError):
                container.remove(force=True)

    def _keep_logs(self, name: str, container: Any) -> None:
        """Save what the container wrote beside the process backend's logs (launch evidence)."""
        release = (container.labels or {}).get(f"{LABEL}release", "?")
        text = container.logs().decode(errors="replace")
        with append_private(self.environment_dir / "logs" / f"{name}.log") as log:
            log.write(f"--- golive: container of release {release}\n{text}".encode())

    def running(self) -> dict[str, str]:
        found = {}
        for container in self._ours(all_states=False):
            labels = container.labels or {}
            found[labels[f"{LABEL}service"]] = labels.get(f"{LABEL}release", "")
        return dict(sorted(found.items()))

    def exit_code(self, name: str) -> int | None:
        from docker.errors import NotFound

        container = self._container(name)
        if container is None:
            return None
        with contextlib.suppress(NotFound):
            container.reload()
        state = container.attrs.get("State", {})
        # A restarting container has exited too: at deploy time a crash is a failure, even
        # though the restart policy would try again (that policy is for later, rarer crashes).
        if state.get("Status") in ("exited", "dead") or (
            state.get("Status") == "restarting" and state.get("ExitCode")
        ):
            return int(state.get("ExitCode", 0))
        return None

    def log_tail(self, name: str, lines: int = 3) -> str:
        container = self._container(name)
        if container is None:
            return ""
        text = container.logs(tail=lines).decode(errors="replace")
        return " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())

    def stop_all(self) -> None:
        for container in self._ours(all_states=True):
            service = (container.labels or {}).get(f"{LABEL}service")
            if service:
                self.stop(service)
            else:
                container.remove(force=True)
