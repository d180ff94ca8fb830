"""Operational endpoints."""

from fastapi import APIRouter
from sqlalchemy import text

from app.api.deps import SessionDep

router = APIRouter(prefix="/utils", tags=["utils"])


@router.get("/health-check/")
def health_check(session: SessionDep) -> bool:
    # A trivial query, so a lost database connection shows up as a failed health check.
    session.execute(text("SELECT 1"))
    return True
