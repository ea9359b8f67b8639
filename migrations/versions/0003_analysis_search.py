"""Change analysis and search: analysis, significance and searchable text on diffs, their tags,
and the full-text indexes (FTS5 on SQLite, tsvector + GIN on PostgreSQL).

The full-text tables are hand-written DDL, hidden from autogenerate by their names (see env.py).
Existing versions are indexed and existing diffs analysed here, so an upgraded database is
searchable at once; `tracker reindex` does the same again when the analysis rules change.

Revision ID: 0003_analysis_search
Revises: 0002_schedule
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker import search
from tracker.store import write as store

revision: str = "0003_analysis_search"
down_revision: str | None = "0002_schedule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_DDL = [
    f"""CREATE VIRTUAL TABLE diffs_fts USING fts5(
        added_text, removed_text, content='diffs', content_rowid='id',
        tokenize='{search.SQLITE_TOKENIZER}')""",
    f"""CREATE VIRTUAL TABLE versions_fts USING fts5(
        title, text, content='versions', content_rowid='id',
        tokenize='{search.SQLITE_TOKENIZER}')""",
    # External-content indexes need the old text to drop a row: deletes (a story removed with
    # its versions and diffs) go through triggers; inserts go through tracker.store.
    """CREATE TRIGGER diffs_fts_delete AFTER DELETE ON diffs
        WHEN old.added_text IS NOT NULL BEGIN
        INSERT INTO diffs_fts(diffs_fts, rowid, added_text, removed_text)
        VALUES ('delete', old.id, old.added_text, old.removed_text);
    END""",
    """CREATE TRIGGER versions_fts_delete AFTER DELETE ON versions BEGIN
        INSERT INTO versions_fts(versions_fts, rowid, title, text)
        VALUES ('delete', old.id, coalesce(old.title, ''), old.text);
    END""",
]
# fastupdate off: GIN's pending list (up to 4 MB between vacuums under a steady stream of new
# versions) made every search scan it and misled the planner into sequential scans (a rare
# word took 90 ms instead of 0.3 ms on 10,000 versions); updating the index with each version
# costs the write path a little instead.
POSTGRES_DDL = [
    """CREATE TABLE diffs_fts (
        diff_id integer PRIMARY KEY REFERENCES diffs(id) ON DELETE CASCADE,
        added tsvector NOT NULL,
        removed tsvector NOT NULL)""",
    "CREATE INDEX ix_diffs_fts_added ON diffs_fts USING gin (added) WITH (fastupdate = off)",
    "CREATE INDEX ix_diffs_fts_removed ON diffs_fts USING gin (removed) WITH (fastupdate = off)",
    """CREATE TABLE versions_fts (
        version_id integer PRIMARY KEY REFERENCES versions(id) ON DELETE CASCADE,
        document tsvector NOT NULL)""",
    "CREATE INDEX ix_versions_fts_document ON versions_fts USING gin (document) "
    "WITH (fastupdate = off)",
]


def upgrade() -> None:
    with op.batch_alter_table("diffs") as batch:
        batch.add_column(sa.Column("analysis", sa.Text(), nullable=True))
        batch.add_column(sa.Column("significance", sa.Float(), nullable=True))
        batch.add_column(sa.Column("added_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("removed_text", sa.Text(), nullable=True))
        batch.create_index(op.f("ix_diffs_significance"), ["significance"])
    op.create_table(
        "diff_tags",
        sa.Column("diff_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["diff_id"], ["diffs.id"], name=op.f("fk_diff_tags_diff_id_diffs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("diff_id", "tag", name=op.f("pk_diff_tags")),
    )
    op.create_index(op.f("ix_diff_tags_tag"), "diff_tags", ["tag"])
    bind = op.get_bind()
    for statement in SQLITE_DDL if bind.dialect.name == "sqlite" else POSTGRES_DDL:
        op.execute(statement)
    search.rebuild_versions(bind)
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM diffs ORDER BY id"))]
    for start in range(0, len(ids), store.REINDEX_BATCH):
        store.reindex_diffs(bind, ids[start : start + store.REINDEX_BATCH])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("diffs_fts_delete", "versions_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS diffs_fts")
    op.execute("DROP TABLE IF EXISTS versions_fts")
    op.drop_index(op.f("ix_diff_tags_tag"), table_name="diff_tags")
    op.drop_table("diff_tags")
    with op.batch_alter_table("diffs") as batch:
        batch.drop_index(op.f("ix_diffs_significance"))
        batch.drop_column("removed_text")
        batch.drop_column("added_text")
        batch.drop_column("significance")
        batch.drop_column("analysis")
