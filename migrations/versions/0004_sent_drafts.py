"""marks of sent drafts: a report's pages posted again after sending show nothing

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sent_drafts",
        sa.Column("tag", sa.LargeBinary(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("tag", name=op.f("pk_sent_drafts")),
    )
    op.create_index(op.f("ix_sent_drafts_sent_on"), "sent_drafts", ["sent_on"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sent_drafts_sent_on"), table_name="sent_drafts")
    op.drop_table("sent_drafts")
