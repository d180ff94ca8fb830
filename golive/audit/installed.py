"""What the target's interpreter has installed, as a pinned requirements file pip-audit reads;
and requirements files that pin one package twice, said plainly before pip-audit sees them.

`[audit] installed = true` audits the target as it runs, with no requirements file to keep in
step: the target's interpreter lists its distributions with importlib.metadata (no pip needed
in the target's virtualenv), golive writes them as `name==version` lines, and that file is
audited like any other.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from golive import runner
from golive.audit.interface import AuditInputError, quote
from golive.audit.pypi import requirement_files
from golive.errors import ToolError
from golive.files import write_private
from golive.manifest import Target

# Run by the target's interpreter (isolated, -I: not the working folder's metadata, no PYTHON*
# variables): one "name==version" line per installed distribution, in sys.path order, so the
# first of a name is the one an import would use.
LISTING = (
    "import importlib.metadata as m\n"
    "for d in m.distributions():\n"
    "    name = d.metadata['Name']\n"
    "    if name: print(f'{name}=={d.version}')\n"
)
_COMMENT = re.compile(r"(^|\s+)#.*$")


def target_python(target: Target, root: Path) -> str:
    """The target's interpreter: `[target] python` (relative to the manifest's folder) when
    the manifest names one, else golive's own."""
    python = getattr(target, "python", None)
    # Not resolved: a virtualenv's python is a symlink, and resolving it leaves the virtualenv.
    return str(root / python) if python else sys.executable


def installed_pins(python: str, timeout: float = 60) -> list[str]:
    """`name==version` for each distribution the interpreter has installed, sorted, each once."""
    try:
        done = runner.run([python, "-I", "-c", LISTING], timeout=timeout, env=runner.target_env([]))
    except ToolError as exc:
        raise AuditInputError(f"cannot list what {python} has installed: {exc}") from exc
    if not done.ok:
        raise AuditInputError(
            f"cannot list what {python} has installed (exit {done.returncode}):"
            f" {quote(done.tail(2))}"
        )
    pins: dict[str, str] = {}
    for line in done.stdout.splitlines():
        name, _, version = line.strip().partition("==")
        if name and version:
            pins.setdefault(canonicalize_name(name), f"{name}=={version}")
    return sorted(pins.values(), key=str.lower)


def write_installed(python: str, out: Path, timeout: float = 60) -> Path:
    """The interpreter's installed distributions as a pinned requirements file at out."""
    header = f"# installed in {python}, listed by golive for the audit\n"
    write_private(out, header + "".join(f"{pin}\n" for pin in installed_pins(python, timeout)))
    return out


def duplicate_pins(path: Path) -> list[str]:
    """'NAME at FILE:LINE and FILE:LINE' for each package asked for more than once by path and
    the files it includes (pip-audit stops on those with an error of its own)."""
    seen: dict[str, list[str]] = {}
    for file in requirement_files(path):
        for number, line in _logical_lines(file.read_text(encoding="utf-8")):
            words = line.split()
            cut = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
            try:
                name = canonicalize_name(Requirement(" ".join(words[:cut])).name)
            except InvalidRequirement:
                continue  # options, includes, paths and URLs: no name to pin twice
            seen.setdefault(name, []).append(f"{file.name}:{number}")
    twice = sorted((name, places) for name, places in seen.items() if len(places) > 1)
    return [f"{name} at {' and '.join(places)}" for name, places in twice]


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(number of its first line, text) per logical line: continuations joined, comments cut."""
    logical: list[tuple[int, str]] = []
    parts: list[str] = []
    start = 1
    for number, raw in enumerate(text.splitlines(), start=1):
        if not parts:
            start = number
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            parts.append(stripped[:-1])
            continue
        line = _COMMENT.sub("", " ".join([*parts, raw])).strip()
        parts = []
        if line:
            logical.append((start, line))
    return logical


def check_duplicates(path: Path) -> None:
    """Raise AuditInputError naming each package path pins twice, and the lines."""
    try:
        twice = duplicate_pins(path)
    except OSError:
        return  # a missing or unreadable file is reported where it is read
    if twice:
        raise AuditInputError(
            f"{path.name}: pinned more than once: {'; '.join(twice)}; keep one pin of each"
        )
