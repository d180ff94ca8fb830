"""The CLI on bad input: exit 2 and one line naming the file, field or command — no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import port, run_golive


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace(f"port = {port(18101)}", "port = 99999"), "services[api].port"),
        (
            lambda t: t.replace('alembic_ini = "alembic.ini"', 'alembic_ini = "nope.ini"'),
            "database.alembic_ini: nope.ini does not exist",
        ),
        (lambda t: t.replace("[load]", "[load"), "not valid TOML"),
        (
            lambda t: t + '\n[proxy]\nkind = "nginx"\ncanary_weight = 10\n',
            "bake: [proxy] canary_weight is set but there is no [bake]",
        ),
    ],
)
def test_malformed_manifest_exits_2_with_one_line(
    target: Path, tmp_path: Path, edit, expected: str
) -> None:  # type: ignore[no-untyped-def]
    target.write_text(edit(target.read_text()))
    done = run_golive("run", "full", "--manifest", str(target), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"golive: error: {target}: "), done.stderr
    assert expected in lines[0]
    assert "Traceback" not in done.stdout + done.stderr


def test_unknown_variant_is_a_usage_error(tmp_path: Path) -> None:
    done = run_golive("run", "sideways", cwd=tmp_path)
    assert done.returncode == 2
    assert "sideways" in done.stderr and "Traceback" not in done.stderr


def test_history_of_a_new_home_is_empty_not_an_error(tmp_path: Path, golive_home: Path) -> None:
    done = run_golive("history", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Recent launches" in done.stdout


def test_an_unusable_ledger_is_one_line_before_anything_runs(target: Path, tmp_path: Path) -> None:
    bad_ledger = {"GOLIVE_LEDGER_URL": "postgresql+psycopg://u:pw-hidden@127.0.0.1:1/x"}
    done = run_golive("run", "soft", "--manifest", str(target), cwd=tmp_path, env=bad_ledger)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("golive: error: ledger database") and "GOLIVE_LEDGER_URL" in line
    assert "pw-hidden" not in line
