"""Ledger: which launch replaced a release, so a launch resumed later still knows what it
must roll back to.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("releases", sa.Column("replaced_by", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("releases") as batch:
        batch.drop_column("replaced_by")
