"""security review: authenticated audit head; login back-off leaves the accounts table

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A MAC over the head under a key the database does not hold: rewinding it is detected.
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("head_mac", sa.LargeBinary(), nullable=True))
    # Failed logins are counted in the rate-limit store (per username and client, expiring), not
    # as a lock on the account that any stranger could set.
    with op.batch_alter_table("staff_members") as batch:
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("staff_members") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("head_mac")
