"""Fixtures. The tests use the database the settings point at (POSTGRES_*), migrated to head.

The session writes users and items and deletes every user and item when it ends: never point
the tests at a database whose data you want to keep.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.core.config import settings
from app.core.db import SessionLocal, init_db
from app.main import app
from app.models import Item, User
from tests.utils import create_random_user, random_lower_string, token_headers


@pytest.fixture(scope="session", autouse=True)
def db() -> Iterator[Session]:
    with SessionLocal() as session:
        init_db(session)
        yield session
        session.rollback()
        session.execute(delete(Item))
        session.execute(delete(User))
        session.commit()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def superuser_token_headers(client: TestClient) -> dict[str, str]:
    return token_headers(client, settings.FIRST_SUPERUSER, settings.FIRST_SUPERUSER_PASSWORD)


@pytest.fixture(scope="module")
def normal_user_token_headers(client: TestClient, db: Session) -> dict[str, str]:
    password = random_lower_string()
    user = create_random_user(db, password=password)
    return token_headers(client, user.email, password)
