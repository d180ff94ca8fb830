"""Bad input is found before anything changes: a corpus of bad launches and commands.

Each row is one bad input: an edit to a private copy of the example (its manifest, env files
or other files), CLI arguments, or environment variables. Each must end in exit 2 with exactly
one line on stderr, `golive: error: ` then the file and field and what to do, no traceback,
and nothing changed: GOLIVE_HOME not even created (no ledger, no database, no environment, so
no process), the target's files as they were, no launch started. The rows run the real CLI
entry point in this process (fast); a handful run again as a user runs them, in a subprocess.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from golive import cli, runner
from tests.conftest import port, run_golive

Edit = Callable[[Path], None]  # applied to the copy's folder

VICTIM = "../../victim"
NAME_ERROR = f"--environment: {VICTIM!r} is not an environment name"


def replace(name: str, old: str, new: str, *, after: str = "") -> Edit:
    """Replace the first `old` in file `name` (after the text `after`, when given)."""

    def edit(folder: Path) -> None:
        path = folder / name
        text = path.read_text()
        start = text.index(after) if after else 0
        at = text.index(old, start)
        path.write_text(text[:at] + new + text[at + len(old) :])

    return edit


def toml(old: str, new: str, *, after: str = "") -> Edit:
    return replace("launch.toml", old, new, after=after)


def service(name: str, old: str, new: str) -> Edit:
    """Edit one [[services]] entry of the manifest."""
    return toml(old, new, after=f'[[services]]\nname = "{name}"')


def smoke(name: str, old: str, new: str) -> Edit:
    """Edit one [[smoke]] check of the manifest."""
    return toml(old, new, after=f'[[smoke]]\nname = "{name}"')


def append(name: str, text: str) -> Edit:
    def edit(folder: Path) -> None:
        with open(folder / name, "a") as out:
            out.write(text)

    return edit


def write(name: str, content: str | bytes) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)

    return edit


def remove(name: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    return edit


def env_line(key: str, line: str) -> Edit:
    """Replace the production env file's line for `key` (a blank line removes it)."""

    def edit(folder: Path) -> None:
        path = folder / ".env.production"
        lines = [line if ln.startswith(f"{key}=") else ln for ln in path.read_text().split("\n")]
        path.write_text("\n".join(lines))

    return edit


RUN = ("run", "soft", "--manifest", "{manifest}")


@dataclass(frozen=True)
class Case:
    id: str
    expected: str  # in the one line, after `golive: error: `
    edits: tuple[Edit, ...] = ()
    args: tuple[str, ...] = RUN  # {manifest}, {folder} and {tmp} are filled in
    environ: dict[str, str] = field(default_factory=dict)


def case(id: str, expected: str, *edits: Edit, args: tuple[str, ...] = RUN, **environ: str) -> Case:
    return Case(id, expected, edits, args, environ)


