"""Ledger: a launch records the target's commit (hash and commit time) when the target is a git
checkout, so `golive metrics` can measure lead time for changes (commit to GO).

Revision ID: 0007_commit
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_commit"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("launches") as batch:
        batch.add_column(sa.Column("commit_sha", sa.String(64)))
        batch.add_column(sa.Column("committed_at", sa.DateTime))


def downgrade() -> None:
    with op.batch_alter_table("launches") as batch:
        batch.drop_column("committed_at")
        batch.drop_column("commit_sha")
