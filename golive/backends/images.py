"""Container images of a release: one per service, built by a Docker engine from the release
folder (the service's source and its `include` entries, with the service's Dockerfile).

An image is tagged `golive/<target>-<service>:<release_id>`; the release id is the content
hash of the build context, so a tag that exists is a build that already happened and is not
repeated. Images are never removed here: a rollback runs the previous release's image again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.backends.interface import BackendError
from golive.manifest import Manifest

BASE_IMAGE_ENV = "GOLIVE_BASE_IMAGE"
LABEL_PREFIX = "golive."
TAIL_LINES = 8
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # pip colours its errors; a report wants the words


class ImageBuildError(Exception):
    """A Dockerfile step failed: which step, and the last lines it wrote."""

    def __init__(self, service: str, step: str, tail: list[str]) -> None:
        self.service, self.step, self.tail = service, step, tail
        last = tail[-1] if tail else "no output"
        super().__init__(f"image of {service} failed at {step or 'the first step'}: {last}")


@dataclass(frozen=True)
class BuiltImage:
    tag: str
    image_id: str
    cached: bool  # the tag already existed: nothing was built


def client(timeout: float = 120) -> Any:
    """A Docker SDK client for the engine named by DOCKER_HOST (default: the local socket).

    Raises BackendError, naming what to do, when no engine answers.
    """
    # Imported here, the process backend never needs it; from docker.client, because the
    # project's own docker/ folder shadows the SDK's top-level package for mypy.
    from docker.client import from_env
    from docker.errors import DockerException

    try:
        engine = from_env(timeout=int(timeout))
        engine.ping()
    except DockerException as exc:
        where = os.environ.get("DOCKER_HOST", "the local socket")
        raise BackendError(
            f"no Docker engine answers at {where}: start dockerd (see .ci/docker.sh) or set"
            f" DOCKER_HOST ({type(exc).__name__})"
        ) from None
    return engine


def image_tag(target: str, service: str, release_id: str) -> str:
    return f"golive/{target}-{service}:{release_id}"


def base_image(manifest_value: str | None) -> str | None:
    """The base image to build from: the environment's choice first (a machine without a
    registry has its own local one), then the manifest's; None keeps the Dockerfile default."""
    return os.environ.get(BASE_IMAGE_ENV) or manifest_value or None


def labels(target: str, service: str, release_id: str, launch_id: int | None) -> dict[str, str]:
    found = {"target": target, "service": service, "release": release_id}
    if launch_id is not None:
        found["launch"] = str(launch_id)
    return {LABEL_PREFIX + key: value for key, value in found.items()}


def existing(engine: Any, tag: str, base: str | None) -> str | None:
    """The id of the image with this tag, if it was built from the same base image."""
    from docker.errors import ImageNotFound

    try:
        image = engine.images.get(tag)
    except ImageNotFound:
        return None
    built_from = (image.labels or {}).get(LABEL_PREFIX + "base-image", "")
    return str(image.id) if built_from == (base or "") else None


def _stream_lines(chunks: Iterable[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(kind, text) pairs from the engine's build stream: kind is 'line' or 'error'."""
    for chunk in chunks:
        if "error" in chunk or "errorDetail" in chunk:
            detail = chunk.get("errorDetail") or {}
            yield "error", str(chunk.get("error") or detail.get("message") or "build failed")
        for line in ANSI.sub("", str(chunk.get("stream", ""))).splitlines():
            if line.strip():
                yield "line", line.rstrip()


def _follow(service: str, chunks: Iterable[dict[str, Any]]) -> None:
    """Read a build stream to its end; raise ImageBuildError naming the step that failed."""
    step, tail = "", list[str]()
    for kind, text in _stream_lines(chunks):
        if kind == "error":
            raise ImageBuildError(service, step, [*tail[-(TAIL_LINES - 1) :], text.strip()])
        if text.startswith("Step "):
            step, tail = text, []  # output before this step belongs to steps that worked
        elif not text.startswith(" ---> "):  # the engine's own bookkeeping lines
            tail.append(text.strip())


def build_image(
    engine: Any,
    context: Path,
    tag: str,
    image_labels: dict[str, str],
    base: str | None,
    timeout: float,
) -> BuiltImage:
    """Build context/Dockerfile as tag, unless an image with that tag and base exists."""
    from docker.errors import APIError

    service = image_labels.get(LABEL_PREFIX + "service", tag)
    found = existing(engine, tag, base)
    if found:
        return BuiltImage(tag, found, cached=True)
    if not (context / "Dockerfile").is_file():
        raise ImageBuildError(service, "the build context", [f"no Dockerfile in {context.name}"])
    try:
        # The classic builder through the engine API; host network because pip in a RUN step
        # reaches the package index only that way here (there is no bridge).
        chunks = engine.api.build(
            path=str(context),
            tag=tag,
            buildargs={"BASE_IMAGE": base} if base else {},
            labels={**image_labels, LABEL_PREFIX + "base-image": base or ""},
            network_mode="host",
            rm=True,
            forcerm=True,
            decode=True,
            timeout=int(timeout),
        )
        _follow(service, chunks)
        image_id = str(engine.images.get(tag).id)
    except APIError as exc:
        raise ImageBuildError(service, "the build request", [str(exc.explanation or exc)]) from None
    return BuiltImage(tag, image_id, cached=False)


def present(tags: Iterable[str]) -> bool:
    """Whether every tag names an image the engine has (a cached build may name deleted ones)."""
    from docker.errors import ImageNotFound

    engine = client()
    try:
        for tag in tags:
            engine.images.get(tag)
    except ImageNotFound:
        return False
    return True


def build_all(
    manifest: Manifest, releases: dict[str, dict[str, str]], launch_id: int | None
) -> list[dict[str, object]]:
    """Build (or find) the image of every release; adds `image` and `image_id` to each entry.

    Returns the build gate's detail rows. Raises ImageBuildError or BackendError.
    """
    from requests.exceptions import RequestException  # docker's transport: as docker itself

    settings = manifest.docker
    engine = client(timeout=settings.build_timeout)
    base = base_image(settings.base_image)
    target = manifest.target.name
    rows: list[dict[str, object]] = []
    for name, rel in releases.items():
        tag = image_tag(target, name, rel["release_id"])
        try:
            built = build_image(
                engine,
                Path(rel["path"]),
                tag,
                labels(target, name, rel["release_id"], launch_id),
                base,
                settings.build_timeout,
            )
        except RequestException as exc:  # the engine stopped answering mid-build
            raise ImageBuildError(name, "the build request", [type(exc).__name__]) from None
        rel.update(image=built.tag, image_id=built.image_id)
        rows.append(
            {
                "service": name,
                "release": rel["release_id"],
                "image": built.tag,
                "image id": built.image_id.removeprefix("sha256:")[:12],
                "built": "cached" if built.cached else "now",
            }
        )
    return rows
