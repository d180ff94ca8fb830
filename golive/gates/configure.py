"""Configure gate: the production env file against its template and the launch rules.

The pure rules live in `configure_rules`; this module does the gate's I/O around them: it fills
the secrets the manifest asks golive to generate, reads both files, looks at the production
file's permissions, tries a TCP connect to a network database, and turns the findings into a
GateResult. A finding names the file, the line and the key and the rule — never the value.
"""

from __future__ import annotations

import os
import socket
import stat
import time
from pathlib import Path
from typing import Any

from golive.database_url import DatabaseUrl, UrlTemplateError
from golive.envfile import parse_env
from golive.errors import EnvFileError, GoliveError
from golive.gates.configure_rules import Finding, Inputs, check, database_url, is_placeholder
from golive.manifest import EnvFiles
from golive.results import GateResult, failed, passed, warned
from golive.secretgen import fill_secrets

GATE = "configure"

# Ports a dialect listens on when the URL names none (SQLAlchemy leaves that to the driver).
DEFAULT_PORTS = {
    "postgresql": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "mssql": 1433,
    "oracle": 1521,
    "cockroachdb": 26257,
}


def configure(
    spec: EnvFiles,
    root: Path,
    environment: str,
    *,
    database_url_key: str | None = "DATABASE_URL",
    database: DatabaseUrl | None = None,
) -> GateResult:
    """Check the production env file; generate the secrets `spec.generate` names first.
    The database is dialled at the URL in database_url_key, or composed by `database`."""
    started = time.monotonic()
    prod_path, template_path = root / spec.production, root / spec.template
    try:
        template = parse_env(template_path)
        generated = generate_secrets(spec, prod_path, template.values)
        production = parse_env(prod_path)
    except GoliveError as exc:
        return failed(GATE, str(exc), duration_s=time.monotonic() - started)
    inp = Inputs(production, template, spec, environment, database_url_key or "")
    findings = check(inp)
    findings += permission_findings(prod_path)
    findings += database_findings(inp, spec.database_timeout, database)
    findings.sort(key=Finding.sort_key)
    return result(inp, findings, generated, time.monotonic() - started)


def generate_secrets(spec: EnvFiles, path: Path, template: dict[str, str]) -> list[str]:
    """Fill `spec.generate` keys that are missing, empty or a placeholder; their names only."""
    if not spec.generate:
        return []
    if not path.is_file():
        raise EnvFileError(f"{path}: env file not found; create it from the template")

    def needs_value(key: str, value: str | None) -> bool:
        if value is None or not value.strip():
            return True
        return is_placeholder(value, template.get(key, ""), secret=True)  # generated: secrets

    try:
        return fill_secrets(path, spec.generate, needs_value)
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(
            f"{path}: cannot write generated secrets: {type(exc).__name__}; check the folder's"
            " permissions"
        ) from None


def permission_findings(path: Path) -> list[Finding]:
    """A production env file others can read leaks every secret in it to every local user."""
    if os.name == "nt":  # POSIX mode bits mean nothing there
        return []
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & 0o077:
        return []
    message = f"{path.name} is readable by group or others (mode {mode:04o}); run chmod 600 on it"
    return [Finding("env-file-permissions", "", message, path.name)]


def database_findings(
    inp: Inputs, timeout: float, database: DatabaseUrl | None = None
) -> list[Finding]:
    """A network database the URL names must accept a TCP connection; SQLite is a local file."""
    key = inp.database_url_key
    value = inp.real_value(key) if key else ""
    if database is not None and database.template is not None:
        # Composed only from real values: a placeholder is reported already, not dialled.
        key = database.key_of("host") or database.keys[0]
        try:
            value = database.compose({k: inp.real_value(k) for k in database.keys})
        except UrlTemplateError:
            value = ""
    url = database_url(value) if value else None
    if url is None or url.get_backend_name() == "sqlite" or not url.host:
        return []  # no URL, or an invalid one (reported by invalid-url), or nothing to dial
    port = url.port or DEFAULT_PORTS.get(url.get_backend_name())
    if port is None:
        return []
    failure = tcp_failure(url.host, port, timeout)
    if failure is None:
        return []
    host = f"[{url.host}]" if ":" in url.host else url.host
    return [
        inp.at(
            "database-unreachable",
            key,
            f"{key} names a database that cannot be reached at {host}:{port}: {failure}",
        )
    ]


def tcp_failure(host: str, port: int, timeout: float) -> str | None:
    """None when a TCP connection opens within `timeout`, else how it failed, in words."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except ConnectionRefusedError:
        return "connection refused"
    except TimeoutError:
        return f"timed out after {timeout:g}s"
    except socket.gaierror:
        return "the host name does not resolve"
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def listing(findings: list[Finding]) -> str:
    """`KEY (line N) [rule]` for each finding, in order; never a value."""
    items = []
    for f in findings:
        line = f"line {f.line}" if f.line else ""
        where = f"{f.key} ({line})" if f.key and line else f.key or line or f.file
        items.append(f"{where} [{f.rule}]")
    return "; ".join(items)


def result(
    inp: Inputs, findings: list[Finding], generated: list[str], duration: float
) -> GateResult:
    rows = [f.row() for f in findings]
    rows += [
        {
            "file": inp.file,
            "line": inp.production.lines.get(key),
            "key": key,
            "rule": "generated-secret",
            "severity": "info",
            "message": f"{key} was filled with a new random secret",
        }
        for key in generated
    ]
    note = f"; generated {', '.join(generated)}" if generated else ""
    blocking = [f for f in findings if f.blocking]
    warnings = len(findings) - len(blocking)
    score = max(0, 100 - 25 * len(blocking) - 5 * warnings)
    kw: dict[str, Any] = {"score": score, "details": rows, "duration_s": duration}
    if blocking:
        first = blocking[0]
        summary = f"{first.where}: {first.message} [{first.rule}]"
        if len(blocking) > 1:  # every one named: the operator fixes them all in one go
            summary += f"; {len(blocking)} blocking: {listing(blocking)}"
        if warnings:
            summary += f"; {warnings} warning(s): {listing(findings[len(blocking) :])}"
        return failed(GATE, summary + note, **kw)
    if findings:
        first = findings[0]
        summary = f"{warnings} warning(s): {first.where}: {first.message} [{first.rule}]"
        if warnings > 1:
            summary += f"; all: {listing(findings)}"
        return warned(GATE, summary + note, **kw)
    summary = f"{inp.file}: {len(inp.production.values)} keys match the template, no findings"
    return passed(GATE, summary + note, **kw)
