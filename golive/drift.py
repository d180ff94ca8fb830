"""Rehearsal drift: what changed between a rehearsal and the previous rehearsal of the same
target and environment.

Pure: two lists of gate results (as the ledger rebuilds them, typed outputs included) and the
manifest's `[drift]` limits in, a typed `DriftReport` out. It compares each gate's status and
duration, the load's p50/p95/p99 and requests/s (locust's `Aggregated` row), the audit and
configure findings (new and resolved) and the migrations that appeared. A load change past a
limit is a regression: a warning, or a NO-GO when `[drift] blocking = true`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from golive.gates.outputs import LoadOutput, MigrateOutput
from golive.manifest.drift import DriftSettings
from golive.results import GateResult
from golive.scorecard import Scorecard

AGGREGATE = "Aggregated"  # locust's total row
LOAD_METRICS = ("p50_ms", "p95_ms", "p99_ms", "rps")


@dataclass(frozen=True)
class GateChange:
    """One gate in both rehearsals (None: it did not run in that one)."""

    gate: str
    status_before: str | None
    status_after: str | None
    seconds_before: float | None
    seconds_after: float | None

    @property
    def changed(self) -> bool:
        return self.status_before != self.status_after


@dataclass(frozen=True)
class LoadChange:
    metric: str  # p50_ms, p95_ms, p99_ms or rps
    before: float
    after: float

    @property
    def ratio(self) -> float | None:
        """The relative change (0.35: 35% more); None when there was nothing before."""
        return (self.after - self.before) / self.before if self.before else None

    @property
    def label(self) -> str:
        return self.metric.removesuffix("_ms")

    def describe(self) -> str:
        unit = " ms" if self.metric.endswith("_ms") else "/s"
        change = "n/a" if self.ratio is None else f"{self.ratio:+.0%}"
        return f"{self.label} {self.before:.1f}{unit} -> {self.after:.1f}{unit} ({change})"


@dataclass(frozen=True)
class DriftReport:
    launch_id: int
    previous_id: int
    previous_variant: str
    gates: tuple[GateChange, ...]
    load: tuple[LoadChange, ...]
    audit_new: tuple[str, ...]
    audit_resolved: tuple[str, ...]
    configure_new: tuple[str, ...]
    configure_resolved: tuple[str, ...]
    migrations_added: tuple[str, ...]
    regressions: tuple[str, ...]  # e.g. "p95 +35% over 20%"
    blocking: bool  # `[drift] blocking = true` and a regression: the rehearsal is NO-GO

    @property
    def reasons(self) -> list[str]:
        """What a blocking drift adds to the verdict's reasons."""
        return [f"drift: {r}" for r in self.regressions] if self.blocking else []

    def lines(self) -> list[str]:
        """A few lines for the console: the load, what changed, each regression."""
        head = f"drift against rehearsal {self.previous_id} ({self.previous_variant})"
        out = [head + (": " + "; ".join(c.describe() for c in self.load) if self.load else "")]
        out += [
            f"gate {g.gate}: {g.status_before or 'not run'} -> {g.status_after or 'not run'}"
            for g in self.gates
            if g.changed
        ]
        for label, items in self._lists():
            if items:
                out.append(f"{label}: {', '.join(items)}")
        kind = "NO-GO" if self.blocking else "warning"
        out += [f"drift {kind}: {r}" for r in self.regressions]
        return out

    def _lists(self) -> list[tuple[str, tuple[str, ...]]]:
        return [
            ("new audit findings", self.audit_new),
            ("resolved audit findings", self.audit_resolved),
            ("new configure findings", self.configure_new),
            ("resolved configure findings", self.configure_resolved),
            ("migrations added", self.migrations_added),
        ]

    def markdown(self, level: int = 1) -> str:
        h = "#" * level
        lines = [f"{h} Drift against rehearsal {self.previous_id} ({self.previous_variant})", ""]
        if self.regressions:
            kind = "blocking (NO-GO)" if self.blocking else "warning"
            lines += [f"Regressions, {kind}:", ""] + [f"- {r}" for r in self.regressions] + [""]
        else:
            lines += ["No regression past the `[drift]` limits.", ""]
        if self.load:
            lines += ["| load | before | after | change |", "|---|---|---|---|"]
            lines += [
                f"| {c.label} | {c.before:.1f} | {c.after:.1f} | "
                f"{'n/a' if c.ratio is None else f'{c.ratio:+.0%}'} |"
                for c in self.load
            ]
            lines.append("")
        lines += [
            "| gate | before | after | seconds before | seconds after |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {g.gate} | {g.status_before or '-'} | {g.status_after or '-'} | "
            f"{_secs(g.seconds_before)} | {_secs(g.seconds_after)} |"
            for g in self.gates
        ]
        for label, items in self._lists():
            lines += ["", f"{label.capitalize()}: {', '.join(items) if items else 'none'}"]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        return {
            "previous_launch_id": self.previous_id,
            "previous_variant": self.previous_variant,
            "gates": [g.__dict__ for g in self.gates],
            "load": {
                c.metric: {"before": c.before, "after": c.after, "ratio": c.ratio}
                for c in self.load
            },
            **{label.replace(" ", "_"): list(items) for label, items in self._lists()},
            "regressions": list(self.regressions),
            "blocking": self.blocking,
            "lines": self.lines(),
        }


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def compare(
    previous: list[GateResult],
    current: list[GateResult],
    limits: DriftSettings,
    *,
    launch_id: int,
    previous_id: int,
    previous_variant: str,
) -> DriftReport:
    """This rehearsal's results against the previous rehearsal's."""
    before, after = _by_gate(previous), _by_gate(current)
    load = load_changes(before.get("load"), after.get("load"))
    audit = _changed(_audit_findings(before.get("audit")), _audit_findings(after.get("audit")))
    configure = _changed(
        _configure_findings(before.get("configure")), _configure_findings(after.get("configure"))
    )
    regressions = tuple(regressions_in(load, limits))
    return DriftReport(
        launch_id=launch_id,
        previous_id=previous_id,
        previous_variant=previous_variant,
        gates=tuple(
            _gate_change(name, before.get(name), after.get(name)) for name in _order(before, after)
        ),
        load=load,
        audit_new=audit[0],
        audit_resolved=audit[1],
        configure_new=configure[0],
        configure_resolved=configure[1],
        migrations_added=migrations_added(before.get("migrate"), after.get("migrate")),
        regressions=regressions,
        blocking=limits.blocking and bool(regressions),
    )


