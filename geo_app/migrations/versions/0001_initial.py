"""Initial store: accounts, assignments, building grids, stock, roster, audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from geo_app.migrations.frozen import (
    create_append_only_triggers,
    drop_append_only_triggers,
    owned_by,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("grid_id", sa.String(64), nullable=True),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "account_buildings",
        owned_by("account_id", sa.Integer(), "accounts", primary_key=True),
        sa.Column("building_id", sa.String(64), primary_key=True),
    )
    op.create_table(
        "building_grids",
        sa.Column("building_id", sa.String(64), primary_key=True),
        sa.Column("grid_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "station_stock",
        sa.Column("station_id", sa.String(64), primary_key=True),
        sa.Column("item", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name="ck_station_stock_count"),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.String(96), primary_key=True),
        sa.Column("building_id", sa.String(64), nullable=False),
        sa.Column("unit", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(16), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
    )
    op.create_index("ix_households_building_id", "households", ["building_id"])
    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), primary_key=True),
        owned_by("household_id", sa.String(96), "households"),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("gender", sa.String(4), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("party_member", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_residents_household_id", "residents", ["household_id"])
    op.create_table(
        "building_contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("building_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        owned_by("resident_id", sa.Integer(), "residents"),
        sa.UniqueConstraint("building_id", "role", name="uq_building_contacts_role"),
    )
    op.create_index("ix_building_contacts_building_id", "building_contacts", ["building_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    create_append_only_triggers("audit_log")


def downgrade() -> None:
    drop_append_only_triggers("audit_log")
    for table in (
        "audit_log",
        "building_contacts",
        "residents",
        "households",
        "station_stock",
        "building_grids",
        "account_buildings",
        "accounts",
    ):
        op.drop_table(table)
