"""Ledger: environment locks are leases (an expiry the holder keeps renewing); a launch records
its manifest and the database revision it started from, so a later process can recover from
it; environment events record unlocks and recoveries.

Releases gain the status `candidate`: deployed but not yet GO (only GO makes a release live).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("environment_locks") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime))
        batch.add_column(sa.Column("holder_host", sa.String(255)))
        batch.add_column(sa.Column("holder_pid", sa.Integer))
    with op.batch_alter_table("launches") as batch:
        batch.add_column(sa.Column("manifest", sa.Text))
        batch.add_column(sa.Column("revision_before", sa.String(64)))
        batch.add_column(sa.Column("revision_recorded", sa.Boolean, server_default=sa.false()))
    op.create_table(
        "environment_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("environment", sa.String(80), nullable=False, index=True),
        sa.Column("launch_id", sa.Integer, sa.ForeignKey("launches.id")),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("environment_events")
    with op.batch_alter_table("launches") as batch:
        batch.drop_column("revision_recorded")
        batch.drop_column("revision_before")
        batch.drop_column("manifest")
    with op.batch_alter_table("environment_locks") as batch:
        batch.drop_column("holder_pid")
        batch.drop_column("holder_host")
        batch.drop_column("expires_at")
