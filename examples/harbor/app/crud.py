"""Database operations shared by the routes, the seed script and the tests."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.security import get_password_hash, verify_password
from app.models import Item, User
from app.schemas import ItemCreate, UserCreate


def create_user(session: Session, user_in: UserCreate) -> User:
    user = User(
        **user_in.model_dump(exclude={"password"}),
        hashed_password=get_password_hash(user_in.password),
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email)).first()


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = get_user_by_email(session, email)
    if user is None or not verify_password(password, user.hashed_password):
        return None
    return user


def create_item(session: Session, item_in: ItemCreate, owner_id: int) -> Item:
    item = Item(**item_in.model_dump(), owner_id=owner_id)
    session.add(item)
    session.commit()
    session.refresh(item)
    return item
