"""azora api (core): users and the product catalog."""

from azora_common.db import User, session
from azora_common.web import add_observability
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

CATALOG = [
    {"sku": "AZ-100", "name": "Starter plan", "price_cents": 900, "currency": "EUR"},
    {"sku": "AZ-200", "name": "Team plan", "price_cents": 2900, "currency": "EUR"},
    {"sku": "AZ-300", "name": "Business plan", "price_cents": 9900, "currency": "EUR"},
]

app = FastAPI(title="azora api")
add_observability(app, "api")


class UserIn(BaseModel):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=255)
    name: str = Field(min_length=1, max_length=120)


def _user_out(user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name}


@app.get("/catalog")
def catalog() -> list[dict]:
    return CATALOG


@app.get("/users")
def list_users(limit: int = 100) -> list[dict]:
    limit = max(1, min(limit, 500))
    with session() as db:
        users = db.scalars(select(User).order_by(User.id).limit(limit)).all()
        return [_user_out(u) for u in users]


@app.post("/users", status_code=201)
def create_user(body: UserIn) -> dict:
    with session() as db:
        user = User(email=body.email.lower(), name=body.name)
        db.add(user)
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            raise HTTPException(409, "a user with this email already exists") from None
        return _user_out(user)
