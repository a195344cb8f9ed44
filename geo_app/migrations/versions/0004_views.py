"""微协商: residents' views and their log, +1s, meetings, governance items and their timeline.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from geo_app.migrations.frozen import owned_by

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _create_views_link(name: str, column: str, owner: str) -> None:
    """A table linking rows of ``owner`` (meetings, items) to the residents' views they take up."""
    op.create_table(
        name,
        owned_by(column, sa.Integer(), owner, primary_key=True),
        owned_by("view_id", sa.Integer(), "gov_views", primary_key=True),
    )


def upgrade() -> None:
    op.create_table(
        "gov_views",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("grid_id", sa.String(64), nullable=False),
        sa.Column("building_id", sa.String(64), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(32), nullable=True),
        sa.Column("contact_phone", sa.String(20), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), sa.ForeignKey("gov_views.id"), nullable=True),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("supporters", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("device_hash", sa.String(64), nullable=True),
        sa.Column("photo", sa.String(64), nullable=True),
        _when("created_at"),
        _when("due_at"),
        _when("answered_at", nullable=True),
        _when("closed_at", nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
            name="ck_gov_views_satisfaction",
        ),
        sa.CheckConstraint("supporters >= 0", name="ck_gov_views_supporters"),
    )
    for column in ("grid_id", "building_id", "category", "state", "device_hash", "created_at"):
        op.create_index(f"ix_gov_views_{column}", "gov_views", [column])
    op.create_table(
        "gov_view_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        owned_by("view_id", sa.Integer(), "gov_views"),
        _when("at"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("from_grid", sa.String(64), nullable=True),
        sa.Column("to_grid", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_gov_view_events_view_id", "gov_view_events", ["view_id"])
    op.create_table(
        "gov_view_supports",
        owned_by("view_id", sa.Integer(), "gov_views", primary_key=True),
        sa.Column("device_hash", sa.String(64), primary_key=True),
        _when("at"),
    )
    op.create_table(
        "gov_meetings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("grid_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _when("held_at"),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("place_name", sa.String(100), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_gov_meetings_grid_id", "gov_meetings", ["grid_id"])
    _create_views_link("gov_meeting_views", "meeting_id", "gov_meetings")
    op.create_table(
        "gov_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("grid_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place_name", sa.String(100), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("budget_source", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("gov_meetings.id"), nullable=True),
        sa.Column("reach", sa.JSON(), nullable=True),
        sa.Column("reach_key", sa.String(96), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="ck_gov_items_progress"),
    )
    op.create_index("ix_gov_items_grid_id", "gov_items", ["grid_id"])
    _create_views_link("gov_item_views", "item_id", "gov_items")
    op.create_table(
        "gov_item_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        owned_by("item_id", sa.Integer(), "gov_items"),
        _when("at"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("gov_meetings.id"), nullable=True),
    )
    op.create_index("ix_gov_item_events_item_id", "gov_item_events", ["item_id"])


def downgrade() -> None:
    for table in (
        "gov_item_events",
        "gov_item_views",
        "gov_items",
        "gov_meeting_views",
        "gov_meetings",
        "gov_view_supports",
        "gov_view_events",
        "gov_views",
    ):
        op.drop_table(table)
