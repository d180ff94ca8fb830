"""Build gate: an immutable release of each service.

Process backend: a copy of the service's source (and its `include` folders) in the release
store, named by the content hash, written to a temporary folder and renamed into place, so a
release folder is either complete or absent.

Docker backend: the same release folder is then the build context of the service's image
(`golive.backends.images`), tagged with the release id; the result names each image and its id.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from golive.backends import BackendError, images
from golive.files import private_dir
from golive.gates.outputs import BuildOutput, BuiltRelease
from golive.hashing import IGNORED_PARTS, IGNORED_SUFFIXES, tree_digest
from golive.manifest import Manifest, Service
from golive.results import GateResult, failed, passed

GATE = "build"
SPEC_FILE = ".golive-service.json"  # how the release runs, so a rollback starts it as it was built


def release_id(manifest: Manifest, service: Service) -> str:
    roots = [manifest.path(service.source), *(manifest.path(p) for p in service.include)]
    return tree_digest(*roots, extra=[service.model_dump_json()])[:16]


def release_path(store: Path, service: Service, rid: str) -> Path:
    return store / service.name / rid


def _ignore(_dir: str, names: list[str]) -> set[str]:
    return {n for n in names if n in IGNORED_PARTS or Path(n).suffix in IGNORED_SUFFIXES}


def build_release(manifest: Manifest, service: Service, store: Path) -> tuple[str, Path]:
    rid = release_id(manifest, service)
    target = release_path(store, service, rid)
    if target.is_dir():
        return rid, target
    private_dir(target.parent)  # the store's folders are private; the code inside keeps its modes
    staging = Path(tempfile.mkdtemp(prefix=f".{rid}-", dir=target.parent))
    try:
        shutil.copytree(manifest.path(service.source), staging, dirs_exist_ok=True, ignore=_ignore)
        for extra in service.include:
            src = manifest.path(extra)
            if src.is_file():  # e.g. requirements.txt, for an image's pip install
                shutil.copy2(src, staging / src.name)
            else:
                shutil.copytree(src, staging / src.name, ignore=_ignore)
        (staging / SPEC_FILE).write_text(service.model_dump_json(indent=2))
        private_dir(staging)  # copytree gave it the source folder's mode
        staging.rename(target)
    except FileExistsError:
        shutil.rmtree(staging, ignore_errors=True)  # another build of the same content won
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return rid, target


def release_service(path: Path) -> Service:
    """The service spec a release was built with."""
    return Service.model_validate_json((path / SPEC_FILE).read_text())


def build(
    manifest: Manifest, services: list[Service], store: Path, launch_id: int | None = None
) -> GateResult:
    """The build gate: an immutable release of each service (and its image, on docker)."""
    started = time.monotonic()
    releases: dict[str, dict[str, str]] = {}
    try:
        for svc in services:
            rid, path = build_release(manifest, svc, store)
            releases[svc.name] = {"release_id": rid, "path": str(path)}
    except OSError as exc:
        return failed(
            GATE,
            f"release of {svc.name} could not be written: {exc}",
            duration_s=time.monotonic() - started,
        )
    rows: list[dict[str, object]] = [
        {"service": name, "release": r["release_id"]} for name, r in releases.items()
    ]
    if manifest.backend == "docker":
        try:
            rows = images.build_all(manifest, releases, launch_id)
        except (images.ImageBuildError, BackendError) as exc:
            tail = exc.tail if isinstance(exc, images.ImageBuildError) else []
            return failed(
                GATE,
                str(exc),
                details=[{"line": line} for line in tail],
                duration_s=time.monotonic() - started,
            )
    return passed(
        GATE,
        f"{len(releases)} release(s): "
        + ", ".join(f"{n}@{r['release_id'][:8]}" for n, r in releases.items()),
        details=rows,
        output=BuildOutput(
            releases={name: BuiltRelease.model_validate(r) for name, r in releases.items()}
        ),
        duration_s=time.monotonic() - started,
    )