def _by_gate(results: list[GateResult]) -> dict[str, GateResult]:
    # A gate recorded twice (a staged run's approval) counts by its last result.
    return {r.gate: r for r in results}


def _order(before: dict[str, GateResult], after: dict[str, GateResult]) -> list[str]:
    return [*after, *(g for g in before if g not in after)]


def _gate_change(name: str, old: GateResult | None, new: GateResult | None) -> GateChange:
    return GateChange(
        name,
        old.status.value if old else None,
        new.status.value if new else None,
        old.duration_s if old else None,
        new.duration_s if new else None,
    )


def _aggregate(result: GateResult | None) -> dict[str, float] | None:
    if result is None or not isinstance(result.output, LoadOutput):
        return None
    total = next((e for e in result.output.endpoints if e.endpoint == AGGREGATE), None)
    if total is None:
        return None
    return {
        "p50_ms": total.p50_ms,
        "p95_ms": total.p95_ms,
        "p99_ms": total.p99_ms,
        "rps": total.rps,
    }


def load_changes(old: GateResult | None, new: GateResult | None) -> tuple[LoadChange, ...]:
    """p50/p95/p99 and requests/s before and after; empty unless both rehearsals loaded."""
    a, b = _aggregate(old), _aggregate(new)
    if a is None or b is None:
        return ()
    return tuple(LoadChange(m, a[m], b[m]) for m in LOAD_METRICS)


def regressions_in(load: tuple[LoadChange, ...], limits: DriftSettings) -> list[str]:
    """Each load change past its `[drift]` limit, said as "p95 +35% over 20%"."""
    found = []
    allowed = {"p95_ms": limits.max_p95_increase, "p99_ms": limits.max_p99_increase}
    for change in load:
        ratio = change.ratio
        if ratio is None:
            continue
        limit = allowed.get(change.metric)
        if limit is not None and ratio > limit:
            found.append(f"{change.label} {ratio:+.0%} over {limit:.0%}")
        fall = limits.max_rps_decrease
        if change.metric == "rps" and fall is not None and -ratio > fall:
            found.append(f"requests/s {ratio:+.0%} past -{limits.max_rps_decrease:.0%}")
    return found


def _changed(old: list[str], new: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(new, resolved): in `new` only, and in `old` only; order kept."""
    return tuple(f for f in new if f not in old), tuple(f for f in old if f not in new)


def _audit_findings(result: GateResult | None) -> list[str]:
    rows = result.details if result else []
    return [f"{r.get('package')} {r['id']}" for r in rows if r.get("id")]


def _configure_findings(result: GateResult | None) -> list[str]:
    rows = result.details if result else []
    # A generated secret is news about this run, not a finding about the configuration.
    return [
        f"{r['key']} [{r['rule']}]"
        for r in rows
        if r.get("key") and r.get("rule") and r.get("rule") != "generated-secret"
    ]


def _revisions(result: GateResult | None) -> list[str]:
    if result is None:
        return []
    seen = [str(r["revision"]) for r in result.details if r.get("revision")]
    out = result.output
    if isinstance(out, MigrateOutput):
        seen += [*out.heads, *(rev for rev in (out.before, out.after) if rev)]
    return list(dict.fromkeys(seen))


def migrations_added(old: GateResult | None, new: GateResult | None) -> tuple[str, ...]:
    """Revisions this rehearsal's migrate gate saw (applied, or as head) that the previous
    rehearsal's never did."""
    if old is None:  # the previous rehearsal never got to migrate: nothing to compare
        return ()
    known = set(_revisions(old))
    return tuple(r for r in _revisions(new) if r not in known)


def with_drift(scorecard: Scorecard, drift: DriftReport | None) -> Scorecard:
    """The verdict as computed, except that a blocking drift turns GO into NO-GO (and adds its
    reasons to a NO-GO's): the scorecard rows stay what the gates scored."""
    if drift is None or not drift.blocking:
        return scorecard
    return replace(scorecard, verdict="NO-GO", reasons=[*scorecard.reasons, *drift.reasons])
