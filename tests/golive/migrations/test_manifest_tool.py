"""`[database] tool`: which keys each tool needs, checked when the manifest loads."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from golive.manifest.system import Database


def test_alembic_is_the_default_and_needs_its_ini() -> None:
    with pytest.raises(ValidationError, match="alembic_ini: required"):
        Database.model_validate({})
    assert Database.model_validate({"alembic_ini": "alembic.ini"}).tool == "alembic"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"current": "x"}, "upgrade: required"),
        ({"upgrade": "x"}, "current: required"),
        ({"upgrade": "x", "current": "y", "downgrade": "z down"}, "must name the version"),
        ({"upgrade": "x", "current": "y", "alembic_ini": "a.ini"}, "only for tool = 'alembic'"),
        ({"upgrade": "'x", "current": "y"}, "cannot be split into words"),
    ],
)
def test_command_tool_keys(fields: dict[str, str], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Database.model_validate({"tool": "command", **fields})


def test_command_keys_are_refused_with_alembic() -> None:
    with pytest.raises(ValidationError, match="upgrade: only for tool = 'command'"):
        Database.model_validate({"alembic_ini": "a.ini", "upgrade": "x"})
