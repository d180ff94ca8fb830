"""The database engine, sessions, and the first-superuser bootstrap."""

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from app import crud
from app.core.config import settings
from app.models import User
from app.schemas import UserCreate

engine = create_engine(settings.SQLALCHEMY_DATABASE_URI, pool_pre_ping=True)
SessionLocal = sessionmaker(bind=engine, expire_on_commit=False)


def init_db(session: Session) -> User:
    """Create the first superuser unless a user with that email exists; return the user.

    Tables come from the alembic migrations, never from here.
    """
    user = session.scalars(select(User).where(User.email == settings.FIRST_SUPERUSER)).first()
    if user is None:
        user = crud.create_user(
            session,
            UserCreate(
                email=settings.FIRST_SUPERUSER,
                password=settings.FIRST_SUPERUSER_PASSWORD,
                is_superuser=True,
            ),
        )
    return user
