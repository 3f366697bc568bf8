"""staff pages follow the browser's language until the person chooses one

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_members") as batch:
        batch.alter_column("language", existing_type=sa.String(length=8), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE staff_members SET language = 'en' WHERE language IS NULL")
    with op.batch_alter_table("staff_members") as batch:
        batch.alter_column("language", existing_type=sa.String(length=8), nullable=False)
