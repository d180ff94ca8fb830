"""Helpers for building test data."""

import random
import string

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import crud
from app.core.config import settings
from app.models import User
from app.schemas import UserCreate


def random_lower_string(length: int = 24) -> str:
    return "".join(random.choices(string.ascii_lowercase, k=length))


def random_email() -> str:
    return f"{random_lower_string(12)}@{random_lower_string(8)}.com"


def create_random_user(db: Session, password: str | None = None, **fields: object) -> User:
    user_in = UserCreate(email=random_email(), password=password or random_lower_string(), **fields)
    return crud.create_user(db, user_in)


def token_headers(client: TestClient, email: str, password: str) -> dict[str, str]:
    response = client.post(
        f"{settings.API_V1_STR}/login/access-token",
        data={"username": email, "password": password},
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
