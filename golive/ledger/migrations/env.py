"""Alembic environment of the ledger: migrates the connection golive hands it."""

from alembic import context

from golive.ledger.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
