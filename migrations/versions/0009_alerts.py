"""Alerts: rules (`tracker notify add`), their deliveries, and the versions each one carried.

`alert_items` has one row per rule and version, and `alert_deliveries` at most one unsent row
per rule (a partial unique index): the schema, not a lock, keeps two workers that finish a
snapshot together from sending a change twice.

Revision ID: 0009_alerts
Revises: 0008_stealth_edits
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_alerts"
down_revision: str | None = "0008_stealth_edits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("story_id", sa.Integer(), sa.ForeignKey(
            "stories.id", ondelete="CASCADE", name="fk_alert_rules_story_id_stories"),
            nullable=True),
        sa.Column("site", sa.String(255), nullable=True),
        sa.Column("tags", sa.String(255), nullable=True),
        sa.Column("min_significance", sa.Float(), nullable=True),
        sa.Column("headline", sa.Boolean(), nullable=False),
        sa.Column("quiet_hours", sa.String(11), nullable=True),
        sa.Column("zone", sa.String(64), nullable=True),
        sa.Column("min_interval_s", sa.Integer(), nullable=True),
        sa.Column("after_version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_sent_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alert_rules"),
    )
    op.create_index("ix_alert_rules_story_id", "alert_rules", ["story_id"])
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rule_id", sa.Integer(), sa.ForeignKey(
            "alert_rules.id", ondelete="CASCADE", name="fk_alert_deliveries_rule_id_alert_rules"),
            nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alert_deliveries"),
    )
    op.create_index("ix_alert_deliveries_rule_id", "alert_deliveries", ["rule_id"])
    op.create_index("uq_alert_deliveries_unsent", "alert_deliveries", ["rule_id"], unique=True,
                    postgresql_where=sa.text("sent_at IS NULL"),
                    sqlite_where=sa.text("sent_at IS NULL"))
    op.create_table(
        "alert_items",
        sa.Column("rule_id", sa.Integer(), sa.ForeignKey(
            "alert_rules.id", ondelete="CASCADE", name="fk_alert_items_rule_id_alert_rules"),
            nullable=False),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey(
            "versions.id", ondelete="CASCADE", name="fk_alert_items_version_id_versions"),
            nullable=False),
        sa.Column("delivery_id", sa.Integer(), sa.ForeignKey(
            "alert_deliveries.id", ondelete="CASCADE",
            name="fk_alert_items_delivery_id_alert_deliveries"), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", "version_id", name="pk_alert_items"),
    )
    op.create_index("ix_alert_items_delivery_id", "alert_items", ["delivery_id"])


def downgrade() -> None:
    op.drop_table("alert_items")
    op.drop_table("alert_deliveries")
    op.drop_table("alert_rules")
