"""What golive's warm process (golive.warm_process) imports ahead of a launch, and what a fork
of it does before running one.

The list is what a launch imports besides `flows.launch` (measured: Prefect's flow and task
engines, FastAPI's encoder for the parameters, alembic for the ledger, SQLAlchemy's dialects);
a module left out is imported by the launch itself, only slower.
"""

from __future__ import annotations

import importlib

WARM_MODULES = (
    "golive.cli",
    "flows.launch",
    "flows.resume",
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.utilities.visualization",
    "fastapi.encoders",
    "anyio._backends._asyncio",
    "alembic.command",
    "alembic.runtime.migration",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
    "rich.console",
    "rich.table",
    "encodings.idna",
)


def warm_up() -> None:
    for name in WARM_MODULES:
        importlib.import_module(name)


def after_fork() -> None:
    """Prefect read its settings from the warm process's environment when it was imported:
    read them again from the command's (its API, its home, its profile)."""
    from prefect.context import refresh_global_settings_context

    refresh_global_settings_context()
