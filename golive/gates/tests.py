"""Tests gate: run each of the target's suites and read its JUnit XML (and coverage XML).

Per suite: duration, counts, the failing tests with their first error line, and the line
coverage when the suite writes a Cobertura XML. A failing critical suite blocks the launch;
a failing non-critical suite warns.
"""

from __future__ import annotations

import shlex
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase
from junitparser.junitparser import JUnitXmlError

from golive import runner
from golive.database_url import REFERENCE, DatabaseUrl
from golive.disposable import disposable_database
from golive.envfile import read_env
from golive.errors import GoliveError, ToolError
from golive.files import copy_private, private_dir
from golive.manifest import Suite
from golive.results import GateResult, failed, passed, warned

if TYPE_CHECKING:
    from golive.migrations import Migrations

GATE = "tests"


@dataclass
class SuiteOutcome:
    name: str
    critical: bool
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failing: list[str] = field(default_factory=list)  # "test: first error line"
    problem: str = ""  # why there are no counts (did not run, no JUnit XML)
    duration_s: float = 0.0
    coverage: float | None = None  # percent of lines

    @property
    def ok(self) -> bool:
        return not self.problem and self.failed == 0

    def row(self) -> dict[str, object]:
        return {
            "suite": self.name,
            "critical": self.critical,
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "seconds": round(self.duration_s, 2),
            "coverage": "-" if self.coverage is None else f"{self.coverage:.1f}%",
            "failing": "; ".join(self.failing[:10]) or self.problem,
        }


def first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def loose_cases(xml: JUnitXml) -> list[TestCase]:
    """Test cases straight under <testsuites>, in no <testsuite>: where Node's test runner
    (`node --test --test-reporter=junit`) puts top-level tests."""
    elements = xml._elem.findall("testcase")
    return [TestCase.fromelem(e) for e in elements]  # type: ignore[no-untyped-call]


def read_junit(path: Path, outcome: SuiteOutcome) -> None:
    xml = JUnitXml.fromfile(str(path))
    suites: list[Iterable[object]] = [xml] if xml._tag == "testsuite" else list(xml)
    if xml._tag != "testsuite":
        suites.append(loose_cases(xml))
    for suite in suites:
        for case in suite:
            if not isinstance(case, TestCase):
                continue  # a nested suite's cases are counted where it is listed itself
            problems = [r for r in case.result if isinstance(r, Failure | Error)]
            kinds = {type(r) for r in case.result}
            if problems:
                outcome.failed += 1
                name = f"{case.classname}::{case.name}" if case.classname else case.name
                why = first_line(problems[0].message) or first_line(problems[0].text)
                outcome.failing.append(f"{name}: {why[:160]}" if why else name)
            elif Skipped in kinds:
                outcome.skipped += 1
            else:
                outcome.passed += 1


def read_coverage(path: Path) -> float:
    """Line coverage in percent from a Cobertura XML (coverage.py's `coverage xml`)."""
    rate = ElementTree.parse(path).getroot().get("line-rate")
    if rate is None:
        raise ValueError("no line-rate attribute")
    return float(rate) * 100


@dataclass(frozen=True)
class SuiteDatabases:
    """What the suites need to reach a database: this environment's env (the production env
    file's values, a rehearsal's database placed), where the URL comes from, the manifest's
    migration tool for a given env (a disposable database is brought to head with it), and
    the seed run after them."""

    env: Mapping[str, str]
    source: DatabaseUrl
    migrations: Callable[[Mapping[str, str]], Migrations]
    seed: str | None = None
    notes: Path | None = None  # where disposable databases are noted while they exist


@contextmanager
def suite_database(suite: Suite, world: SuiteDatabases | None) -> Iterator[dict[str, str]]:
    """The env of the database the suite asked for: none, production's (the whole env), or a
    disposable one made, migrated (and seeded) here, dropped when the suite is done."""
    if world is None or suite.database == "none":
        yield {}
        return
    if suite.database == "production":
        yield dict(world.env)
        return
    with disposable_database(world.source, world.env, world.notes) as env:
        migrate_disposable(world, env)
        yield env


def migrate_disposable(world: SuiteDatabases, env: dict[str, str]) -> None:
    """The migrate gate's upgrade (and seed) on a disposable database; ToolError if it fails."""
    tool = world.migrations(env)
    upgraded = tool.upgrade(world.source.compose(env))
    if not upgraded.done.ok:
        raise ToolError(
            f"the disposable database could not be migrated to head: {upgraded.problem}"
        )
    if world.seed:
        done = tool.seed(world.seed)
        if not done.ok:
            raise ToolError(f"the seed failed on the disposable database: {done.tail(1)}")


