"""Care follow-ups closed (关爱户走访跟进): a visit's 需要跟进 is done by a 已跟进 note or by a
later visit that resolves it; each closure is its own row, the visit stays as recorded.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from geo_app.migrations.frozen import owned_by

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_up_closures",
        sa.Column("id", sa.Integer(), primary_key=True),
        owned_by("visit_id", sa.Integer(), "visits"),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("closed_by", sa.String(64), nullable=False),
        sa.Column(
            "closing_visit_id", sa.Integer(),
            sa.ForeignKey("visits.id", ondelete="SET NULL"), nullable=True,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("visit_id"),
    )


def downgrade() -> None:
    op.drop_table("follow_up_closures")
