"""statistics and approved stories under a new advocacy key per organisation

Every organisation gets an advocacy key, sealed (with the public keys only, as a migration holds no
private key) to its recovery key, to every staff member and to every unused invitation. The
clear-text counts of `stat_counts` move, per organisation, into one contribution encrypted under
that key and marked `migrated`; the next login of a member who reads reports replaces it with one
contribution per case (`statistics/service.py` `replace_migrated_totals`) and publishes the stories
approved so far under the advocacy key (`casework/service.py` `publish_approved_stories`). The old
table goes.

Down: the contributions cannot be read without keys, so they are dropped and every case is marked
for a recount, which the code of the earlier revision makes at the next staff visit.

The columns are added and dropped with plain ALTER TABLE (SQLite 3.35 or later), not a batch copy.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from reporter import crypto
from reporter.crypto import contexts

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_DIMENSIONS = (
    "country",
    "region",
    "year_month",
    "violation_type",
    "perpetrator_type",
    "population",
)
_COLUMNS = ("combinations", "acts")


def _stat_counts_table() -> sa.Table:
    return sa.table(
        "stat_counts",
        sa.column("organisation_id", sa.Uuid()),
        *(sa.column(name, sa.String()) for name in _DIMENSIONS),
        *(sa.column(name, sa.Integer()) for name in _COLUMNS),
    )


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ adds and drops such columns in place): a batch copy of
    # these tables would have to drop tables that others' rows refer to.
    op.add_column(
        "org_key_slots",
        sa.Column("purpose", sa.String(length=16), nullable=False, server_default="organisation"),
    )
    op.add_column(
        "organisations",
        sa.Column("advocacy_key_version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.add_column("cases", sa.Column("stats_link", sa.LargeBinary(), nullable=True))
    # Approved stories are published under the advocacy key at the next staff login.
    op.add_column("advocacy_stories", sa.Column("published", sa.LargeBinary(), nullable=True))
    op.add_column(
        "advocacy_stories", sa.Column("published_key_version", sa.Integer(), nullable=True)
    )
    contributions = op.create_table(
        "stat_contributions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("migrated", sa.Boolean(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_stat_contributions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stat_contributions")),
    )
    op.create_index(
        op.f("ix_stat_contributions_organisation_id"),
        "stat_contributions",
        ["organisation_id"],
        unique=False,
    )
    assert contributions is not None
    _seal_advocacy_keys_and_move_counts(contributions)
    op.drop_table("stat_counts")


def _seal_advocacy_keys_and_move_counts(contributions: sa.Table) -> None:
    connection = op.get_bind()
    organisations = sa.table(
        "organisations",
        sa.column("id", sa.Uuid()),
        sa.column("recovery_public_key", sa.LargeBinary()),
    )
    members = sa.table(
        "staff_members",
        sa.column("id", sa.Uuid()),
        sa.column("organisation_id", sa.Uuid()),
        sa.column("public_key", sa.LargeBinary()),
    )
    invitations = sa.table(
        "invitations",
        sa.column("id", sa.Uuid()),
        sa.column("organisation_id", sa.Uuid()),
        sa.column("public_key", sa.LargeBinary()),
        sa.column("used", sa.Boolean()),
    )
    slots = sa.table(
        "org_key_slots",
        sa.column("id", sa.Uuid()),
        sa.column("organisation_id", sa.Uuid()),
        sa.column("holder", sa.String()),
        sa.column("staff_member_id", sa.Uuid()),
        sa.column("invitation_id", sa.Uuid()),
        sa.column("key_version", sa.Integer()),
        sa.column("purpose", sa.String()),
        sa.column("sealed_key", sa.LargeBinary()),
    )
    cells: dict[uuid.UUID, list[list[object]]] = defaultdict(list)
    counts = _stat_counts_table()
    for row in connection.execute(sa.select(counts)).mappings():
        dimensions = [row[name] for name in _DIMENSIONS]
        for column in _COLUMNS:
            if row[column]:
                cells[row["organisation_id"]].append([*dimensions, column, int(row[column])])

    def slot(organisation_id: uuid.UUID, holder: str, public_key: bytes, key: bytes) -> dict:
        return {
            "id": uuid.uuid4(),
            "organisation_id": organisation_id,
            "holder": holder,
            "key_version": 1,
            "purpose": "advocacy",
            "sealed_key": crypto.seal(
                public_key, key, contexts.advocacy_slot(organisation_id, holder, 1)
            ),
        }

    for organisation_id, recovery_public_key in connection.execute(
        sa.select(organisations.c.id, organisations.c.recovery_public_key)
    ):
        key = crypto.new_key()
        rows = [slot(organisation_id, "recovery", recovery_public_key, key)]
        for member_id, public_key in connection.execute(
            sa.select(members.c.id, members.c.public_key).where(
                members.c.organisation_id == organisation_id
            )
        ):
            rows.append(
                {**slot(organisation_id, "staff", public_key, key), "staff_member_id": member_id}
            )
        for invitation_id, public_key in connection.execute(
            sa.select(invitations.c.id, invitations.c.public_key).where(
                invitations.c.organisation_id == organisation_id, invitations.c.used.is_(False)
            )
        ):
            rows.append(
                {
                    **slot(organisation_id, "invitation", public_key, key),
                    "invitation_id": invitation_id,
                }
            )
        for row in rows:
            connection.execute(sa.insert(slots).values(**row))
        if cells[organisation_id]:
            contribution_id = uuid.uuid4()
            data = json.dumps(sorted(cells[organisation_id])).encode()
            connection.execute(
                sa.insert(contributions).values(
                    id=contribution_id,
                    organisation_id=organisation_id,
                    key_version=1,
                    migrated=True,
                    data=crypto.encrypt_record(
                        key, data, contexts.stat_contribution(organisation_id, contribution_id)
                    ),
                )
            )


def downgrade() -> None:
    op.create_table(
        "stat_counts",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("year_month", sa.String(length=7), nullable=False),
        sa.Column("violation_type", sa.String(length=48), nullable=False),
        sa.Column("perpetrator_type", sa.String(length=32), nullable=False),
        sa.Column("population", sa.String(length=32), nullable=False),
        sa.Column("combinations", sa.Integer(), nullable=False),
        sa.Column("acts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_stat_counts_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id",
            "country",
            "region",
            "year_month",
            "violation_type",
            "perpetrator_type",
            "population",
            name=op.f("pk_stat_counts"),
        ),
    )
    cases = sa.table("cases", sa.column("stats_dirty", sa.Boolean()))
    # stats_counted stays: the earlier code takes a counted case's old contribution out of the
    # empty table (rows that fall to zero go) and puts its current one in.
    op.get_bind().execute(sa.update(cases).values(stats_dirty=True))
    op.drop_index(op.f("ix_stat_contributions_organisation_id"), table_name="stat_contributions")
    op.drop_table("stat_contributions")
    op.drop_column("advocacy_stories", "published_key_version")
    op.drop_column("advocacy_stories", "published")
    op.drop_column("cases", "stats_link")
    op.drop_column("organisations", "advocacy_key_version")
    op.get_bind().execute(sa.text("DELETE FROM org_key_slots WHERE purpose = 'advocacy'"))
    op.drop_column("org_key_slots", "purpose")
