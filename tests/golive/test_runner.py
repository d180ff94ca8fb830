"""What a child golive starts inherits: a minimal environment, and a umask that keeps its files
private. Real children, no mocks."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from golive import runner
from tests.conftest import mode

PRINT_ENV = "import json, os; print(json.dumps(dict(os.environ)))"


def env_of_child(env: dict[str, str]) -> dict[str, str]:
    done = runner.run([sys.executable, "-c", PRINT_ENV], env=env, timeout=60)
    assert done.ok, done.tail()
    return dict(json.loads(done.stdout))


def test_a_child_gets_the_minimal_environment_and_nothing_else_of_ours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOLIVE_CANARY_TOKEN", "canary-0123456789")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("WANTED_SETTING", "wanted")
    env = env_of_child(runner.child_env({"EXTRA": "1"}, pass_env=["WANTED_SETTING", "UNSET_ONE"]))
    assert "GOLIVE_CANARY_TOKEN" not in env and "UNSET_ONE" not in env
    assert env["TZ"] == "UTC" and env["WANTED_SETTING"] == "wanted" and env["EXTRA"] == "1"
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    allowed = {*runner.HOST_KEYS, "PATH", "PYTHONUNBUFFERED", "WANTED_SETTING", "EXTRA"}
    # What the interpreter itself sets at start-up (e.g. LC_CTYPE on some platforms) aside.
    assert set(env) - allowed <= {"LC_CTYPE", "__CF_USER_TEXT_ENCODING"}, set(env) - allowed


def test_the_targets_tools_also_get_tmpdir_and_the_manifests_keys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("GOLIVE_CANARY_TOKEN", "canary-0123456789")
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    env = runner.target_env(["PIP_INDEX_URL"], {"DATABASE_URL": "sqlite:///x.db"})
    assert env["TMPDIR"] == str(tmp_path) and env["DATABASE_URL"] == "sqlite:///x.db"
    assert env["PIP_INDEX_URL"] == "http://127.0.0.1:9/simple"
    assert "GOLIVE_CANARY_TOKEN" not in env


@pytest.mark.usefixtures("permissive_umask")
def test_what_a_child_creates_is_private(tmp_path: Path) -> None:
    make = "import os, sys; os.mkdir(sys.argv[1]); open(sys.argv[2], 'w').write('data')"
    folder, data = tmp_path / "made", tmp_path / "data.txt"
    done = runner.run([sys.executable, "-c", make, str(folder), str(data)], timeout=60)
    assert done.ok, done.tail()
    log = tmp_path / "logs" / "service.log"
    proc = runner.start([sys.executable, "-c", "print('up')"], cwd=tmp_path, env={}, log_path=log)
    assert proc.wait(timeout=60) == 0
    assert mode(folder) == 0o700 and mode(data) == 0o600
    assert mode(log) == 0o600 and log.read_text() == "up\n"
