"""Ledger: each gate run keeps its whole result as JSON, typed output included, so a resumed,
recovered or staged run rebuilds exactly what the gate handed on.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("gate_runs", sa.Column("result", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("gate_runs") as batch:
        batch.drop_column("result")
