"""notices to staff (what is not yet announced, staff email and choices) and search texts

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_FLAGS = (
    # Existing rows were seen before notices existed: nothing of them is announced.
    ("cases", "announce_arrival"),
    ("cases", "announce_reply"),
    ("advocacy_stories", "announce_approval"),
    ("invitations", "expiry_announced"),
)


def upgrade() -> None:
    # Plain ALTER TABLE, as in 0005: a batch copy would drop the tables others' rows refer to.
    for table, column in _FLAGS:
        op.add_column(
            table, sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index("ix_cases_announce_arrival", "cases", ["announce_arrival"])
    op.create_index("ix_cases_announce_reply", "cases", ["announce_reply"])
    op.add_column("staff_members", sa.Column("email_sealed", sa.LargeBinary(), nullable=True))
    op.add_column(
        "staff_members",
        sa.Column("notice_kinds", sa.String(length=64), nullable=False, server_default=""),
    )
    op.add_column("staff_members", sa.Column("notice_due_at", sa.DateTime(), nullable=True))
    op.create_table(
        "case_search_texts",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id", "organisation_id"],
            ["cases.report_id", "cases.organisation_id"],
            name=op.f("fk_case_search_texts_report_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "organisation_id", name=op.f("pk_case_search_texts")),
    )


def downgrade() -> None:
    op.drop_table("case_search_texts")
    for column in ("notice_due_at", "notice_kinds", "email_sealed"):
        op.drop_column("staff_members", column)
    op.drop_index("ix_cases_announce_reply", table_name="cases")
    op.drop_index("ix_cases_announce_arrival", table_name="cases")
    for table, column in reversed(_FLAGS):
        op.drop_column(table, column)
