"""The manifest's sections for what Hour 1 checks: the audit and the target's suites."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from golive.manifest.fields import Command, EnvKey, Name, Strict


class AllowlistEntry(Strict):
    id: str = Field(min_length=1, description="an advisory id or any of its aliases")
    reason: str = Field(min_length=1, description="why the launch may go ahead anyway")
    expires: date = Field(description="the last day the entry applies")


class Audit(Strict):
    requirements: list[Path] = Field(default_factory=list, description="pinned requirements")
    installed: bool = Field(
        False,
        description="audit what the target's interpreter ([target] python, else golive's own)"
        " has installed; no requirements file needed",
    )
    npm_lockfiles: list[Path] = Field(
        default_factory=list, description="package-lock.json files, audited with npm audit"
    )
    source: Literal["local", "osv", "pypi"] = Field(
        "local", description="local: the advisories below; osv, pypi: pip-audit's online services"
    )
    # Always a path (the manifest's folder when omitted) because the path check reads it;
    # only source = "local" uses it, and then it must be given.
    advisories: Path = Field(
        Path("."), description="a folder of OSV records (YAML or JSON) or a zip export of them"
    )
    block_at: Literal["none", "low", "medium", "high", "critical"] = "high"
    unknown_severity_blocks: bool = True
    fixable_only: bool = Field(False, description="findings with no fixed version do not block")
    allowlist: list[AllowlistEntry] = Field(default_factory=list)
    timeout: float = Field(300, gt=0)

    @model_validator(mode="after")
    def _something_to_audit(self) -> Audit:
        if not self.requirements and not self.npm_lockfiles and not self.installed:
            raise ValueError(
                "name at least one file in requirements or npm_lockfiles, or set installed = true"
            )
        local = self.source == "local"
        python = self.requirements or self.installed
        if python and local and "advisories" not in self.model_fields_set:
            raise ValueError(
                "advisories is required to audit requirements with source = 'local' (a folder "
                "or zip of OSV records); source = 'osv' or 'pypi' uses pip-audit's online services"
            )
        return self


class Suite(Strict):
    name: Name
    command: Command
    junit: Path = Field(description="where the command writes its JUnit XML")
    coverage: Path | None = Field(None, description="where it writes Cobertura coverage XML")
    critical: bool = Field(True, description="a failing critical suite blocks; others warn")
    timeout: float = Field(600, gt=0, description="seconds before the suite is stopped")
    workdir: Path = Field(Path("."), description="where the command runs, relative to the manifest")
    env_file: Path | None = Field(None, description="an env file whose values the suite gets")
    env: dict[EnvKey, str] = Field(
        default_factory=dict,
        description="values the suite gets (over env_file's); ${KEY} is the production env's",
    )
    database: Literal["disposable", "production", "none"] = Field(
        "disposable",
        description="disposable: a fresh database of its own, migrated to head and dropped "
        "afterwards; production: the production database; none: no database keys at all",
    )
