"""Resuming a NO-GO or CRASHED launch from its first failed gate (`golive resume`).

A resume is a new launch of the same manifest, environment and variant, linked to the old one
(`resumed_from`). Its Hour 1 gates whose earlier result still holds are taken from the ledger
("reused") instead of being run; every other gate runs. What "still holds" means, per gate:

- configure, audit, tests: the earlier run passed (or only warned), and the digests of what it
  ran on are the same now (`gate_inputs`, recorded with every gate run). configure: the env
  file and its template, `[env]`, the database settings and the environment. audit: its cache
  key (requirement and lock files, advisory data, `[audit]`, pip-audit's version). tests: the
  target's files (the manifest file aside: its smoke, load and service sections change no
  suite), the suites' settings, the env they get, the database settings and the interpreter.
- migrate: as above, and the database is still where that migrate left it, and that migrate
  moved nothing. A NO-GO puts back a database its launch migrated (and a crash's recovery
  does too), so after a launch that applied migrations the database is at its old revision
  again and migrate runs again (taking this launch's own backup); the resume says where the
  database is. Only a migrate that found
  the database already at head is reused, if the database is still at that head.
- build, deploy, monitor, smoke, load, metrics: never reused. The NO-GO stopped the releases
  that deploy started and the checks watched them; build is cached by content anyway.

A gate whose inputs changed says which and runs again. Digests only, never a value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from golive.audit.installed import target_python
from golive.context import LaunchContext
from golive.errors import InputError
from golive.gates.audit import audit_cache_key
from golive.gates.outputs import MigrateOutput
from golive.gates.registry import result_from_json
from golive.hashing import IGNORED_PARTS, IGNORED_SUFFIXES, tree_digest
from golive.ledger import Ledger
from golive.ledger.models import Launch
from golive.results import GateResult, Status

RESUMABLE = ("NO-GO", "CRASHED")
# Hour 1 gates a resume may take from the ledger; every other gate runs again.
REUSABLE = ("configure", "audit", "tests", "migrate")
# Each gate's inputs: part name → sha256. The last part of a gate digests everything it
# depends on; it is named as changed only when none of the parts before it changed.
Inputs = dict[str, str]


def sha(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))  # "a"+"bc" and "ab"+"c" hash apart
        digest.update(data)
    return digest.hexdigest()


def file_sha(path: Path) -> str:
    try:
        return sha(path.read_bytes(), oct(path.stat().st_mode & 0o777))
    except OSError:
        return sha("<missing>")


def configure_inputs(ctx: LaunchContext) -> Inputs:
    m = ctx.manifest
    settings = [m.env.model_dump_json(), m.database.model_dump_json(), ctx.environment]
    return {
        "production env file": file_sha(m.path(m.env.production)),
        "env template": file_sha(m.path(m.env.template)),
        "[env] and [database] settings": sha(*settings),
    }


def audit_inputs(ctx: LaunchContext) -> Inputs:
    m = ctx.manifest
    files = [m.path(p) for p in (*m.audit.requirements, *m.audit.npm_lockfiles)]
    python = target_python(m.target, m.root)
    return {
        "requirement and lock files": sha(*(file_sha(p) for p in files)),
        "advisory data, [audit] settings or pip-audit's version": audit_cache_key(
            m.audit, m.root, python=python
        ),
    }


def tests_inputs(ctx: LaunchContext) -> Inputs:
    m = ctx.manifest
    manifest_file = ctx.manifest_path.resolve()
    tops = [
        p
        for p in sorted(m.root.iterdir())
        if p.resolve() != manifest_file
        and p.name not in IGNORED_PARTS
        and (p.is_dir() or p.suffix not in IGNORED_SUFFIXES)
    ]
    settings = [s.model_dump_json() for s in m.suites]
    settings += [",".join(m.env.pass_env), m.database.model_dump_json(), str(m.python)]
    if any(s.database != "none" or s.env for s in m.suites):  # they run with the env's values
        settings.append(sha(json.dumps(sorted(ctx.env_values().items()))))
    return {
        "target's files": tree_digest(*tops),
        "suite settings or their env": sha(*settings),
    }


def migrate_inputs(ctx: LaunchContext) -> Inputs:
    m = ctx.manifest
    return {
        "database URL": sha(ctx.database_url()),
        "[database] settings": sha(m.database.model_dump_json()),
    }


INPUTS: dict[str, Callable[[LaunchContext], Inputs]] = {
    "configure": configure_inputs,
    "audit": audit_inputs,
    "tests": tests_inputs,
    "migrate": migrate_inputs,
}


def gate_inputs(ctx: LaunchContext) -> dict[str, str]:
    """Each reusable gate's inputs as the JSON the ledger records with its run. A gate whose
    inputs cannot be read now (a missing file the gate itself reports) records none."""
    found: dict[str, str] = {}
    for gate, inputs_of in INPUTS.items():
        try:
            found[gate] = json.dumps(inputs_of(ctx))  # in order: the last part is the catch-all
        except Exception:
            continue
    return found


def changed_parts(before: Inputs, now: Inputs) -> list[str]:
    """The names of the parts that differ; the catch-all last part only when alone."""
    names = list(now)
    differ = [n for n in names if before.get(n) != now[n]]
    if len(differ) > 1 and names and names[-1] in differ:
        differ.remove(names[-1])
    return differ


@dataclass(frozen=True)
class Decision:
    """One gate of a resume: the earlier result it reuses (None: it runs), and why."""

    gate: str
    reuse: GateResult | None
    why: str

    @property
    def line(self) -> str:
        return f"{self.gate}: {'reused' if self.reuse else 'runs'}: {self.why}"


def check_resumable(
    ledger: Ledger,
    launch_id: int,
    environment: str,
    *,
    manifest: str | None = None,
    variant: str | None = None,
    rehearsal: bool | None = None,
) -> Launch:
    """The launch to resume, or InputError (exit 2) saying in one line why it cannot be."""
    old = ledger.launch(launch_id)
    if old is None:
        raise InputError(f"--launch {launch_id}: no such launch in the ledger (see golive history)")
    base = old.environment.removesuffix("-rehearsal") if old.rehearsal else old.environment
    if base != environment:
        raise InputError(
            f"--launch {launch_id}: it launched into {old.environment}, not {environment}"
        )
    if old.verdict not in RESUMABLE:
        state = f"ended {old.verdict}" if old.verdict else "is still running"
        raise InputError(
            f"--launch {launch_id}: it {state}; only a NO-GO or CRASHED launch can be resumed"
        )
    if old.variant not in ("full", "soft"):  # its stages resume their own run instead
        raise InputError(f"--launch {launch_id}: a {old.variant} launch cannot be resumed")
    if not old.manifest:
        raise InputError(f"--launch {launch_id}: the ledger has no manifest path for it")
    if manifest is not None and Path(manifest).resolve() != Path(old.manifest):
        raise InputError(f"--launch {launch_id}: it launched {old.manifest}, not {manifest}")
    if variant is not None and variant != old.variant:
        raise InputError(f"--launch {launch_id}: it was a {old.variant} launch, not {variant}")
    if rehearsal is not None and rehearsal != old.rehearsal:
        kind = "a rehearsal" if old.rehearsal else "not a rehearsal"
        raise InputError(f"--launch {launch_id}: it was {kind}")
    return old


# Reads the database's revision now and the revision(s) an upgrade would reach.
DatabaseState = Callable[[], tuple[str | None, tuple[str, ...]]]


def plan_resume(
    ctx: LaunchContext, ledger: Ledger, old: Launch, database_at: DatabaseState
) -> list[Decision]:
    """What a resume of `old` reuses and what it runs, for each reusable gate in plan order.

    `database_at` is only asked when migrate could otherwise be reused.
    """
    runs = {g.gate: g for g in ledger.gate_runs(old.id)}
    now = gate_inputs(ctx)
    decisions: list[Decision] = []
    for gate in REUSABLE:
        row = runs.get(gate)
        earlier = None if row is None or row.result is None else row.result
        if earlier is None or row is None:
            decisions.append(Decision(gate, None, f"launch {old.id} has no result for it"))
            continue
        result = result_from_json(earlier)
        why = not_reusable(old.id, result, row.inputs, now.get(gate))
        if why is None and gate == "migrate":
            configure_reused = decisions[0].reuse is not None  # REUSABLE starts with it
            why = (
                database_moved(old, result.output, database_at)
                if configure_reused
                else "configure runs again, and migrate only after it"
            )
        if why is None:
            origin = result.reused_from or old.id  # a resumed launch's reuse names its source
            made = "passed" if result.status is Status.PASSED else result.status.value
            decisions.append(
                Decision(
                    gate, result.reused(origin), f"{made} in launch {origin}, inputs unchanged"
                )
            )
        else:
            decisions.append(Decision(gate, None, why))
    return decisions


def not_reusable(
    old_id: int, result: GateResult, before: str | None, now: str | None
) -> str | None:
    """Why an earlier gate result cannot stand for this launch, or None when it can."""
    if result.status not in (Status.PASSED, Status.WARNED) or result.blocks_launch:
        return f"it {result.status.value} in launch {old_id}"
    if before is None:
        return f"launch {old_id} recorded no inputs for it"
    if now is None:
        return "its inputs cannot be read now"
    parts = changed_parts(json.loads(before), json.loads(now))
    if parts:
        return f"inputs changed since launch {old_id}: {', '.join(parts)}"
    return None


def database_moved(old: Launch, output: object, database_at: DatabaseState) -> str | None:
    """Why launch `old`'s migrate no longer holds for the database as it is now, or None."""
    if not isinstance(output, MigrateOutput):
        return f"launch {old.id} recorded no revisions for it"
    try:
        at, heads = database_at()
    except Exception as exc:  # the migrate gate that runs instead says what is wrong
        return f"the database's revision cannot be read now ({type(exc).__name__})"
    now = at or "an empty schema"
    if output.needs_undo:  # that migrate moved the database: this launch takes its own backup
        moved = f"launch {old.id} migrated {output.before or 'an empty schema'} -> {output.after}"
        if at == output.before:
            undo = "its NO-GO" if old.verdict == "NO-GO" else "its recovery"
            return f"{moved} and {undo} put the database back at {now}: migrate runs again"
        return f"{moved}; the database is at {now}: migrate runs again"
    if at != output.after:
        return f"the database is at {now}, not {output.after} as it was"
    if at not in heads:  # a migration added since, or a tool that cannot say its head
        return f"the database is at {now}, which is not the head now"
    return None
