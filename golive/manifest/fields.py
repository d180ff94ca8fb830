"""Field types and validators the manifest's sections share."""

from __future__ import annotations

import re
import shlex
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=40)]
EnvKey = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
# `{port}` is the one placeholder golive fills in; `${VAR}` is the shell's, left alone.
PLACEHOLDER = re.compile(r"(?<!\$)\{([^{}\s]*)\}")


def url_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f'must start with "/" (e.g. "/{value.lstrip()}")')
    return value


def _command(value: str) -> str:
    """A command golive splits into words the way a shell would, and runs without a shell."""
    try:
        words = shlex.split(value)
    except ValueError as exc:
        raise ValueError(f"cannot be split into words: {exc}; close the quote") from None
    if not words:
        raise ValueError("is empty; give the command to run")
    return value


def service_command(value: str) -> str:
    unknown = sorted({p for p in PLACEHOLDER.findall(value) if p != "port"})
    if unknown:
        raise ValueError(f"unknown placeholder {{{unknown[0]}}}; golive fills in only {{port}}")
    return _command(value)


def http_url(value: str | None) -> str | None:
    if value is not None and not re.match(r"https?://[^/\s]+", value):
        raise ValueError("must be an http:// or https:// URL, e.g. http://127.0.0.1:9090")
    return value


UrlPath = Annotated[str, AfterValidator(url_path)]
Command = Annotated[str, AfterValidator(_command)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
