"""Stealth edits: which sources declared a version's modification time, and its correction notes.

`versions.updated_by` names the sources that state `versions.updated_at` (json-ld, meta,
visible, header); `versions.correction` holds the correction and editor's notes of the text.
Versions stored before this revision keep both NULL (their pages were not read for a visible
time); `tracker reindex` tags their diffs `silent` and `correction` where the stored times
and texts show it.

Revision ID: 0008_stealth_edits
Revises: 0007_search_at_scale
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_stealth_edits"
down_revision: str | None = "0007_search_at_scale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("versions", sa.Column("updated_by", sa.String(64), nullable=True))
    op.add_column("versions", sa.Column("correction", sa.Text(), nullable=True))


def downgrade() -> None:
    """Plain ALTER TABLE DROP COLUMN (SQLite 3.35+), not a batch copy of `versions`, which
    would have to drop and remake the research views (0006_research_views)."""
    op.drop_column("versions", "correction")
    op.drop_column("versions", "updated_by")
