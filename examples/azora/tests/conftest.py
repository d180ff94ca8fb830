"""Test setup: a temporary migrated SQLite database and importable services.

Each service has a module called `app`, so services are loaded by file path under
distinct module names (azora_api_app, azora_payments_app, azora_assistant_app).
"""

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # makes azora_common importable, as in a release folder


def load_service(name: str, module_name: str | None = None) -> ModuleType:
    """Import services/<name>/app.py as a fresh module."""
    path = ROOT / "services" / name / "app.py"
    spec = importlib.util.spec_from_file_location(module_name or f"azora_{name}_app", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session", autouse=True)
def database(tmp_path_factory: pytest.TempPathFactory):
    keys = ("DATABASE_URL", "APP_ENV", "PAYMENT_SECRET_KEY")
    saved = {k: os.environ.get(k) for k in keys}
    db_file = tmp_path_factory.mktemp("azora") / "azora-test.db"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    os.environ["APP_ENV"] = "test"
    os.environ["PAYMENT_SECRET_KEY"] = "sk_test_unit"

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    command.upgrade(cfg, "head")
    yield db_file

    from azora_common.db import get_engine

    get_engine().dispose()
    get_engine.cache_clear()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(name="load_service")
def load_service_fixture():
    return load_service


@pytest.fixture(scope="session")
def api_client(database) -> TestClient:
    return TestClient(load_service("api").app)


@pytest.fixture(scope="session")
def payments_client(database) -> TestClient:
    return TestClient(load_service("payments").app)


@pytest.fixture(scope="session")
def assistant_client(database) -> TestClient:
    return TestClient(load_service("assistant").app)