def suite_values(suite: Suite, root: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The suite's own values: its env_file's, then its `env`, where `${KEY}` is env's."""
    values = read_env(root / suite.env_file) if suite.env_file is not None else {}
    for key, value in suite.env.items():
        values[key] = REFERENCE.sub(lambda m: env.get(m.group(1), ""), value)
    return values


def run_suite(
    suite: Suite,
    root: Path,
    evidence_dir: Path,
    pass_env: Sequence[str] = (),
    world: SuiteDatabases | None = None,
    python: Path | None = None,
) -> tuple[SuiteOutcome, list[Path]]:
    """One suite, its `python` and `pytest` the target's own (its interpreter's bin folder is
    first on PATH)."""
    outcome = SuiteOutcome(suite.name, suite.critical)
    reports = [root / p for p in (suite.junit, suite.coverage) if p is not None]
    for report in reports:  # a stale file from an earlier run must not pass for this one
        report.unlink(missing_ok=True)
        report.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        with suite_database(suite, world) as database_env:
            own = suite_values(suite, root, {**(world.env if world else {}), **database_env})
            env = runner.target_env(pass_env, {**database_env, **own}, python=python)
            argv = shlex.split(suite.command)
            done = runner.run(argv, cwd=root / suite.workdir, timeout=suite.timeout, env=env)
    except GoliveError as exc:
        outcome.problem = str(exc)
        return outcome, []
    finally:
        outcome.duration_s = time.monotonic() - started
    junit = root / suite.junit
    if not junit.is_file():
        outcome.problem = f"no JUnit XML at {suite.junit} (exit {done.returncode}): {done.tail(1)}"
        return outcome, []
    try:
        read_junit(junit, outcome)
    except (JUnitXmlError, OSError, ValueError) as exc:
        outcome.problem = f"unreadable JUnit XML at {suite.junit}: {type(exc).__name__}"
        return outcome, []
    if done.returncode != 0 and outcome.failed == 0:
        outcome.problem = f"command exited {done.returncode}: {done.tail(1)}"
    if suite.coverage is not None and (root / suite.coverage).is_file():
        try:
            outcome.coverage = read_coverage(root / suite.coverage)
        except (ElementTree.ParseError, OSError, ValueError):
            outcome.coverage = None  # coverage is information here, never a reason to block
    private_dir(evidence_dir)
    kept = []
    for kind, report in (("junit", junit), ("coverage", root / (suite.coverage or "-"))):
        if report.is_file():
            kept.append(evidence_dir / f"{kind}-{suite.name}.xml")
            copy_private(report, kept[-1])
    return outcome, kept


def tests(
    suites: list[Suite],
    root: Path,
    evidence_dir: Path,
    pass_env: Sequence[str] = (),
    world: SuiteDatabases | None = None,
    python: Path | None = None,
) -> GateResult:
    """The tests gate: each suite in turn, in the target's environment (runner.target_env)
    with the target's interpreter (`python`, default golive's) and the database it asks for
    (world: how to reach one; None: no database keys), judged by its exit code and JUnit XML."""
    started = time.monotonic()
    outcomes, evidence = [], []
    for suite in suites:
        outcome, kept = run_suite(suite, root, evidence_dir, pass_env, world, python)
        outcomes.append(outcome)
        evidence += [str(path) for path in kept]
    rows = [o.row() for o in outcomes]
    total = sum(o.passed + o.failed for o in outcomes)
    score = round(100 * sum(o.passed for o in outcomes) / total) if total else 0
    kw: dict[str, Any] = {
        "details": rows,
        "evidence": evidence,
        "duration_s": time.monotonic() - started,
    }
    bad = [o for o in outcomes if not o.ok]
    if not suites:
        return warned(GATE, "no test suites in the manifest", score=0, **kw)
    if not bad:
        return passed(GATE, f"{total} tests passed in {len(suites)} suite(s)", **kw)
    first = bad[0]
    what = (
        f"{first.failed} failing test(s), first {first.failing[0]}"
        if first.failing
        else first.problem
    )
    summary = f"suite {first.name}: {what}"
    if any(o.critical for o in bad):
        return failed(GATE, summary, score=score, **kw)
    return warned(GATE, summary + " (not critical)", score=score, **kw)
