"""Change analysis and search: analysis, significance and searchable text on diffs, their tags,
and the full-text indexes (FTS5 on SQLite, tsvector + GIN on PostgreSQL).

The full-text tables are hand-written DDL, hidden from autogenerate by their names (see env.py).
Existing versions are indexed and existing diffs analysed here, so an upgraded database is
searchable at once and holds what the write path would have stored; `tracker reindex` does the
same again when the analysis rules change.

What this revision reads and writes stays as it was on any later tracker: every statement it
runs (reading the diffs, writing their analysis, tags and index rows; the tokenizer and the text
search configuration) is frozen here and names only the tables and columns of this revision.
Nothing comes from tracker.store, tracker.search or tracker.db, which follow the newest schema.
The analysis itself does come from tracker.text: pure functions over strings that know nothing
of the schema. A frozen copy of them would be a thousand lines (sentences, alignment, facts,
scores), and leaving the new columns empty until a `tracker reindex` would leave an upgraded
database without search or tags until then; with the current rules, an upgraded database is
exactly what the write path stores (tests/test_migrations.py checks both). Should the rules
ever produce what these columns cannot hold (a tag longer than 16 characters), this revision
must then get its own frozen copy of them.

Revision ID: 0003_analysis_search
Revises: 0002_schedule
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.text import analysis, diffing

revision: str = "0003_analysis_search"
down_revision: str | None = "0002_schedule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TOKENIZER = "porter unicode61 remove_diacritics 2"
PG_CONFIG = "english"
BATCH = 500
"""Diffs analysed per statement that reads them: both versions' text of each is in memory."""

SQLITE_DDL = [
    f"""CREATE VIRTUAL TABLE diffs_fts USING fts5(
        added_text, removed_text, content='diffs', content_rowid='id',
        tokenize='{SQLITE_TOKENIZER}')""",
    f"""CREATE VIRTUAL TABLE versions_fts USING fts5(
        title, text, content='versions', content_rowid='id',
        tokenize='{SQLITE_TOKENIZER}')""",
    # External-content indexes need the old text to drop a row: deletes (a story removed with
    # its versions and diffs) go through triggers; inserts go through the write path.
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
    _index_versions(bind)
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM diffs ORDER BY id"))]
    for start in range(0, len(ids), BATCH):
        for row in _diffs(bind, ids[start : start + BATCH]):
            _analyse_diff(bind, row)


def _index_versions(bind: sa.Connection) -> None:
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("INSERT INTO versions_fts(versions_fts) VALUES ('rebuild')")
        return
    bind.exec_driver_sql(
        "INSERT INTO versions_fts(version_id, document) SELECT id, "
        f"setweight(to_tsvector('{PG_CONFIG}', coalesce(title, '')), 'A') "
        f"|| to_tsvector('{PG_CONFIG}', text) FROM versions"
    )


def _diffs(bind: sa.Connection, ids: list[int]) -> Sequence[sa.Row]:
    return bind.execute(sa.text(f"""
        SELECT d.id, d.delta, d.title_delta,
               o.text AS old_text, o.title AS old_title, o.byline AS old_byline,
               n.text AS new_text, n.title AS new_title, n.byline AS new_byline
        FROM diffs d JOIN versions o ON o.id = d.from_version_id
        JOIN versions n ON n.id = d.to_version_id
        WHERE d.id IN ({", ".join(str(int(i)) for i in ids)})
    """)).all()


def _analyse_diff(bind: sa.Connection, row: sa.Row) -> None:
    """Store one diff's analysis, tags and index row; the diff has none yet (the columns and
    tables are new), so nothing is deleted first."""
    old = analysis.Side(row.old_text, row.old_title, row.old_byline)
    new = analysis.Side(row.new_text, row.new_title, row.new_byline)
    ops = diffing.from_delta(old.text, row.delta)
    title_ops = diffing.from_delta(old.title or "", row.title_delta)
    found = analysis.analyse_diff(old, new, ops, title_ops)
    bind.execute(sa.text(
        "UPDATE diffs SET analysis = :analysis, significance = :significance, "
        "added_text = :added, removed_text = :removed WHERE id = :id"
    ), {"analysis": analysis.to_json(found.result), "significance": found.result.significance,
        "added": found.added, "removed": found.removed, "id": row.id})
    for tag in found.result.tags:
        bind.execute(sa.text("INSERT INTO diff_tags (diff_id, tag) VALUES (:id, :tag)"),
                     {"id": row.id, "tag": str(tag)})
    bind.execute(sa.text(
        "INSERT INTO diffs_fts(rowid, added_text, removed_text) VALUES (:id, :added, :removed)"
        if bind.dialect.name == "sqlite" else
        "INSERT INTO diffs_fts(diff_id, added, removed) VALUES (:id, "
        f"to_tsvector('{PG_CONFIG}', :added), to_tsvector('{PG_CONFIG}', :removed))"
    ), {"id": row.id, "added": found.added, "removed": found.removed})


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
