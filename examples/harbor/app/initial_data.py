"""Seed the database with the first superuser (FIRST_SUPERUSER). Safe to run again.

Run after `alembic upgrade head`, from the project's root: `python app/initial_data.py`
(or `python -m app.initial_data`).
"""

import logging
import sys
from pathlib import Path

# Run as a script, Python puts app/ on sys.path, not the project's root that holds the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.db import SessionLocal, init_db

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger(__name__)


def main() -> None:
    logger.info("Creating initial data")
    with SessionLocal() as session:
        user = init_db(session)
    logger.info("Initial data created (superuser id %s)", user.id)


if __name__ == "__main__":
    main()
