from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import crud
from app.core.config import settings
from app.models import Item
from app.schemas import ItemCreate
from tests.utils import create_random_user

ITEMS = f"{settings.API_V1_STR}/items"


def test_create_item(client: TestClient, superuser_token_headers: dict[str, str]) -> None:
    data = {"title": "Anchor", "description": "Galvanised, 12 kg"}
    response = client.post(f"{ITEMS}/", headers=superuser_token_headers, json=data)
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == data["title"]
    assert body["description"] == data["description"]
    assert body["created_at"]


def test_create_item_needs_a_token(client: TestClient) -> None:
    assert client.post(f"{ITEMS}/", json={"title": "Buoy"}).status_code == 401


def test_create_item_validates_title(
    client: TestClient, superuser_token_headers: dict[str, str]
) -> None:
    response = client.post(f"{ITEMS}/", headers=superuser_token_headers, json={"title": ""})
    assert response.status_code == 422


def test_read_own_items_only(
    client: TestClient, normal_user_token_headers: dict[str, str], db: Session
) -> None:
    other = create_random_user(db)
    crud.create_item(db, ItemCreate(title="Not yours"), other.id)
    client.post(f"{ITEMS}/", headers=normal_user_token_headers, json={"title": "Mine"})
    response = client.get(f"{ITEMS}/", headers=normal_user_token_headers)
    assert response.status_code == 200
    titles = [item["title"] for item in response.json()["data"]]
    assert "Mine" in titles
    assert "Not yours" not in titles


def test_update_item(client: TestClient, superuser_token_headers: dict[str, str]) -> None:
    created = client.post(f"{ITEMS}/", headers=superuser_token_headers, json={"title": "Rope"})
    item_id = created.json()["id"]
    response = client.put(
        f"{ITEMS}/{item_id}", headers=superuser_token_headers, json={"title": "Rope, 30 m"}
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Rope, 30 m"


def test_cannot_touch_another_users_item(
    client: TestClient, normal_user_token_headers: dict[str, str], db: Session
) -> None:
    other = create_random_user(db)
    item = crud.create_item(db, ItemCreate(title="Private"), other.id)
    assert client.get(f"{ITEMS}/{item.id}", headers=normal_user_token_headers).status_code == 403
    response = client.delete(f"{ITEMS}/{item.id}", headers=normal_user_token_headers)
    assert response.status_code == 403


def test_delete_item(
    client: TestClient, superuser_token_headers: dict[str, str], db: Session
) -> None:
    created = client.post(f"{ITEMS}/", headers=superuser_token_headers, json={"title": "Fender"})
    item_id = created.json()["id"]
    response = client.delete(f"{ITEMS}/{item_id}", headers=superuser_token_headers)
    assert response.status_code == 200
    db.expire_all()
    assert db.get(Item, item_id) is None
    assert client.get(f"{ITEMS}/{item_id}", headers=superuser_token_headers).status_code == 404
