"""Ledger: launches, gate runs, releases.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "launches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("target", sa.String(80), nullable=False),
        sa.Column("environment", sa.String(80), nullable=False, index=True),
        sa.Column("variant", sa.String(20), nullable=False),
        sa.Column("rehearsal", sa.Boolean, nullable=False),
        sa.Column("flow_run_id", sa.String(64)),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("verdict", sa.String(10)),
        sa.Column("reasons", sa.Text, nullable=False),
    )
    op.create_table(
        "gate_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "launch_id", sa.Integer, sa.ForeignKey("launches.id"), nullable=False, index=True
        ),
        sa.Column("gate", sa.String(40), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("blocking", sa.Boolean, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "launch_id", sa.Integer, sa.ForeignKey("launches.id"), nullable=False, index=True
        ),
        sa.Column("environment", sa.String(80), nullable=False, index=True),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("release_id", sa.String(64), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("releases")
    op.drop_table("gate_runs")
    op.drop_table("launches")
