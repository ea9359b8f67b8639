"""Live snapshotting: each story's schedule, claim lease, failure counters and HTTP facts; feeds.

Revision ID: 0002_schedule
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_schedule"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def _schedule_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    """Columns that stories and feeds share: when due, who holds it, how it has been failing."""
    return [
        sa.Column("next_check_at", TIMESTAMP, nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", TIMESTAMP, nullable=True),
        sa.Column("failure_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("etag", sa.String(length=512), nullable=True),
        sa.Column("last_modified", sa.String(length=64), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("added_at", TIMESTAMP, nullable=False),
        sa.Column("last_checked_at", TIMESTAMP, nullable=True),
        *_schedule_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("url", name=op.f("uq_feeds_url")),
    )
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("feed_id", sa.Integer(), nullable=True))
        for column in _schedule_columns():
            batch.add_column(column)
        batch.add_column(sa.Column("missing_count", sa.Integer(), server_default="0",
                                   nullable=False))
        batch.add_column(sa.Column("final_url", sa.String(length=2048), nullable=True))
        batch.add_column(sa.Column("body_hash", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            op.f("fk_stories_feed_id_feeds"), "feeds", ["feed_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_stories_status_next_check_at", ["status", "next_check_at"])


def downgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.drop_index("ix_stories_status_next_check_at")
        batch.drop_constraint(op.f("fk_stories_feed_id_feeds"), type_="foreignkey")
        for name in ("body_hash", "final_url", "missing_count", "feed_id"):
            batch.drop_column(name)
        for column in _schedule_columns():
            batch.drop_column(column.name)
    op.drop_table("feeds")
