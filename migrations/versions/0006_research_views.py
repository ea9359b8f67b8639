"""Research views: the stored history in a plain, readable shape for Datasette, sqlite-utils,
pandas or psql, with nothing to decode.

The tables are shaped for the write path: `versions.raw_html` is zlib-compressed bytes, times
are stored without a zone on SQLite, and `diffs.delta` needs diff-match-patch to read. Two views
give researchers what they mean instead, with the same columns on SQLite and PostgreSQL:

- `version_texts`: one row per version, with its story's URL and site, times in UTC ISO 8601
  (`2020-01-08T00:17:00Z`), title, byline, word count and text.
- `changes`: one row per stored diff, with the story, both version numbers, when the newer one
  was seen (UTC ISO 8601), words added and removed, significance, headline and byline flags, the
  fact-change tags (comma-separated, in alphabetical order) and the text the change added and
  removed.

Views are not tables to SQLAlchemy's inspector, so autogenerate never sees them. On SQLite, a
later revision that rebuilds `stories`, `versions`, `diffs` or `diff_tags` in batch mode (a copy,
a drop and a rename) must drop these views first and create them again after: SQLite checks
every view when a table is renamed.

Revision ID: 0006_research_views
Revises: 0005_story_identity
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_research_views"
down_revision: str | None = "0005_story_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEWS = ("changes", "version_texts")


def _utc(column: str, dialect: str) -> str:
    """A stored time as UTC ISO 8601 text with a Z, the same string on both databases."""
    if dialect == "sqlite":
        return f"strftime('%Y-%m-%dT%H:%M:%SZ', {column})"
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


def _tags(dialect: str) -> str:
    """A diff's tags, comma-separated in alphabetical order ('' when it has none). SQLite reads
    them through the primary key's index on (diff_id, tag), which keeps them in order."""
    if dialect == "sqlite":
        aggregate = "group_concat(t.tag, ',')"
    else:
        aggregate = "string_agg(t.tag, ',' ORDER BY t.tag)"
    return f"coalesce((SELECT {aggregate} FROM diff_tags t WHERE t.diff_id = d.id), '')"


def _version_texts(dialect: str) -> str:
    return f"""CREATE VIEW version_texts AS
        SELECT v.id AS version_id, v.story_id, s.url AS story_url, s.site,
               v.number AS version, {_utc("v.observed_at", dialect)} AS observed_at,
               v.title, v.byline,
               {_utc("v.published_at", dialect)} AS published_at,
               {_utc("v.updated_at", dialect)} AS updated_at,
               v.word_count, v.char_count, v.source, v.reverts_to, v.text
        FROM versions v JOIN stories s ON s.id = v.story_id"""


def _changes(dialect: str) -> str:
    return f"""CREATE VIEW changes AS
        SELECT d.id AS diff_id, d.story_id, s.url AS story_url, n.title,
               o.number AS from_version, n.number AS to_version,
               {_utc("n.observed_at", dialect)} AS observed_at,
               d.words_added, d.words_removed, d.significance, d.headline_changed,
               d.byline_changed, {_tags(dialect)} AS tags, n.reverts_to,
               d.added_text, d.removed_text
        FROM diffs d JOIN stories s ON s.id = d.story_id
        JOIN versions o ON o.id = d.from_version_id
        JOIN versions n ON n.id = d.to_version_id"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(_version_texts(dialect))
    op.execute(_changes(dialect))


def downgrade() -> None:
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
