"""User accounts: the caller's own, and the whole list for superusers."""

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import func, select

from app import crud
from app.api.deps import CurrentUser, SessionDep, get_current_superuser
from app.models import User
from app.schemas import UserCreate, UserPublic, UsersPublic, UserUpdateMe

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/", dependencies=[Depends(get_current_superuser)])
def read_users(session: SessionDep, skip: int = 0, limit: int = 100) -> UsersPublic:
    count = session.scalar(select(func.count()).select_from(User)) or 0
    users = session.scalars(select(User).order_by(User.id).offset(skip).limit(limit)).all()
    return UsersPublic(data=[UserPublic.model_validate(u) for u in users], count=count)


@router.post("/", dependencies=[Depends(get_current_superuser)])
def create_user(session: SessionDep, user_in: UserCreate) -> UserPublic:
    if crud.get_user_by_email(session, user_in.email) is not None:
        raise HTTPException(status_code=400, detail="A user with this email already exists")
    return UserPublic.model_validate(crud.create_user(session, user_in))


@router.get("/me")
def read_user_me(current_user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(current_user)


@router.patch("/me")
def update_user_me(
    session: SessionDep, user_in: UserUpdateMe, current_user: CurrentUser
) -> UserPublic:
    changes_email = user_in.email is not None and user_in.email != current_user.email
    if changes_email and crud.get_user_by_email(session, user_in.email) is not None:
        raise HTTPException(status_code=409, detail="A user with this email already exists")
    for field, value in user_in.model_dump(exclude_unset=True).items():
        setattr(current_user, field, value)
    session.add(current_user)
    session.commit()
    session.refresh(current_user)
    return UserPublic.model_validate(current_user)


@router.get("/{user_id}")
def read_user_by_id(user_id: int, session: SessionDep, current_user: CurrentUser) -> UserPublic:
    user = session.get(User, user_id)
    if user is not None and user.id == current_user.id:
        return UserPublic.model_validate(user)
    if not current_user.is_superuser:
        raise HTTPException(status_code=403, detail="The user doesn't have enough privileges")
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return UserPublic.model_validate(user)
