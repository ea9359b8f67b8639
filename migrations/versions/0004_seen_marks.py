"""Seen marks: the newest version of each story that the person has looked at in the TUI.

Revision ID: 0004_seen_marks
Revises: 0003_analysis_search
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_seen_marks"
down_revision: str | None = "0003_analysis_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seen_marks",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"],
            name=op.f("fk_seen_marks_story_id_stories"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_seen_marks")),
    )


def downgrade() -> None:
    op.drop_table("seen_marks")
