"""Filling an env file's secret keys with strong random values, in place and atomically.

Only the lines of the keys filled change; every other line, comment and blank line stays as it
was. The file is rewritten through a temporary file in the same folder and `os.replace`, so a
crash leaves either the old file or the new one, never half of one; the result is mode 0600
because it now holds a secret.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

from dotenv.parser import Binding, parse_stream

from golive.files import write_private

# 48 random bytes: 64 URL-safe characters, well above the 32-byte minimum, and nothing in the
# alphabet needs quoting or triggers `${}` interpolation.
SECRET_BYTES = 48


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def fill_secrets(
    path: Path, keys: Sequence[str], needs_value: Callable[[str, str | None], bool]
) -> list[str]:
    """Give each of `keys` a new random value where `needs_value(key, current)` says so.

    `current` is None for a key the file does not set. Returns the keys filled (no values);
    the file is left untouched when there are none.
    """
    text = path.read_text(encoding="utf-8")
    bindings = list(parse_stream(io.StringIO(text)))
    last = {b.key: i for i, b in enumerate(bindings) if b.key is not None and not b.error}
    current = {b.key: b.value for b in bindings if b.key is not None and not b.error}
    filled = [k for k in dict.fromkeys(keys) if needs_value(k, current.get(k))]
    if not filled:
        return []
    parts = [b.original.string for b in bindings]
    for key in filled:
        if key in last:
            # The last binding is the one a reader of the file gets, so that is the one replaced.
            parts[last[key]] = _rebound(bindings[last[key]], new_secret())
    appended = [f"{key}={new_secret()}\n" for key in filled if key not in last]
    if appended and parts and not parts[-1].endswith(("\n", "\r")):
        parts.append("\n")
    write_private(path, "".join(parts + appended))
    return filled


def _rebound(binding: Binding, value: str) -> str:
    """The binding's text with a new value: leading blank lines, `export` and newline kept."""
    text = binding.original.string
    body = text.lstrip()
    leading = text[: len(text) - len(body)]
    export = "export " if re.match(r"export[^\S\r\n]+", body) else ""
    newline = "\r\n" if text.endswith("\r\n") else "\n" if text.endswith(("\n", "\r")) else ""
    return f"{leading}{export}{binding.key}={value}{newline}"
