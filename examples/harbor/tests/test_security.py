from datetime import timedelta

import jwt
import pytest

from app.core.config import settings
from app.core.security import (
    create_access_token,
    decode_access_token,
    get_password_hash,
    verify_password,
)


def test_password_hash_round_trip() -> None:
    hashed = get_password_hash("correct horse")
    assert hashed != "correct horse"
    assert verify_password("correct horse", hashed)
    assert not verify_password("wrong horse", hashed)


def test_access_token_carries_subject() -> None:
    token = create_access_token("42", timedelta(minutes=5))
    assert decode_access_token(token) == "42"


def test_expired_token_is_rejected() -> None:
    token = create_access_token("42", timedelta(minutes=-1))
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_access_token(token)


def test_database_url_is_built_from_postgres_settings() -> None:
    url = settings.SQLALCHEMY_DATABASE_URI
    assert url.drivername == "postgresql+psycopg"
    assert url.host == settings.POSTGRES_SERVER
    assert url.port == settings.POSTGRES_PORT
    assert url.username == settings.POSTGRES_USER
    assert url.database == settings.POSTGRES_DB
