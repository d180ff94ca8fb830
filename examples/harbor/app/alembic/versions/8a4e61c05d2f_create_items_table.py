"""create items table

Revision ID: 8a4e61c05d2f
Revises: 3f1c2a9d7b10
Create Date: 2026-09-21 16:40:52.118034
"""

import sqlalchemy as sa
from alembic import op

revision = "8a4e61c05d2f"
down_revision = "3f1c2a9d7b10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column(
            "owner_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_table("items")
