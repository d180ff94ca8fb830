"""The configure gate's rules: pure checks over a parsed production env file and its template.

Each rule has a stable id and a severity. A finding names the file, the line and the key, and
says what is wrong in words that never contain the value: the details table and the summary go
to artifacts and logs, where a secret must never appear.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from golive.envfile import PROVIDER_PREFIX, EnvFile, looks_random, secret_name
from golive.manifest import EnvFiles

MIN_SECRET_BYTES = 32

# Rule id -> blocking; the order is the order findings are reported in, so a launch's summary
# leads with the most actionable problem (a missing key before an ill-formed URL).
RULES: dict[str, bool] = {
    "missing-key": True,
    "duplicate-key": True,
    "empty-value": True,
    "placeholder-value": True,
    "payment-test-key": True,
    "payment-key-mode-mismatch": True,
    "weak-secret": True,
    "low-entropy-secret": True,
    "invalid-url": True,
    "invalid-dsn": True,
    "database-unreachable": True,
    "oauth-redirect-not-https": True,
    "oauth-redirect-domain": True,
    # A git checkout makes every file 0644, and the bundled demo must still reach GO.
    "env-file-permissions": False,
    "unparsed-line": False,
    "unknown-key": False,
}

PLACEHOLDERS = {
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "change-this",
    "replaceme",
    "replace-me",
    "fixme",
    "xxx",
    "todo",
    "tbd",
    "placeholder",
}
PLACEHOLDER_PATTERNS = [
    re.compile(r"your[-_].*[-_]here", re.IGNORECASE),  # your-api-key-here
    re.compile(r"^<.*>$"),  # <paste the key>
    re.compile(r"^x{3,}$", re.IGNORECASE),
    re.compile(r"^(todo|fixme|tbd)\b", re.IGNORECASE),  # TODO: ask ops
]
# A template's value that says "put yours here": a value equal to it is a placeholder too. Looser
# than the patterns above, which also judge real values (`localhost`, `587` are examples that
# are often right as they are, so equality with those is no finding).
TEMPLATE_PLACEHOLDER = re.compile(
    r"change-?_?(me|this)|replace-?_?me|<[^<>]*>|\b(todo|fixme|tbd)\b|x{3,}|^your[-_]"
    r"|[-_]here$|placeholder",
    re.IGNORECASE,
)
PAYMENT_MODE = PROVIDER_PREFIX


@dataclass(frozen=True)
class Finding:
    """One broken rule at one place; `message` names the key, never the value."""

    rule: str
    key: str
    message: str
    file: str
    line: int | None = None

    @property
    def blocking(self) -> bool:
        return RULES[self.rule]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def row(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "rule": self.rule,
            "severity": "blocking" if self.blocking else "warning",
            "message": self.message,
        }

    def sort_key(self) -> tuple[bool, int, int]:
        return (not self.blocking, list(RULES).index(self.rule), self.line or 0)


@dataclass(frozen=True)
class Inputs:
    """Everything the pure rules look at."""

    production: EnvFile
    template: EnvFile
    spec: EnvFiles
    environment: str
    database_url_key: str

    @property
    def file(self) -> str:
        return self.production.path.name

    def at(self, rule: str, key: str, message: str) -> Finding:
        """A finding on the line where `key` is set in the production file."""
        return Finding(rule, key, message, self.file, self.production.lines.get(key))

    def real_value(self, key: str) -> str:
        """The key's value, or '' when it is unset, empty or a placeholder (reported already)."""
        value = self.production.values.get(key, "")
        if not value.strip() or self.placeholder(key, value):
            return ""
        return value

    def placeholder(self, key: str, value: str) -> bool:
        template = self.template.values.get(key, "")
        return is_placeholder(value, template, secret=is_secret_key(key, self.spec))

    def optional(self, key: str) -> bool:
        """The manifest's `[env] optional` globs say the key may be empty or left out."""
        return any(fnmatch.fnmatchcase(key, glob) for glob in self.spec.optional)

    @property
    def is_production(self) -> bool:
        return (
            self.environment.startswith("production")
            or self.production.values.get("APP_ENV") == "production"
        )


def is_secret_key(key: str, spec: EnvFiles) -> bool:
    return key in spec.secret_keys or key in spec.generate or secret_name(key)


def is_placeholder(value: str, template_value: str, *, secret: bool = True) -> bool:
    """A placeholder word or pattern; or the template's value itself, when the key is a secret
    (its example can never be right) or that value says it is only an example."""
    if value.strip().lower() in PLACEHOLDERS:
        return True
    if any(p.search(value) for p in PLACEHOLDER_PATTERNS):
        return True
    if not template_value or value != template_value:
        return False
    return secret or bool(TEMPLATE_PLACEHOLDER.search(template_value))


def is_predictable(secret: str) -> bool:
    """Too regular to have come from a random generator, however long it is.

    A payment key's mode prefix (`sk_live_`) is the provider's, so only the rest is measured.
    Thresholds leave room for hex (16 symbols, ~3.8 bits per character over 64 characters).
    """
    body = PAYMENT_MODE.sub("", secret)
    return not looks_random(body)


