"""`golive run` and freeze windows: refused (exit 3, one line, nothing run or recorded) inside a
window; `--override-freeze` goes through and `golive history` shows who and why; a rehearsal
is never frozen. The window is absolute and covers now, so no test depends on the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive.ledger import Ledger
from tests.conftest import run_golive
from tests.flows.test_launch import set_env

# A refused launch never reaches Prefect: an address nothing listens on proves it.
NO_API = {"PREFECT_API_URL": "http://127.0.0.1:9/api", "COLUMNS": "400"}


def freeze_now(target: Path, reason: str = "year-end sales, no changes") -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    start, end = (now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()
    target.write_text(
        target.read_text() + f'\n[[freeze]]\nstart = {start}\nend = {end}\nreason = "{reason}"\n'
    )


def launches(home: Path) -> list[tuple[int, str | None, bool]]:
    rows = Ledger(f"sqlite:///{home / 'ledger.db'}").recent_launches()
    return [(r.id, r.verdict, r.rehearsal) for r in rows]


def break_configure(target: Path) -> None:
    """A weak secret: the launch ends NO-GO at configure, in Hour 1, before any service starts
    (it ran, which is all these tests need to tell from a refusal)."""
    set_env(target, "JWT_SECRET", "changeme")


def test_a_launch_inside_a_window_is_refused_with_exit_3_and_nothing_runs(
    target: Path, tmp_path: Path
) -> None:
    freeze_now(target)
    home = tmp_path / "home"
    done = run_golive("run", "full", "--manifest", str(target), home=home, env=NO_API)
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("golive: error: environment production is frozen until ")
    assert "year-end sales, no changes" in line and "--override-freeze" in line
    assert not (home / "ledger.db").exists() or launches(home) == []
    assert not (home / "environments").exists()  # nothing started, nothing prepared


def test_an_empty_override_is_no_override(target: Path, tmp_path: Path) -> None:
    freeze_now(target)
    done = run_golive(
        "run", "soft", "--manifest", str(target), "--override-freeze", " ",
        home=tmp_path / "home", env=NO_API,
    )  # fmt: skip
    assert done.returncode == 3 and "frozen" in done.stderr


@pytest.mark.slow
def test_an_override_goes_through_and_history_shows_who_and_why(
    target: Path, tmp_path: Path
) -> None:
    freeze_now(target)
    break_configure(target)
    home = tmp_path / "home"
    env = {"USER": "release-manager", "COLUMNS": "400"}
    done = run_golive(
        "run", "soft", "--manifest", str(target), "--override-freeze", "hotfix for checkout",
        home=home, env=env,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]  # it ran: NO-GO
    assert [(v, r) for _, v, r in launches(home)] == [("NO-GO", False)]
    history = run_golive("history", home=home, env=env)
    assert history.returncode == 0, history.stderr
    assert "freeze overridden by release-manager: hotfix for checkout" in history.stdout


@pytest.mark.slow
def test_a_rehearsal_inside_a_window_runs(target: Path, tmp_path: Path) -> None:
    freeze_now(target)
    break_configure(target)
    home = tmp_path / "home"
    done = run_golive("run", "soft", "--manifest", str(target), "--rehearsal", home=home)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert [(v, r) for _, v, r in launches(home)] == [("NO-GO", True)]
    history = run_golive("history", home=home, env={"COLUMNS": "400"})
    assert "freeze overridden" not in history.stdout
