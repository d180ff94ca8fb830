"""Ledger: a launch may resume an earlier one (`resumed_from`), and each gate run records the
digest of the inputs it ran on (`inputs`), so a resume can tell which results still hold.

Revision ID: 0008
Revises: 0007_commit
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007_commit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("launches") as batch:
        batch.add_column(sa.Column("resumed_from", sa.Integer))
    with op.batch_alter_table("gate_runs") as batch:
        batch.add_column(sa.Column("inputs", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("gate_runs") as batch:
        batch.drop_column("inputs")
    with op.batch_alter_table("launches") as batch:
        batch.drop_column("resumed_from")
