"""Ledger: one launch per environment at a time, and stage approvals.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "environment_locks",
        sa.Column("environment", sa.String(80), primary_key=True),
        sa.Column("launch_id", sa.Integer, sa.ForeignKey("launches.id"), nullable=False),
        sa.Column("flow_run_id", sa.String(64)),
        sa.Column("acquired_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "launch_id", sa.Integer, sa.ForeignKey("launches.id"), nullable=False, index=True
        ),
        sa.Column("stage", sa.Integer, nullable=False),
        sa.Column("approver", sa.String(120), nullable=False),
        sa.Column("approved", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
    )
    op.add_column("gate_runs", sa.Column("stage", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("gate_runs") as batch:
        batch.drop_column("stage")
    op.drop_table("approvals")
    op.drop_table("environment_locks")
