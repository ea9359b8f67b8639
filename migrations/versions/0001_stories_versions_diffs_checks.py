"""Stories, their versions, the stored diffs between versions, and checks.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("site", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_seen_at", TIMESTAMP, nullable=False),
        sa.Column("last_changed_at", TIMESTAMP, nullable=True),
        sa.Column("last_checked_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
        sa.UniqueConstraint("url", name=op.f("uq_stories_url")),
    )
    op.create_index(op.f("ix_stories_site"), "stories", ["site"])
    op.create_index(op.f("ix_stories_last_changed_at"), "stories", ["last_changed_at"])
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("observed_at", TIMESTAMP, nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("byline", sa.Text(), nullable=True),
        sa.Column("published_at", TIMESTAMP, nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("char_count", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reverts_to", sa.Integer(), nullable=True),
        sa.Column("raw_html", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"],
            name=op.f("fk_versions_story_id_stories"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint("story_id", "number", name=op.f("uq_versions_story_id_number")),
    )
    op.create_index(
        "ix_versions_story_id_content_hash", "versions", ["story_id", "content_hash"]
    )
    op.create_table(
        "diffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("from_version_id", sa.Integer(), nullable=False),
        sa.Column("to_version_id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Text(), nullable=False),
        sa.Column("title_delta", sa.Text(), nullable=False),
        sa.Column("words_added", sa.Integer(), nullable=False),
        sa.Column("words_removed", sa.Integer(), nullable=False),
        sa.Column("chars_added", sa.Integer(), nullable=False),
        sa.Column("chars_removed", sa.Integer(), nullable=False),
        sa.Column("headline_changed", sa.Boolean(), nullable=False),
        sa.Column("byline_changed", sa.Boolean(), nullable=False),
        sa.Column("engine", sa.String(length=32), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"],
            name=op.f("fk_diffs_story_id_stories"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_version_id"], ["versions.id"],
            name=op.f("fk_diffs_from_version_id_versions"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_version_id"], ["versions.id"],
            name=op.f("fk_diffs_to_version_id_versions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diffs")),
        sa.UniqueConstraint(
            "from_version_id", "to_version_id", name=op.f("uq_diffs_from_version_id_to_version_id")
        ),
    )
    op.create_index(op.f("ix_diffs_story_id"), "diffs", ["story_id"])
    op.create_index(op.f("ix_diffs_to_version_id"), "diffs", ["to_version_id"])
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", TIMESTAMP, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"],
            name=op.f("fk_checks_story_id_stories"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"],
            name=op.f("fk_checks_version_id_versions"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checks")),
    )
    op.create_index("ix_checks_story_id_checked_at", "checks", ["story_id", "checked_at"])


def downgrade() -> None:
    op.drop_table("checks")
    op.drop_table("diffs")
    op.drop_table("versions")
    op.drop_table("stories")