# Every command that takes --environment, with the rest of what it needs.
TAKE_AN_ENVIRONMENT = {
    "run": RUN,
    "down": ("down",),
    "status": ("status",),
    "sql": ("sql", "--manifest", "{manifest}"),
    "restore": ("restore", "--launch", "1", "--manifest", "{manifest}"),
    "recover": ("recover",),
    "unlock": ("unlock", "--reason", "test"),
}
API_CMD = '"python -m uvicorn app:app --host 127.0.0.1 --port {port}"'
API_PORT = f"port = {port(18101)}"
CORPUS = [
    # The manifest: services and their commands.
    case(
        "dependency-cycle",
        "launch.toml: services[api].depends_on: dependency cycle api -> assistant -> api",
        service("api", "depends_on = []", 'depends_on = ["assistant"]'),
    ),
    case(
        "depends-on-itself",
        "services[api].depends_on: dependency cycle api -> api",
        service("api", "depends_on = []", 'depends_on = ["api"]'),
    ),
    case(
        "unknown-depends-on",
        "services[assistant].depends_on: no service named 'nope'",
        service("assistant", 'depends_on = ["api"]', 'depends_on = ["nope"]'),
    ),
    case("empty-command", "services[api].command: is empty", service("api", API_CMD, '""')),
    case("blank-command", "services[api].command: is empty", service("api", API_CMD, '"  \t"')),
    case(
        "unbalanced-quotes",
        "services[api].command: cannot be split into words: No closing quotation",
        service("api", API_CMD, """'python -m "uvicorn app:app --port {port}'"""),
    ),
    case(
        "unknown-placeholder",
        "services[payments].command: unknown placeholder {prot}",
        service("payments", "--port {port}", "--port {prot}"),
    ),
    case(
        "hard-coded-port",
        f"services[api].command: names port {port(18101)} itself; write {{port}}",
        service("api", "--port {port}", f"--port {port(18101)}"),
    ),
    case(
        "health-without-slash",
        'launch.toml: services[api].health: must start with "/"',
        service("api", 'health = "/health"', 'health = "health"'),
    ),
    case(
        "metrics-without-slash",
        'services[payments].metrics: must start with "/"',
        service("payments", 'metrics = "/metrics"', 'metrics = "metrics"'),
    ),
    case(
        "duplicate-port",
        f"services[payments].port: {port(18101)} is services[api]'s port too",
        service("payments", f"port = {port(18102)}", f"port = {port(18101)}"),
    ),
    case(
        "duplicate-service-name",
        "services[api].name: two services are named 'api'",
        toml('name = "payments"\ncore', 'name = "api"\ncore'),
    ),
    case("port-too-high", "services[api].port", service("api", API_PORT, "port = 99999")),
    case("port-privileged", "services[api].port", service("api", API_PORT, "port = 80")),
    case("port-not-a-number", "services[api].port", service("api", API_PORT, 'port = "x"')),
    case(
        "negative-health-timeout",
        "services[api].health_timeout: Input should be greater than 0",
        service("api", "depends_on = []", "depends_on = []\nhealth_timeout = -5"),
    ),
    case(
        "unknown-service-key",
        "services[api].healthz: Extra inputs are not permitted",
        service("api", "depends_on = []", 'depends_on = []\nhealthz = "/h"'),
    ),
    case(
        "bad-service-name",
        "services[Payments!].name: String should match pattern",
        toml('name = "payments"\ncore', 'name = "Payments!"\ncore'),
    ),
    case(
        "missing-service-source",
        "services[api].source: services/gone does not exist",
        service("api", 'source = "services/api"', 'source = "services/gone"'),
    ),
    case(
        "missing-include",
        "services[payments].include: gone does not exist",
        service("payments", '"azora_common"', '"gone"'),
    ),
    # The manifest: suites, smoke checks, load, monitoring.
    case(
        "suite-command-unbalanced",
        "suites[unit].command: cannot be split into words",
        toml('command = "python -m pytest', "command = \"python -m 'pytest"),
    ),
    case(
        "suite-command-empty",
        "suites[unit].command: is empty",
        toml('command = "python -m pytest', 'command = "" # '),
    ),
    case(
        "suite-zero-timeout",
        "suites[unit].timeout: Input should be greater than 0",
        toml("critical = true\n\n[[services]]", "critical = true\ntimeout = 0\n\n[[services]]"),
    ),
    case(
        "smoke-path-without-slash",
        'launch.toml: smoke[catalog].path: must start with "/"',
        smoke("catalog", 'path = "/catalog"', 'path = "catalog"'),
    ),
    case(
        "smoke-unknown-service",
        "smoke[catalog].service: no service named 'web'",
        smoke("catalog", 'service = "api"', 'service = "web"'),
    ),
    case(
        "smoke-bad-method",
        "smoke[catalog].method: Input should be",
        smoke("catalog", 'method = "GET"', 'method = "FETCH"'),
    ),
    case(
        "smoke-impossible-status",
        "smoke[catalog].expect: Input should be less than or equal to 599",
        smoke("catalog", "expect = 200", "expect = 700"),
    ),
    case(
        "smoke-unknown-reference",
        "launch.toml: smoke[catalog]: ${NO_SUCH_KEY} is neither a key of .env.production nor"
        " captured by an earlier check",
        smoke("catalog", "expect = 200", 'expect = 200\nheaders = { X-Key = "${NO_SUCH_KEY}" }'),
    ),
    case(
        "smoke-capture-used-before-taken",
        "smoke[catalog]: uses ${tok} before check 'payment-processing' captures it",
        smoke("catalog", "expect = 200", 'expect = 200\nheaders = { X-Key = "${tok}" }'),
        smoke("payment-processing", "critical = true", 'critical = true\ncapture = { tok = "id" }'),
    ),
    case(
        "smoke-body-and-form",
        "smoke[payment-processing].form: give a JSON body or a form, not both",
        smoke("payment-processing", "critical = true", 'critical = true\nform = { a = "1" }'),
    ),
    case(
        "load-env-unknown-key",
        "launch.toml: load.env: NO_SUCH_KEY is not a key of .env.production",
        toml('host_service = "api"', 'host_service = "api"\nenv = ["NO_SUCH_KEY"]'),
    ),
    case(
        "load-host-service-unknown",
        "load.host_service: no service named 'web'",
        toml('host_service = "api"', 'host_service = "web"'),
    ),
    case("load-p95-not-a-number", "load.p95_ms", toml("p95_ms = 1000", 'p95_ms = "fast"')),
    case(
        "load-no-users",
        "load.users: Input should be greater than or equal to 1",
        toml("users = 5", "users = 0"),
    ),
    case(
        "load-failure-ratio-over-one",
        "load.max_failure_ratio",
        toml("max_failure_ratio = 0.01", "max_failure_ratio = 2"),
    ),
    case(
        "load-ramp-not-increasing",
        "load.ramp: user counts must strictly increase",
        toml("ramp = [5, 10, 20]", "ramp = [5, 5, 20]"),
    ),
    case(
        "missing-locustfile",
        "load.locustfile: locustfile.py does not exist",
        remove("locustfile.py"),
    ),
    case(
        "threshold-not-a-number",
        "monitoring.checks[error-ratio].threshold",
        toml("threshold = 0.01", 'threshold = "low"'),
    ),
    case(
        "unknown-comparison",
        "monitoring.checks[p95-latency].comparison",
        toml('comparison = "<"\nthreshold = 0.5', 'comparison = "~"\nthreshold = 0.5'),
    ),
    case(
        "prometheus-url-not-http",
        "monitoring.prometheus_url: must be an http:// or https:// URL",
        toml("[monitoring]\n", '[monitoring]\nprometheus_url = "localhost:9090"\n'),
    ),
    case(
        "missing-rule-file",
        "monitoring.rule_files[0]: monitoring/alerts.yml does not exist",
        remove("monitoring/alerts.yml"),
    ),
    case(
        "rule-file-not-yaml",
        "monitoring.rule_files[0]: rule file alerts.yml: not valid YAML",
        write("monitoring/alerts.yml", "groups: [unclosed\n"),
    ),
    case(
        "rule-file-without-groups",
        "monitoring.rule_files[0]: rule file alerts.yml: needs a list of named `groups`",
        write("monitoring/alerts.yml", "rules: []\n"),
    ),
    # The manifest: the rest.
    case("not-toml", "launch.toml: not valid TOML", toml("[load]", "[load")),
    case(
        "unknown-table",
        "deploy: Extra inputs are not permitted",
        append("launch.toml", "\n[deploy]\nwhere = 1\n"),
    ),
    case(
        "unknown-target-key",
        "target.nmae: Extra inputs are not permitted",
        toml('[target]\nname = "azora"', '[target]\nname = "azora"\nnmae = "x"'),
    ),
    case("bad-target-name", "target.name", toml('name = "azora"', 'name = "Azora!"')),
    case(
        "bad-backend",
        "backend: Input should be 'process' or 'docker'",
        toml('backend = "process"', 'backend = "kubernetes"'),
    ),
    case(
        "negative-database-timeout",
        "database.timeout: Input should be greater than 0",
        toml('url_env = "DATABASE_URL"', 'url_env = "DATABASE_URL"\ntimeout = -1'),
    ),
    case(
        "bad-url-env",
        "database.url_env: String should match pattern",
        toml('url_env = "DATABASE_URL"', 'url_env = "DATABASE URL"'),
    ),
    case("bad-audit-source", "audit.source", toml("[audit]\n", '[audit]\nsource = "web"\n')),
    case("bad-block-at", "audit.block_at", toml("[audit]\n", '[audit]\nblock_at = "severe"\n')),
    case(
        "missing-requirements",
        "audit.requirements[0]: nope.txt does not exist",
        toml('requirements = ["requirements.txt"]', 'requirements = ["nope.txt"]'),
    ),
    case(
        "missing-npm-lockfile",
        "audit.npm_lockfiles[0]: package-lock.json does not exist",
        toml("[audit]\n", '[audit]\nnpm_lockfiles = ["package-lock.json"]\n'),
    ),
    case("missing-advisories", "audit.advisories: advisories does not exist", remove("advisories")),
    case(
        "missing-alembic-ini",
        "database.alembic_ini: alembic.ini does not exist",
        remove("alembic.ini"),
    ),
    case(
        "alembic-ini-not-ini",
        "database.alembic_ini: alembic.ini does not parse",
        write("alembic.ini", "script_location = migrations\n"),
    ),
    case(
        "alembic-script-location-not-a-folder",
        "alembic.ini's script_location app/alembic is not a folder (a relative one is relative"
        " to the ini's folder",
        write("alembic.ini", "[alembic]\nscript_location = app/alembic\n"),
    ),
    # The target's own interpreter.
    case(
        "target-python-missing",
        "launch.toml: target.python: .venv/bin/no-python does not exist (relative to the manifest)",
        toml('python = ".venv/bin/python"', 'python = ".venv/bin/no-python"'),
    ),
    case(
        "target-python-not-executable",
        "launch.toml: target.python: requirements.txt is not an executable file",
        toml('python = ".venv/bin/python"', 'python = "requirements.txt"'),
    ),
    case(
        "target-python-a-folder",
        "launch.toml: target.python: .venv is not an executable file",
        toml('python = ".venv/bin/python"', 'python = ".venv"'),
    ),
    case(
        "alembic-ini-without-migrations",
        "database.alembic_ini: alembic.ini has no [alembic] script_location",
        write("alembic.ini", "[alembic]\nsqlalchemy.url =\n"),
    ),
    case(
        "missing-env-file",
        "env.production: .env.missing does not exist",
        toml('production = ".env.production"', 'production = ".env.missing"'),
    ),
    case("missing-template", "env.template: .env.example does not exist", remove(".env.example")),
    case(
        "env-file-is-a-folder",
        "env.production: services is not a file",
        toml('production = ".env.production"', 'production = "services"'),
    ),
    case(
        "manifest-missing", "no such manifest file", args=("run", "soft", "--manifest", "{tmp}/x")
    ),
    case(
        "manifest-is-a-folder", "cannot read manifest", args=("run", "soft", "--manifest", "{tmp}")
    ),
    # The env files.
    case(
        "nul-byte-in-env-file",
        ".env.production: line 10: a NUL byte",
        append(".env.production", "FEATURE=on\0off\n"),
    ),
    case(
        "one-megabyte-value",
        ".env.production: line 3: JWT_SECRET: the value is 1000000 bytes, over the 65536-byte",
        env_line("JWT_SECRET", "JWT_SECRET=" + "x" * 1_000_000),
    ),
    case(
        "value-just-over-the-limit",
        "line 10: NOTES: the value is 65537 bytes",
        append(".env.production", "NOTES=" + "n" * 65537 + "\n"),
    ),
    case(
        "env-file-of-two-megabytes",
        ".env.production: 2097152 bytes, over the 1048576-byte limit",
        write(".env.production", "#" * 2 * 1024 * 1024),
    ),
    case(
        "env-file-not-utf8",
        ".env.production: line 10: not UTF-8 text",
        write(".env.production", b"APP_ENV=production\n" * 9 + b"NAME=caf\xe9\n"),
    ),
    case(
        "nul-byte-in-template",
        ".env.example: line 2: a NUL byte",
        replace(".env.example", "APP_ENV=development", "APP_ENV=dev\0elopment"),
    ),
    case(
        "database-url-missing",
        ".env.production: DATABASE_URL is not set",
        env_line("DATABASE_URL", ""),
    ),
    case(
        "database-url-empty",
        ".env.production: DATABASE_URL is not set",
        env_line("DATABASE_URL", "DATABASE_URL="),
    ),
    case(
        "database-url-unparseable",
        ".env.production: line 2: DATABASE_URL: does not parse as a database URL",
        env_line("DATABASE_URL", "DATABASE_URL=not a url"),
    ),
    case(
        "database-url-impossible-port",
        "line 2: DATABASE_URL: does not parse as a database URL",
        env_line("DATABASE_URL", "DATABASE_URL=postgresql://u:pw-hidden@db:99999/x"),
    ),
    case(
        "database-url-unknown-dialect",
        "line 2: DATABASE_URL: names a database dialect SQLAlchemy does not know (nosuchdb)",
        env_line("DATABASE_URL", "DATABASE_URL=nosuchdb://u:pw-hidden@db/x"),
    ),
    case(
        "url-env-names-a-missing-key",
        ".env.production: DB_URL is not set",
        toml('url_env = "DATABASE_URL"', 'url_env = "DB_URL"'),
    ),
    case(
        "rehearsal-of-a-mysql-database",
        "DATABASE_URL: a rehearsal needs a database of its own",
        env_line("DATABASE_URL", "DATABASE_URL=mysql://u:pw-hidden@db/x"),
        args=(*RUN, "--rehearsal"),
    ),
    # Options and settings.
    case(
        "report-json-is-a-folder",
        "--report-json {tmp}: is a folder",
        args=(*RUN, "--report-json", "{tmp}"),
    ),
    case(
        "report-json-under-a-file",
        "--report-json {manifest}/report.json: {manifest} is a file",
        args=(*RUN, "--report-json", "{manifest}/report.json"),
    ),
    case("ledger-url-unparseable", "GOLIVE_LEDGER_URL: not a database URL", GOLIVE_LEDGER_URL="::"),
    case(
        "ledger-url-unknown-dialect",
        "GOLIVE_LEDGER_URL: not a database URL",
        GOLIVE_LEDGER_URL="nosuchdb://u:pw-hidden@db/ledger",
    ),
    case(
        "golive-home-is-a-file", "GOLIVE_HOME: {manifest} is not a folder", GOLIVE_HOME="{manifest}"
    ),
    case("bad-variant", "golive run: Invalid value for 'variant'", args=("run", "sideways")),
    case("misspelt-option", "golive run: No such option: --rehersal", args=(*RUN, "--rehersal")),
    case("bad-if-busy", "golive run: Invalid value for '--if-busy'", args=(*RUN, "--if-busy", "x")),
    # Environment names, for every command that takes one.
    *[
        case(f"{command}-outside-home", NAME_ERROR, args=(*args, "--environment", VICTIM))
        for command, args in TAKE_AN_ENVIRONMENT.items()
    ],
    case(
        "environment-uppercase",
        "--environment: 'Production' is not",
        args=(*RUN, "--environment", "Production"),
    ),
    case("environment-dotdot", "--environment: '..' is not", args=(*RUN, "--environment", "..")),
    case("environment-empty", "--environment: '' is not", args=(*RUN, "--environment", "")),
    case(
        "environment-with-slash",
        "--environment: 'prod/a' is not",
        args=("down", "--environment", "prod/a"),
    ),
    case(
        "environment-too-long",
        f"--environment: {'p' * 61!r} is not an environment name",
        args=(*RUN, "--environment", "p" * 61),
    ),
    case(
        "rehearsal-name-too-long",
        f"--environment: {'p' * 51!r} is too long for a rehearsal",
        args=(*RUN, "--environment", "p" * 51, "--rehearsal"),
    ),
]

