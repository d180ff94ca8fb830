"""Items: each belongs to one user; superusers see everyone's."""

from fastapi import APIRouter, HTTPException
from sqlalchemy import func, select

from app import crud
from app.api.deps import CurrentUser, SessionDep
from app.models import Item
from app.schemas import ItemCreate, ItemPublic, ItemsPublic, ItemUpdate, Message

router = APIRouter(prefix="/items", tags=["items"])


def _own_item(session: SessionDep, item_id: int, current_user: CurrentUser) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    if not current_user.is_superuser and item.owner_id != current_user.id:
        raise HTTPException(status_code=403, detail="Not enough permissions")
    return item


@router.get("/")
def read_items(
    session: SessionDep, current_user: CurrentUser, skip: int = 0, limit: int = 100
) -> ItemsPublic:
    query = select(Item)
    if not current_user.is_superuser:
        query = query.where(Item.owner_id == current_user.id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(Item.id).offset(skip).limit(limit)).all()
    return ItemsPublic(data=[ItemPublic.model_validate(i) for i in items], count=count)


@router.post("/")
def create_item(session: SessionDep, current_user: CurrentUser, item_in: ItemCreate) -> ItemPublic:
    return ItemPublic.model_validate(crud.create_item(session, item_in, current_user.id))


@router.get("/{item_id}")
def read_item(session: SessionDep, current_user: CurrentUser, item_id: int) -> ItemPublic:
    return ItemPublic.model_validate(_own_item(session, item_id, current_user))


@router.put("/{item_id}")
def update_item(
    session: SessionDep, current_user: CurrentUser, item_id: int, item_in: ItemUpdate
) -> ItemPublic:
    item = _own_item(session, item_id, current_user)
    for field, value in item_in.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    session.commit()
    session.refresh(item)
    return ItemPublic.model_validate(item)


@router.delete("/{item_id}")
def delete_item(session: SessionDep, current_user: CurrentUser, item_id: int) -> Message:
    session.delete(_own_item(session, item_id, current_user))
    session.commit()
    return Message(message="Item deleted successfully")
