"""Static validation: every check of a launch's input that needs no running system, made before
the first gate, so bad input ends in exit 2 and one line while nothing has changed yet.

The manifest's own rules (its schema, the references between its parts, the paths it names)
live in golive.manifest and run in `load`. Here is what lies across files and options: the
environment name, GOLIVE_HOME and the ledger URL, where the report goes, the env files as
python-dotenv reads them, the database URL, the alembic config and the alert rule files.
Nothing here writes a file, opens a connection or starts a process.
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from golive import settings
from golive.database_url import REFERENCE, DatabaseUrl, UrlTemplateError
from golive.envfile import EnvFile, parse_text
from golive.errors import EnvFileError, InputError, LedgerError, ManifestError
from golive.gates.configure_rules import database_url
from golive.manifest import Manifest, load
from golive.monitoring.prometheus import PrometheusError, rule_groups
from golive.rehearsal import SUFFIX

MAX_VALUE_BYTES = 64 * 1024  # one environment value (Linux refuses a single one over 128 KiB)
MAX_ENV_FILE_BYTES = 1024 * 1024
REHEARSAL_DATABASES = ("sqlite", "postgresql")  # those golive.rehearsal gives a database of its own


def check_launch(
    manifest: Path | str,
    environment: str,
    *,
    rehearsal: bool = False,
    report_json: Path | None = None,
) -> Manifest:
    """Check a launch's input; return its manifest. Raises InputError (one line) on bad input."""
    check_environment(environment, rehearsal)
    check_home()
    check_ledger_url()
    if report_json is not None:
        check_report_path(report_json)
    spec = load(manifest)
    check_target(spec, Path(manifest), rehearsal=rehearsal)
    return spec


def check_environment(environment: str, rehearsal: bool = False) -> None:
    """The environment's name, and its rehearsal's name when the launch is a rehearsal."""
    settings.check_environment(environment)
    longest = settings.ENVIRONMENT_NAME_MAX - len(SUFFIX)
    if rehearsal and len(environment) > longest:
        raise InputError(
            f"--environment: {environment!r} is too long for a rehearsal, which launches into"
            f" {environment + SUFFIX!r}; with --rehearsal use at most {longest} characters"
        )


def check_home() -> None:
    """GOLIVE_HOME is a folder, or can become one."""
    home = settings.home()
    existing = next(p for p in (home, *home.parents) if p.exists())
    if not existing.is_dir():
        raise InputError(f"GOLIVE_HOME: {existing} is not a folder; point GOLIVE_HOME at a folder")


def check_ledger_url() -> None:
    """GOLIVE_LEDGER_URL, when set, is a URL SQLAlchemy can open (its dialect is known)."""
    url = os.environ.get("GOLIVE_LEDGER_URL")
    if not url:
        return
    try:
        make_url(url).get_dialect()
    except (ArgumentError, ValueError, ImportError):
        raise LedgerError(
            "GOLIVE_LEDGER_URL: not a database URL SQLAlchemy can use; write it as "
            "dialect+driver://user:password@host:port/database, or unset it to keep the ledger "
            "in GOLIVE_HOME"
        ) from None


def check_report_path(path: Path) -> None:
    """--report-json names a file that can be written (its folders are made at the end)."""
    if path.is_dir():
        raise InputError(f"--report-json {path}: is a folder; name a file, e.g. {path}/report.json")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"--report-json {path}: the file is not writable")
    existing = next(p for p in path.absolute().parents if p.exists())
    if not existing.is_dir():
        raise InputError(f"--report-json {path}: {existing} is a file, so no folder can be made")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"--report-json {path}: {existing} is not writable")


def check_target(spec: Manifest, manifest: Path, *, rehearsal: bool = False) -> None:
    """What the manifest's files hold: the target's interpreter, env files, database URL,
    alembic config, rule files."""
    check_python(spec, manifest)
    check_env_file(spec.path(spec.env.template))
    production = check_env_file(spec.path(spec.env.production))
    check_database_url(production, spec.database.source, rehearsal)
    check_env_references(spec, manifest, production)
    check_suites(spec, production, manifest)
    check_alembic_ini(spec, manifest)
    for i, rel in enumerate(spec.monitoring.rule_files):
        try:
            rule_groups(spec.path(rel))
        except (PrometheusError, ValueError) as exc:  # ValueError: not UTF-8
            problem = " ".join(str(exc).split())
            raise ManifestError(f"{manifest}: monitoring.rule_files[{i}]: {problem}") from None


def check_env_references(spec: Manifest, manifest: Path, production: EnvFile) -> None:
    """Every `${NAME}` of a smoke check is a capture or a production env key; so is every key
    `[load] env` hands to locust."""
    captures = spec.captures()
    for check in spec.smoke:
        unknown = sorted(check.references() - captures - production.values.keys())
        if unknown:
            raise ManifestError(
                f"{manifest}: smoke[{check.name}]: ${{{unknown[0]}}} is neither a key of"
                f" {spec.env.production} nor captured by an earlier check"
            )
    for key in spec.load.env if spec.load else []:
        if key not in production.values:
            raise ManifestError(
                f"{manifest}: load.env: {key} is not a key of {spec.env.production}"
            )


