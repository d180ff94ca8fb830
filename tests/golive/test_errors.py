"""The error tree: each class's exit code, and the tree in golive.errors' docstring is complete."""

from __future__ import annotations

import inspect

from golive import errors


def test_each_branch_exits_with_its_documented_code() -> None:
    assert errors.ManifestError.exit_code == errors.InputError.exit_code == 2
    assert errors.EnvFileError.exit_code == errors.LedgerError.exit_code == 2
    assert errors.EnvironmentBusy.exit_code == 3
    assert errors.ToolError.exit_code == errors.BackupError.exit_code == 4
    assert errors.LaunchCrashed.exit_code == 4


def test_the_written_out_tree_names_every_error_under_its_parent() -> None:
    doc = errors.__doc__ or ""
    classes = [
        c
        for _, c in inspect.getmembers(errors, inspect.isclass)
        if issubclass(c, errors.GoliveError)
    ]
    for cls in classes:
        line = next((ln for ln in doc.splitlines() if f" {cls.__name__} " in f"{ln} "), None)
        assert line is not None, f"{cls.__name__} is missing from golive.errors' tree"
        if cls is not errors.GoliveError:
            parent = cls.__mro__[1].__name__
            depth = line.index(cls.__name__)
            parent_line = next(ln for ln in doc.splitlines() if f" {parent} " in f"{ln} ")
            assert parent_line.index(parent) < depth, f"{cls.__name__} is drawn under {parent}"
