"""Extraction hints: where each story's article was found in its page, for the fast path.

A JSON description of the region (tracker.sources.regions), written with each check that
extracted the page; NULL until a full extraction finds one, and never needed: without it the
page is extracted in full.

Revision ID: 0011_extraction_hints
Revises: 0010_site_spacing
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_extraction_hints"
down_revision: str | None = "0010_site_spacing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both backends (SQLite has both since 3.35): a batch operation would
# copy the stories table, which the research views (0006) read.


def upgrade() -> None:
    op.add_column("stories", sa.Column("extraction_hint", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("stories", "extraction_hint")
