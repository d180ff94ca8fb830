"""Reading env files, and keeping their values out of everything golive writes.

Values read here are secrets by default: they go to the services' environment and nowhere else.
`Redactor` scrubs them from any text golive did not write itself (a service's log tail, a
command's error output) before that text reaches a summary, an artifact or a log.
"""

from __future__ import annotations

from pathlib import Path

from dotenv import dotenv_values

from golive.errors import GoliveError


def read_env(path: Path) -> dict[str, str]:
    """Keys and values of an env file; a key with no value maps to ''."""
    if not path.is_file():
        raise GoliveError(f"{path}: env file not found; create it from the template")
    try:
        values = dotenv_values(path, interpolate=True)
    except (OSError, UnicodeDecodeError) as exc:
        raise GoliveError(f"{path}: cannot read env file: {type(exc).__name__}") from None
    return {key: value or "" for key, value in values.items()}


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
