"""Replayed answers: an API call's claim keeps its request's fingerprint and the answer it was
given (status and JSON body), so a repeat with its Idempotency-Key gets that answer again
(geo_app.store.submissions). All three are empty for a form's token.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("answer_status", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("answer_body", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("answer_body")
        batch.drop_column("answer_status")
        batch.drop_column("fingerprint")
