"""`[audit] installed = true`: what a real interpreter (a fresh virtualenv) has installed, audited
by real pip-audit against the shipped OSV records; and duplicate pins named before pip-audit."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from golive.audit.installed import duplicate_pins, installed_pins, target_python
from golive.gates.audit import audit, audit_cache_key
from golive.manifest import Audit, Target
from golive.results import Status

TODAY = date(2025, 1, 15)


def install_metadata(venv: Path, name: str, version: str) -> None:
    """A distribution as importlib.metadata sees it installed (its dist-info, no code)."""
    [site] = venv.glob("lib/python*/site-packages")
    info = site / f"{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    """A real virtualenv, without pip: the listing must not need it."""
    path = tmp_path / "target-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    install_metadata(path, "urllib3", "1.24.1")
    install_metadata(path, "Jinja2", "3.1.4")
    return path


def installed(advisories: Path, **kw: object) -> Audit:
    return Audit.model_validate({"installed": True, "advisories": advisories, **kw})


def test_target_python_is_the_manifests_or_golives_own(tmp_path: Path) -> None:
    assert target_python(Target(name="t"), tmp_path) == sys.executable


def test_the_listing_comes_from_the_target_interpreter(venv: Path) -> None:
    pins = installed_pins(str(venv / "bin" / "python"))
    assert pins == ["Jinja2==3.1.4", "urllib3==1.24.1"]


def test_installed_packages_are_audited(venv: Path, tmp_path: Path, advisories: Path) -> None:
    python = str(venv / "bin" / "python")
    result = audit(installed(advisories), tmp_path, tmp_path / "ev", TODAY, python=python)
    assert result.status is Status.FAILED and result.blocks_launch
    assert result.summary.startswith("5 known vulnerabilities: urllib3 1.24.1 (PYSEC-")
    assert {row["package"] for row in result.details} == {"urllib3"}  # jinja2 3.1.4 is clean
    listing = (tmp_path / "ev" / "installed-requirements.txt").read_text()
    assert "urllib3==1.24.1\n" in listing


def test_golives_own_interpreter_has_no_vulnerable_urllib3(
    tmp_path: Path, advisories: Path
) -> None:
    """Without [target] python: golive's interpreter, whose packages are current."""
    result = audit(installed(advisories), tmp_path, tmp_path / "ev", TODAY)
    assert result.status is Status.PASSED, result.summary
    assert "no known vulnerabilities in" in result.summary


def test_the_cache_key_follows_what_is_installed(venv: Path, advisories: Path) -> None:
    python = str(venv / "bin" / "python")
    before = audit_cache_key(installed(advisories), venv, TODAY, python=python)
    install_metadata(venv, "redis", "4.0.0")
    assert audit_cache_key(installed(advisories), venv, TODAY, python=python) != before


def test_a_duplicate_pin_is_named_with_its_lines(tmp_path: Path, advisories: Path) -> None:
    base = tmp_path / "base.txt"
    base.write_text("jinja2==2.10\n")
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(
        "-r base.txt\n# pins\nurllib3==1.24.1 \\\n    --hash=sha256:00\n"
        "flask==3.0.0\nUrllib3==1.26.18\nJinja2==3.1.4\n"
    )
    assert duplicate_pins(reqs) == [
        "jinja2 at requirements.txt:7 and base.txt:1",
        "urllib3 at requirements.txt:3 and requirements.txt:6",
    ]
    spec = Audit.model_validate({"requirements": [reqs], "advisories": advisories})
    result = audit(spec, tmp_path, tmp_path / "ev", TODAY)
    assert result.status is Status.FAILED and result.blocks_launch
    assert result.summary == (
        "requirements.txt: pinned more than once: jinja2 at requirements.txt:7 and base.txt:1;"
        " urllib3 at requirements.txt:3 and requirements.txt:6; keep one pin of each"
    )


def test_an_interpreter_that_cannot_run_fails_the_audit(tmp_path: Path, advisories: Path) -> None:
    python = str(tmp_path / "no-such-venv" / "bin" / "python")
    audit_cache_key(installed(advisories), tmp_path, TODAY, python=python)  # no exception
    result = audit(installed(advisories), tmp_path, tmp_path / "ev", TODAY, python=python)
    assert result.status is Status.FAILED and result.blocks_launch
    assert result.summary.startswith(f"cannot list what {python} has installed")
