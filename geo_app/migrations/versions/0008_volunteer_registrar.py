"""Who registered a volunteer: a 红色小管家 or organiser keeps seeing the people they registered
themselves, also those with no building on record or living outside their grid (they were
registered and then hidden from the person who registered them). Filled in for volunteers
already registered from the audit log's ``volunteer.register`` entries.

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
    with op.batch_alter_table("volunteers") as batch:
        batch.add_column(sa.Column("registered_by", sa.String(length=64), nullable=True))
        batch.create_index("ix_volunteers_registered_by", ["registered_by"])
    op.execute(
        "UPDATE volunteers SET registered_by = ("
        " SELECT audit_log.actor FROM audit_log"
        " WHERE audit_log.action = 'volunteer.register'"
        " AND audit_log.target = 'volunteer:' || volunteers.card"
        " ORDER BY audit_log.id LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("volunteers") as batch:
        batch.drop_index("ix_volunteers_registered_by")
        batch.drop_column("registered_by")