# Run again in a subprocess, as a user runs them: the issue's own examples.
AS_A_USER = {
    "dependency-cycle",
    "nul-byte-in-env-file",
    "report-json-is-a-folder",
    "ledger-url-unparseable",
    "down-outside-home",
    "bad-variant",
}


@pytest.fixture
def untouchable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing may start: no launch, no process."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("bad input reached a launch or a process")

    monkeypatch.setattr(cli, "run_interruptible", refuse)
    monkeypatch.setattr(runner, "start", refuse)
    monkeypatch.setattr(runner, "run", refuse)
    monkeypatch.setattr(runner, "stop_group", refuse)
    monkeypatch.setattr(runner, "stop_groups", refuse)


def prepare(c: Case, target: Path, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    for edit in c.edits:
        edit(target.parent)
    fill = {"{manifest}": str(target), "{folder}": str(target.parent), "{tmp}": str(tmp_path)}

    def filled(text: str) -> str:
        for key, value in fill.items():
            text = text.replace(key, value)
        return text

    return [filled(a) for a in c.args], {k: filled(v) for k, v in c.environ.items()}


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under folder: its content's hash and its mode."""
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mode)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def expected_line(c: Case, target: Path, tmp_path: Path) -> str:
    return c.expected.replace("{manifest}", str(target)).replace("{tmp}", str(tmp_path))


