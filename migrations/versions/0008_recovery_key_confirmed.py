"""the day an administrator showed the recovery key is kept safe, by typing it back

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, as in 0005: a batch copy would drop the table others' rows refer to.
    op.add_column("organisations", sa.Column("recovery_key_confirmed_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("organisations", "recovery_key_confirmed_on")