def structure_rules(inp: Inputs) -> Iterator[Finding]:
    """Keys against the template, keys set twice, lines that do not parse."""
    prod, template = inp.production, inp.template
    for key in template.values:
        if key not in prod.values and not inp.optional(key):
            message = f"{key} is in the template but not set"
            yield Finding("missing-key", key, message, inp.file)
    for key in prod.values:
        if key not in template.values:
            yield inp.at("unknown-key", key, f"{key} is not in the template")
    for dup in prod.duplicates:
        yield Finding(
            "duplicate-key",
            dup.key,
            f"{dup.key} is set again (first on line {dup.first_line}); only the last one counts",
            inp.file,
            dup.line,
        )
    for line in prod.unparsed_lines:
        yield Finding("unparsed-line", "", f"line {line} is not KEY=VALUE", inp.file, line)


def value_rules(inp: Inputs) -> Iterator[Finding]:
    """Per key: empty, placeholder, then the checks that only make sense on a real value."""
    for key, value in inp.production.values.items():
        if not value.strip():
            if not inp.optional(key):
                yield inp.at("empty-value", key, f"{key} is empty")
        elif inp.placeholder(key, value):
            yield inp.at(
                "placeholder-value",
                key,
                f"{key} still holds a placeholder or the template's example",
            )
        else:
            for rule in REAL_VALUE_RULES:
                yield from rule(inp, key, value)


def secret_rules(inp: Inputs, key: str, value: str) -> Iterator[Finding]:
    if not is_secret_key(key, inp.spec):
        return
    if len(value.encode()) < MIN_SECRET_BYTES:
        yield inp.at("weak-secret", key, f"{key} is shorter than {MIN_SECRET_BYTES} bytes")
    elif is_predictable(value):
        yield inp.at(
            "low-entropy-secret",
            key,
            f"{key} is too regular to be a random secret (few distinct characters or a"
            " repeating pattern); generate a new one",
        )


def url_rules(inp: Inputs, key: str, value: str) -> Iterator[Finding]:
    upper = key.upper()
    if key == inp.database_url_key:
        if database_url(value) is None:
            yield inp.at("invalid-url", key, f"{key} does not parse as a database URL")
        return
    if upper.endswith(("_URL", "_URI")) and not _is_url(value):
        yield inp.at("invalid-url", key, f"{key} is not a URL with a scheme and a host")
        return
    if "REDIRECT_URL" in upper or "REDIRECT_URI" in upper:
        yield from _redirect_rules(inp, key, value)
    if upper.endswith("_DSN") and not _is_dsn(value):
        yield inp.at(
            "invalid-dsn",
            key,
            f"{key} is not a DSN of the form scheme://publickey@host/projectid",
        )


def _redirect_rules(inp: Inputs, key: str, value: str) -> Iterator[Finding]:
    parts = urlsplit(value)
    if parts.scheme.lower() != "https":
        yield inp.at("oauth-redirect-not-https", key, f"{key} must be an https URL")
    allowed = [d.lower().strip(".") for d in inp.spec.allowed_redirect_domains]
    host = (parts.hostname or "").lower()
    if allowed and not any(host == d or host.endswith("." + d) for d in allowed):
        # The host is left out: it is part of the value, and the allowed list says enough.
        yield inp.at(
            "oauth-redirect-domain",
            key,
            f"{key} points at a host outside the allowed domains ({', '.join(allowed)})",
        )


def _is_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port out of range or not a number
    except ValueError:
        return False
    return bool(parts.scheme and parts.hostname)


def _is_dsn(value: str) -> bool:
    if not _is_url(value):
        return False
    parts = urlsplit(value)
    project = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return bool(parts.username) and project.isdigit()


def database_url(value: str) -> URL | None:
    """The parsed SQLAlchemy URL, or None when it does not parse or its port is impossible."""
    try:
        url = make_url(value)
        port = url.port
    except (ArgumentError, ValueError):
        return None
    if port is not None and not 0 < port < 65536:
        return None
    return url


def payment_rules(inp: Inputs) -> Iterator[Finding]:
    keys = (inp.spec.payment_secret_key, inp.spec.payment_publishable_key)
    modes = {k: m.group(1) for k in keys if (m := PAYMENT_MODE.match(inp.real_value(k)))}
    for key in keys:
        if inp.is_production and modes.get(key) == "test":
            yield inp.at("payment-test-key", key, f"{key} is a test-mode payment key in production")
    # In production a test key is already blocking on its own; naming the pair again would
    # count one mistake twice.
    if len(modes) == 2 and len(set(modes.values())) == 2 and not inp.is_production:
        secret, publishable = keys
        yield inp.at(
            "payment-key-mode-mismatch",
            secret,
            f"{secret} is a {modes[secret]}-mode key but {publishable} is a"
            f" {modes[publishable]}-mode key; both must be of the same mode",
        )


REAL_VALUE_RULES: list[Callable[[Inputs, str, str], Iterator[Finding]]] = [
    secret_rules,
    url_rules,
]


def check(inp: Inputs) -> list[Finding]:
    """Every pure rule over one production env file, in reporting order."""
    findings = [*structure_rules(inp), *value_rules(inp), *payment_rules(inp)]
    return sorted(findings, key=Finding.sort_key)
