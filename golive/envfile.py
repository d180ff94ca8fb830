"""Reading env files, and keeping their values out of everything golive writes.

Values read here are secrets by default: they go to the services' environment and nowhere else.
`Redactor` scrubs them from any text golive did not write itself (a service's log tail, a
command's error output) before that text reaches a summary, an artifact or a log.

Parsing is python-dotenv's (quoting, `export`, comments, `${VAR}` interpolation), so golive reads
a file exactly as the services will; `parse_env` adds what a launch check needs on top: the line
of each key, the keys set twice, and the lines python-dotenv skipped.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import Binding, parse_stream

from golive.errors import EnvFileError


@dataclass(frozen=True)
class Duplicate:
    """A key bound again on `line` after `first_line`; the last binding is the one that counts."""

    key: str
    line: int
    first_line: int


@dataclass(frozen=True)
class EnvFile:
    """One parsed env file: interpolated values, and where each key was set."""

    path: Path
    values: dict[str, str]
    lines: dict[str, int]
    duplicates: list[Duplicate] = field(default_factory=list)
    unparsed_lines: list[int] = field(default_factory=list)


def binding_line(binding: Binding) -> int:
    """The 1-based line a binding's key is on.

    python-dotenv marks a binding where its leading blank lines start, so skip those.
    """
    text = binding.original.string
    leading = text[: len(text) - len(text.lstrip())].replace("\r\n", "\n")
    return binding.original.line + leading.count("\n") + leading.count("\r")


def parse_text(text: str, path: Path) -> EnvFile:
    """Parse env file text, interpolating `${VAR}` and `${VAR:-default}` as python-dotenv does."""
    lines: dict[str, int] = {}
    duplicates: list[Duplicate] = []
    unparsed: list[int] = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            unparsed.append(binding_line(binding))
        elif binding.key is not None:
            line = binding_line(binding)
            if binding.key in lines:
                duplicates.append(Duplicate(binding.key, line, lines[binding.key]))
            lines[binding.key] = line
    raw = dotenv_values(stream=io.StringIO(text), interpolate=True)
    values = {key: value or "" for key, value in raw.items()}
    return EnvFile(path, values, lines, duplicates, unparsed)


def parse_env(path: Path) -> EnvFile:
    """Read and parse an env file; an unreadable one is a GoliveError naming the file."""
    if not path.is_file():
        raise EnvFileError(f"{path}: env file not found; create it from the template")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(f"{path}: cannot read env file: {type(exc).__name__}") from None
    return parse_text(text, path)


def read_env(path: Path) -> dict[str, str]:
    """Keys and values of an env file; a key with no value maps to ''."""
    return parse_env(path).values


def resolve_database_url(url: str, data_dir: Path) -> str:
    """Make a relative SQLite path live in the environment's data folder.

    `sqlite:///azora.db` in a production env file then means "this environment's azora.db", so
    a rehearsal gets its own disposable database from the same file.
    """
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((data_dir / url[len(prefix) :]).resolve())
    return url


class Redactor:
    """Replaces every known secret value in a text with its key name."""

    MIN_LENGTH = (
        6  # shorter values ("1", "true", "production") are not secrets and would mangle text
    )

    def __init__(self, values: dict[str, str]) -> None:
        pairs = [(v, k) for k, v in values.items() if len(v) >= self.MIN_LENGTH]
        self._pairs = sorted(pairs, key=lambda p: len(p[0]), reverse=True)

    def __call__(self, text: str) -> str:
        for value, key in self._pairs:
            text = text.replace(value, f"<{key}>")
        return text
