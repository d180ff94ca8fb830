"""Configure gate: the production env file against its template and the launch rules.

A finding names the file, the key and the rule — never the value.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from golive.envfile import read_env
from golive.errors import GoliveError
from golive.manifest import EnvFiles
from golive.results import Category, GateResult, failed, passed, warned

GATE = "configure"
MIN_SECRET_BYTES = 32
PLACEHOLDERS = {
    "changeme",
    "change-me",
    "changethis",
    "change-this",
    "xxx",
    "todo",
    "tbd",
    "placeholder",
}
PLACEHOLDER_PATTERNS = [
    re.compile(r"your[-_].*[-_]here", re.IGNORECASE),  # your-api-key-here
    re.compile(r"^<.*>$"),  # <paste the key>
    re.compile(r"^x{3,}$", re.IGNORECASE),
]


@dataclass(frozen=True)
class Finding:
    key: str
    rule: str
    blocking: bool
    message: str

    def row(self, file: str) -> dict[str, str]:
        return {
            "file": file,
            "key": self.key,
            "rule": self.rule,
            "severity": "blocking" if self.blocking else "warning",
            "message": self.message,
        }


def is_secret_key(key: str, declared: list[str]) -> bool:
    upper = key.upper()
    return key in declared or "SECRET" in upper or upper.endswith(("_TOKEN", "_PASSWORD"))


def is_placeholder(value: str, template_value: str) -> bool:
    if value.strip().lower() in PLACEHOLDERS:
        return True
    if any(p.search(value) for p in PLACEHOLDER_PATTERNS):
        return True
    return bool(template_value) and value == template_value


def check(
    production: dict[str, str], template: dict[str, str], spec: EnvFiles, environment: str
) -> list[Finding]:
    """Every rule over one production env file; pure, so each rule is testable alone."""
    findings = [
        Finding(k, "missing-key", True, f"{k} is in the template but not set")
        for k in template
        if k not in production
    ]
    findings += [
        Finding(k, "unknown-key", False, f"{k} is not in the template")
        for k in production
        if k not in template
    ]
    is_production = (
        environment.startswith("production") or production.get("APP_ENV") == "production"
    )
    for key, value in production.items():
        if not value.strip():
            findings.append(Finding(key, "empty-value", True, f"{key} is empty"))
        elif is_placeholder(value, template.get(key, "")):
            findings.append(
                Finding(
                    key,
                    "placeholder-value",
                    True,
                    f"{key} still holds a placeholder or the template's example",
                )
            )
        elif is_secret_key(key, spec.secret_keys) and len(value.encode()) < MIN_SECRET_BYTES:
            findings.append(
                Finding(key, "weak-secret", True, f"{key} is shorter than {MIN_SECRET_BYTES} bytes")
            )
    for key, prefix in (
        (spec.payment_secret_key, "sk_test_"),
        (spec.payment_publishable_key, "pk_test_"),
    ):
        if is_production and production.get(key, "").startswith(prefix):
            findings.append(
                Finding(
                    key, "payment-test-key", True, f"{key} is a test-mode payment key in production"
                )
            )
    return findings


def configure(spec: EnvFiles, root: Path, environment: str) -> GateResult:
    started = time.monotonic()
    prod_path, template_path = root / spec.production, root / spec.template
    try:
        production, template = read_env(prod_path), read_env(template_path)
    except GoliveError as exc:
        return failed(GATE, Category.CONFIGURATION, str(exc), duration_s=time.monotonic() - started)
    findings = check(production, template, spec, environment)
    rows = [f.row(spec.production.name) for f in findings]
    blocking = [f for f in findings if f.blocking]
    score = max(0, 100 - 25 * len(blocking) - 5 * (len(findings) - len(blocking)))
    duration = time.monotonic() - started
    if blocking:
        first = blocking[0]
        more = f" (+{len(blocking) - 1} more)" if len(blocking) > 1 else ""
        summary = f"{spec.production.name}: {first.message} [{first.rule}]{more}"
        return failed(
            GATE, Category.CONFIGURATION, summary, score=score, details=rows, duration_s=duration
        )
    if findings:
        return warned(
            GATE,
            Category.CONFIGURATION,
            f"{len(findings)} warning(s): {findings[0].message}",
            score=score,
            details=rows,
            duration_s=duration,
        )
    return passed(
        GATE,
        Category.CONFIGURATION,
        f"{spec.production.name}: {len(production)} keys match the template, no findings",
        details=rows,
        duration_s=duration,
    )
