from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.config import settings
from app.core.db import init_db
from app.models import User


def test_init_db_is_idempotent(db: Session) -> None:
    first = init_db(db)
    second = init_db(db)
    assert first.id == second.id
    count = db.scalar(select(func.count()).where(User.email == settings.FIRST_SUPERUSER))
    assert count == 1
    assert first.is_superuser