def check_suites(spec: Manifest, production: EnvFile, manifest: Path) -> None:
    """A suite's env file parses, and every `${KEY}` its `env` names is in the production env."""
    for suite in spec.suites:
        if suite.env_file is not None:
            check_env_file(spec.path(suite.env_file))
        for key, value in suite.env.items():
            unset = [k for k in REFERENCE.findall(value) if k not in production.values]
            if unset:
                raise EnvFileError(
                    f"{manifest}: suites[{suite.name}].env.{key}: ${{{unset[0]}}} is not set in"
                    f" {production.path}"
                )


def check_python(spec: Manifest, manifest: Path) -> None:
    """`[target] python`, when given, names an executable file (the target's interpreter)."""
    if spec.target.python is None:
        return
    python, given = spec.python, spec.target.python
    if not python.exists():
        raise ManifestError(
            f"{manifest}: target.python: {given} does not exist (relative to the manifest);"
            " create the target's virtual environment (python -m venv, then install its"
            " requirements) or name its interpreter"
        )
    if not python.is_file() or not os.access(python, os.X_OK):
        raise ManifestError(
            f"{manifest}: target.python: {given} is not an executable file; name the"
            " interpreter itself, e.g. .venv/bin/python"
        )


def check_env_file(path: Path) -> EnvFile:
    """An env file python-dotenv parses, whose every value a process environment can hold."""
    try:
        size = path.stat().st_size
        if size > MAX_ENV_FILE_BYTES:
            raise EnvFileError(
                f"{path}: {size} bytes, over the {MAX_ENV_FILE_BYTES}-byte limit for an env file"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise EnvFileError(f"{path}: cannot read env file: {exc.strerror or exc}") from None
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise EnvFileError(
            f"{path}: line {line}: a NUL byte, which no environment value can hold; remove it"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise EnvFileError(f"{path}: line {line}: not UTF-8 text; save the file as UTF-8") from None
    env = parse_text(text, path)
    for key, value in env.values.items():
        where = f"{path}: line {env.lines.get(key, '?')}: {key}"
        if "=" in key:
            raise EnvFileError(f"{where}: a key cannot contain '='; rename it")
        size = len(value.encode())
        if size > MAX_VALUE_BYTES:
            raise EnvFileError(
                f"{where}: the value is {size} bytes, over the {MAX_VALUE_BYTES}-byte limit for"
                " one environment value; keep large data in a file and name the file"
            )
    return env


def check_database_url(env: EnvFile, source: DatabaseUrl, rehearsal: bool) -> None:
    """The database URL is set (or every key it is composed of is) and SQLAlchemy parses it
    (its value is never shown)."""
    if source.template is None:
        key = source.url_env or ""
        if not env.values.get(key, "").strip():
            raise EnvFileError(
                f"{env.path}: {key} is not set; it holds the database URL (database.url_env)"
            )
        where = f"{env.path}: line {env.lines.get(key, '?')}: {key}"
    else:
        missing = source.missing(env.values)
        if missing:
            raise EnvFileError(
                f"{env.path}: {', '.join(missing)} not set; database.url is composed of"
                f" {', '.join(source.keys)}"
            )
        where = f"{env.path}: the database URL composed by database.url"
    try:
        url = database_url(source.compose(env.values))
    except UrlTemplateError as exc:
        raise EnvFileError(f"{where}: {exc}") from None
    if url is None:
        raise EnvFileError(
            f"{where}: does not parse as a database URL; write it as "
            "dialect+driver://user:password@host:port/database or sqlite:///file.db"
        )
    try:
        url.get_dialect()
    except (ArgumentError, ImportError):
        raise EnvFileError(
            f"{where}: names a database dialect SQLAlchemy does not know ({url.drivername})"
        ) from None
    if rehearsal and url.get_backend_name() not in REHEARSAL_DATABASES:
        raise InputError(
            f"{where}: a rehearsal needs a database of its own, which golive makes for SQLite "
            f"and PostgreSQL only, not {url.get_backend_name()}; launch without --rehearsal"
        )


def check_alembic_ini(spec: Manifest, manifest: Path) -> None:
    """The alembic config parses and says where the migrations are."""
    ini = spec.path(spec.database.alembic_ini)
    parser = configparser.ConfigParser(defaults={"here": str(ini.parent)})
    try:
        parser.read(ini, encoding="utf-8")
        script_location = parser.get("alembic", "script_location", fallback="")
    except (configparser.Error, UnicodeDecodeError) as exc:
        problem = str(exc).splitlines()[0]
        raise ManifestError(
            f"{manifest}: database.alembic_ini: {ini.name} does not parse: {problem}"
        ) from None
    if not script_location.strip():
        raise ManifestError(
            f"{manifest}: database.alembic_ini: {ini.name} has no [alembic] script_location;"
            " name the migrations folder there"
        )
    folder = script_folder(ini, script_location.strip())
    if folder is not None and not folder.is_dir():
        raise ManifestError(
            f"{manifest}: database.alembic_ini: {ini.name}'s script_location"
            f" {script_location.strip()} is not a folder (a relative one is relative to the"
            " ini's folder, where golive runs alembic)"
        )


def script_folder(ini: Path, script_location: str) -> Path | None:
    """Where alembic finds the migrations, as it does with the ini's folder as working folder
    (golive runs it there): a relative location is relative to the ini's folder, `%(here)s`
    already filled in. None for a package resource (`package:folder`), found on import."""
    if ":" in script_location and not Path(script_location).is_absolute():
        return None
    return ini.parent / script_location
