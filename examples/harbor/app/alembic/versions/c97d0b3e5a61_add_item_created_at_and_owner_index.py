"""add items.created_at and an index on items.owner_id

Listing a user's items scanned the whole table; newest-first lists need a timestamp.

Revision ID: c97d0b3e5a61
Revises: 8a4e61c05d2f
Create Date: 2026-10-08 09:15:37.902664
"""

import sqlalchemy as sa
from alembic import op

revision = "c97d0b3e5a61"
down_revision = "8a4e61c05d2f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "items",
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
    )
    op.create_index("ix_items_owner_id", "items", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_items_owner_id", table_name="items")
    op.drop_column("items", "created_at")