def assert_one_line(code: int, out: str, err: str, expected: str) -> None:
    assert "Traceback" not in out + err, out + err
    assert code == 2, f"exit {code}: {err or out}"
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("golive: error: "), lines[0]
    assert expected in lines[0], lines[0]
    assert "pw-hidden" not in lines[0]  # a secret in an URL is never shown


@pytest.mark.usefixtures("untouchable")
@pytest.mark.parametrize("c", CORPUS, ids=[c.id for c in CORPUS])
def test_bad_input_is_one_line_exit_2_and_nothing_changes(
    c: Case,
    target: Path,
    tmp_path: Path,
    golive_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args, environ = prepare(c, target, tmp_path)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    before = snapshot(target.parent)
    monkeypatch.setattr(sys, "argv", ["golive", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    out, err = capsys.readouterr()
    assert isinstance(done.value.code, int)
    assert_one_line(done.value.code, out, err, expected_line(c, target, tmp_path))
    assert not golive_home.exists()  # no ledger, no database, no environment, no process
    assert snapshot(target.parent) == before


@pytest.mark.parametrize("c", [c for c in CORPUS if c.id in AS_A_USER], ids=lambda c: c.id)
def test_bad_input_as_a_user_runs_it(c: Case, target: Path, tmp_path: Path) -> None:
    args, environ = prepare(c, target, tmp_path)
    home = tmp_path / "home"
    before = snapshot(target.parent)
    done = run_golive(*args, home=home, env=environ, cwd=tmp_path, timeout=120)
    assert_one_line(done.returncode, done.stdout, done.stderr, expected_line(c, target, tmp_path))
    # Only the (empty) Prefect folder the test harness makes for it: no ledger, no database.
    assert [p.relative_to(home) for p in home.rglob("*")] == [Path("prefect")]
    assert snapshot(target.parent) == before


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    assert len(CORPUS) >= 45
    assert len({c.id for c in CORPUS}) == len(CORPUS)


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """A process golive did not start (it must never be signalled)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield proc
    proc.kill()
    proc.wait()


def test_down_never_reads_a_pid_file_outside_golive_home(
    bystander: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    victim = (home / "environments" / VICTIM).resolve() / "run"
    assert victim.is_relative_to(tmp_path) and not victim.is_relative_to(home)
    victim.mkdir(parents=True)
    (victim / "api.json").write_text(f'{{"pid": {bystander.pid}, "release_id": "r", "port": 1}}')
    for command in ("down", "status"):
        done = run_golive(command, "--environment", VICTIM, home=home, timeout=120)
        assert done.returncode == 2 and NAME_ERROR in done.stderr, done.stderr
    assert bystander.poll() is None  # still running


@pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="needs /proc (Linux)")
def test_down_never_signals_a_process_golive_did_not_start(
    bystander: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    """A state file inside GOLIVE_HOME naming another program's pid (a reused pid, a file
    golive did not write): neither `status` nor `down` takes it for a service of golive's."""
    home = tmp_path / "home"
    run_dir = home / "environments" / "production" / "run"
    run_dir.mkdir(parents=True)
    state = f'{{"pid": {bystander.pid}, "release_id": "r", "port": 1, "mark": "forged"}}'
    (run_dir / "api.json").write_text(state)
    status = run_golive("status", "--environment", "production", home=home, timeout=120)
    assert status.returncode == 0, status.stderr
    assert "api" not in status.stdout  # not golive's, so not a running service
    done = run_golive("down", "--environment", "production", home=home, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "stopped nothing in production" in done.stdout
    assert bystander.poll() is None


def test_a_valid_launch_passes_validation(target: Path, golive_home: Path) -> None:
    from golive.validate import check_launch

    spec = check_launch(target, "production", rehearsal=True, report_json=Path("r/report.json"))
    assert spec.target.name == "azora"
    assert not golive_home.exists()
