from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import crud
from app.core.config import settings
from tests.utils import create_random_user, random_email, random_lower_string

USERS = f"{settings.API_V1_STR}/users"


def test_read_me_as_superuser(client: TestClient, superuser_token_headers: dict[str, str]) -> None:
    response = client.get(f"{USERS}/me", headers=superuser_token_headers)
    assert response.status_code == 200
    me = response.json()
    assert me["email"] == settings.FIRST_SUPERUSER
    assert me["is_superuser"] is True
    assert "hashed_password" not in me


def test_read_me_needs_a_token(client: TestClient) -> None:
    assert client.get(f"{USERS}/me").status_code == 401


def test_read_me_with_a_bad_token(client: TestClient) -> None:
    response = client.get(f"{USERS}/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 403


def test_superuser_creates_user(
    client: TestClient, superuser_token_headers: dict[str, str], db: Session
) -> None:
    email = random_email()
    response = client.post(
        f"{USERS}/",
        headers=superuser_token_headers,
        json={"email": email, "password": random_lower_string()},
    )
    assert response.status_code == 200
    assert response.json()["email"] == email
    assert crud.get_user_by_email(db, email) is not None


def test_duplicate_email_is_rejected(
    client: TestClient, superuser_token_headers: dict[str, str], db: Session
) -> None:
    user = create_random_user(db)
    response = client.post(
        f"{USERS}/",
        headers=superuser_token_headers,
        json={"email": user.email, "password": random_lower_string()},
    )
    assert response.status_code == 400


def test_normal_user_cannot_create_users(
    client: TestClient, normal_user_token_headers: dict[str, str]
) -> None:
    response = client.post(
        f"{USERS}/",
        headers=normal_user_token_headers,
        json={"email": random_email(), "password": random_lower_string()},
    )
    assert response.status_code == 403


def test_superuser_lists_users(
    client: TestClient, superuser_token_headers: dict[str, str], db: Session
) -> None:
    create_random_user(db)
    create_random_user(db)
    response = client.get(f"{USERS}/", headers=superuser_token_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= 3
    assert len(body["data"]) == min(body["count"], 100)


def test_normal_user_cannot_read_another_user(
    client: TestClient, normal_user_token_headers: dict[str, str], db: Session
) -> None:
    other = create_random_user(db)
    response = client.get(f"{USERS}/{other.id}", headers=normal_user_token_headers)
    assert response.status_code == 403


def test_update_me(client: TestClient, normal_user_token_headers: dict[str, str]) -> None:
    response = client.patch(
        f"{USERS}/me", headers=normal_user_token_headers, json={"full_name": "Ada Harbor"}
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Ada Harbor"
    again = client.get(f"{USERS}/me", headers=normal_user_token_headers)
    assert again.json()["full_name"] == "Ada Harbor"
