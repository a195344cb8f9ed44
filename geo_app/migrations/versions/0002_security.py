"""Security: server-side sessions, shared rate-limit hits, stock bounds and loans out.

- ``sessions``: one row per login (the SHA-256 of the cookie's token), revocable;
- ``rate_limit_hits``: the login and report-build limits, shared by every worker process;
- ``station_stock.lent_out``: how many are lent and not returned (a return cannot exceed it);
- CHECK constraints: counts are integers from 0 to 1,000,000 on every database (on SQLite
  ``typeof(...) = 'integer'`` too: SQLite would otherwise store 2.7 or an overflowed 9.2e18 as
  REAL in an INTEGER column).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from geo_app.migrations.frozen import owned_by

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: The schema's bound on a count (``geo_app.store.models.MAX_STOCK_COUNT`` when written).
MAX_COUNT = 1_000_000


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        owned_by("account_id", sa.Integer(), "accounts"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])
    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
    )
    op.create_index("ix_rate_limit_hits_key", "rate_limit_hits", ["key"])
    op.create_index("ix_rate_limit_hits_expires", "rate_limit_hits", ["expires"])
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("station_stock", recreate="always" if sqlite else "auto") as table:
        table.add_column(sa.Column("lent_out", sa.Integer(), nullable=False, server_default="0"))
        table.create_check_constraint("ck_station_stock_count_max", f"count <= {MAX_COUNT}")
        table.create_check_constraint(
            "ck_station_stock_lent_out", f"lent_out >= 0 AND lent_out <= {MAX_COUNT}"
        )
        if sqlite:
            table.create_check_constraint(
                "ck_station_stock_integers",
                "typeof(count) = 'integer' AND typeof(lent_out) = 'integer'",
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("station_stock", recreate="always" if sqlite else "auto") as table:
        if sqlite:
            table.drop_constraint("ck_station_stock_integers", type_="check")
        table.drop_constraint("ck_station_stock_lent_out", type_="check")
        table.drop_constraint("ck_station_stock_count_max", type_="check")
        table.drop_column("lent_out")
    op.drop_table("rate_limit_hits")
    op.drop_table("sessions")
