from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.core.config import settings
from tests.utils import create_random_user, random_lower_string

LOGIN = f"{settings.API_V1_STR}/login/access-token"


def test_get_access_token(client: TestClient) -> None:
    response = client.post(
        LOGIN,
        data={"username": settings.FIRST_SUPERUSER, "password": settings.FIRST_SUPERUSER_PASSWORD},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"]


def test_wrong_password_is_rejected(client: TestClient) -> None:
    response = client.post(LOGIN, data={"username": settings.FIRST_SUPERUSER, "password": "nope"})
    assert response.status_code == 400


def test_inactive_user_cannot_log_in(client: TestClient, db: Session) -> None:
    password = random_lower_string()
    user = create_random_user(db, password=password, is_active=False)
    response = client.post(LOGIN, data={"username": user.email, "password": password})
    assert response.status_code == 400
    assert response.json()["detail"] == "Inactive user"


def test_json_body_is_not_a_login(client: TestClient) -> None:
    response = client.post(
        LOGIN,
        json={"username": settings.FIRST_SUPERUSER, "password": settings.FIRST_SUPERUSER_PASSWORD},
    )
    assert response.status_code == 422


def test_test_token(client: TestClient, superuser_token_headers: dict[str, str]) -> None:
    response = client.post(
        f"{settings.API_V1_STR}/login/test-token", headers=superuser_token_headers
    )
    assert response.status_code == 200
    assert response.json()["email"] == settings.FIRST_SUPERUSER
