"""Staff: loans with borrowers, visits (走访), residents' phones, moving out of the roster.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from geo_app.migrations.frozen import owned_by

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("phone", sa.String(20), nullable=True))
        batch.add_column(sa.Column("moved_out_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("moved_out_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "loans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("item", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("borrower_name", sa.String(32), nullable=False),
        sa.Column("borrower_phone", sa.String(20), nullable=False),
        sa.Column("lent_by", sa.String(64), nullable=False),
        sa.Column("lent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_to", sa.String(64), nullable=True),
        sa.CheckConstraint("quantity > 0", name="ck_loans_quantity"),
    )
    op.create_index("ix_loans_station_id", "loans", ["station_id"])
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), primary_key=True),
        owned_by("household_id", sa.String(96), "households"),
        sa.Column("building_id", sa.String(64), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.Column("visitor", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_visits_household_id", "visits", ["household_id"])
    op.create_index("ix_visits_building_id", "visits", ["building_id"])


def downgrade() -> None:
    op.drop_table("visits")
    op.drop_table("loans")
    with op.batch_alter_table("households") as batch:
        batch.drop_column("moved_out_at")
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("moved_out_at")
        batch.drop_column("phone")
