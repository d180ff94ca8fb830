"""How bad a vulnerability is: a CVSS score and its rating, or honestly "unknown".

OSV records carry CVSS v3 / v4 vectors in their `severity` entries; the score is computed from
the vector with the `cvss` library (the record's own text is never trusted for a number). Many
PYSEC records carry no vector at all: their severity is UNKNOWN, which the audit policy treats
on its own terms rather than guessing. npm reports severities by name only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cvss import CVSS3, CVSS4, CVSSError  # type: ignore[import-untyped]


class Rating(StrEnum):
    """The CVSS qualitative ratings, plus UNKNOWN for a vulnerability with no usable vector."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """Order of the known ratings (none lowest); UNKNOWN ranks below them all."""
        return _RANKS[self]


_RANKS = {r: i for i, r in enumerate([Rating.UNKNOWN, *list(Rating)[:5]])}

# npm's names for the same ratings ("moderate" and "info" are npm's own words).
_NAMES = {
    "info": Rating.NONE,
    "none": Rating.NONE,
    "low": Rating.LOW,
    "moderate": Rating.MEDIUM,
    "medium": Rating.MEDIUM,
    "high": Rating.HIGH,
    "critical": Rating.CRITICAL,
}


@dataclass(frozen=True)
class Severity:
    rating: Rating
    score: float | None = None  # the CVSS base score, when a vector gave one

    def __str__(self) -> str:
        if self.score is None:
            return self.rating.value
        return f"{self.score:.1f} {self.rating.value}"

    @property
    def known(self) -> bool:
        return self.rating is not Rating.UNKNOWN

    def outranks(self, other: Severity) -> bool:
        """Whether self is worse than other: by rating, then by score."""
        mine = (self.rating.rank, self.score if self.score is not None else -1.0)
        theirs = (other.rating.rank, other.score if other.score is not None else -1.0)
        return mine > theirs


UNKNOWN = Severity(Rating.UNKNOWN)


def rating_for(score: float) -> Rating:
    """The CVSS v3/v4 qualitative rating of a base score (0.0 none ... 9.0+ critical)."""
    if score >= 9.0:
        return Rating.CRITICAL
    if score >= 7.0:
        return Rating.HIGH
    if score >= 4.0:
        return Rating.MEDIUM
    if score > 0.0:
        return Rating.LOW
    return Rating.NONE


def from_vector(vector: str) -> Severity | None:
    """The severity of a CVSS v3.x or v4.0 vector string; None when it cannot be parsed."""
    text = vector.strip()
    try:
        if text.startswith("CVSS:3."):
            score = float(CVSS3(text).base_score)
        elif text.startswith("CVSS:4."):
            score = float(CVSS4(text).base_score)
        else:
            return None  # CVSS v2 and free text: not a v3/v4 vector
    except CVSSError:
        return None
    return Severity(rating_for(score), score)


def from_name(name: str) -> Severity:
    """A severity from a rating name alone (npm's "moderate" included); unknown otherwise."""
    return Severity(_NAMES.get(name.strip().lower(), Rating.UNKNOWN))


def of_record(record: Mapping[str, Any]) -> Severity:
    """The worst severity among an OSV record's CVSS v3/v4 vectors; UNKNOWN when it has none.

    The worst, not the newest: a launch gate errs on the side of blocking when two scorings
    of one advisory disagree.
    """
    vectors = [
        str(entry.get("score", ""))
        for entry in record.get("severity") or []
        if isinstance(entry, Mapping) and entry.get("type") in ("CVSS_V3", "CVSS_V4")
    ]
    return worst(s for s in map(from_vector, vectors) if s is not None)


def worst(severities: Iterable[Severity]) -> Severity:
    """The worst of severities; a known one always beats UNKNOWN; UNKNOWN when empty."""
    found = UNKNOWN
    for severity in severities:
        if severity.outranks(found):
            found = severity
    return found
