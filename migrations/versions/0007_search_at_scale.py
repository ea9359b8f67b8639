"""Search and status at scale: PostgreSQL's search vectors rebuilt as FTS5 sees words, and
indexes for what --since and `tracker status` read.

On PostgreSQL the vectors of versions_fts and diffs_fts were to_tsvector('english', text),
which cut and stemmed words otherwise than SQLite (stopwords dropped, `3.5` kept whole, no
accent folding), and left the planner walking every row for a rare word. They are rebuilt here
from the words SQLite's FTS5 tokenizer finds, run in memory: each word, each pair of
neighbouring words with its position, and the blocks of row ids the row falls in (see
tracker.search.postgres for why). The GIN indexes are dropped during the rebuild and made
again after it, which is much faster than updating them row by row; a large database takes a
while (about a minute per 100,000 versions on a small machine). SQLite's FTS5 tables do not
change.

The indexes: versions by observation time (`--since`, feeds of changes); stories under a lease
and failing stories, partial so that they hold only those rows; stories by last check.

As with 0003_analysis_search, everything this revision computes is frozen here: the tokenizer
and the layout of the vectors are copied, not imported, so that a later tracker upgrades an old
database to exactly this revision's index.

Revision ID: 0007_search_at_scale
Revises: 0006_research_views
Create Date: 2026-12-02
"""

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise

import sqlalchemy as sa
from alembic import op

revision: str = "0007_search_at_scale"
down_revision: str | None = "0006_research_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZER = "porter unicode61 remove_diacritics 2"
BLOCK_BITS = (12, 17)
MAX_POSITION, MAX_POSITIONS, MAX_LEXEME_BYTES = 16383, 255, 2046
BATCH = 500
OLD_CONFIG = "english"
GIN_INDEXES = {
    "ix_versions_fts_document": "versions_fts USING gin (document)",
    "ix_diffs_fts_added": "diffs_fts USING gin (added)",
    "ix_diffs_fts_removed": "diffs_fts USING gin (removed)",
}


def upgrade() -> None:
    op.create_index("ix_versions_observed_at_id", "versions", ["observed_at", "id"])
    op.create_index("ix_stories_claimed_until", "stories", ["claimed_until"],
                    postgresql_where=sa.text("claimed_until IS NOT NULL"),
                    sqlite_where=sa.text("claimed_until IS NOT NULL"))
    op.create_index("ix_stories_failure_count", "stories", ["failure_count"],
                    postgresql_where=sa.text("failure_count > 0"),
                    sqlite_where=sa.text("failure_count > 0"))
    op.create_index("ix_stories_last_checked_at", "stories", ["last_checked_at"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _rebuild(bind, _fill_vectors)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _rebuild(bind, _fill_english)
    op.drop_index("ix_stories_last_checked_at", table_name="stories")
    op.drop_index("ix_stories_failure_count", table_name="stories")
    op.drop_index("ix_stories_claimed_until", table_name="stories")
    op.drop_index("ix_versions_observed_at_id", table_name="versions")


def _rebuild(bind: sa.Connection, fill: Callable[[sa.Connection], None]) -> None:
    """Empty both tables, fill them with `fill`, and make their GIN indexes again."""
    for name in GIN_INDEXES:
        bind.exec_driver_sql(f"DROP INDEX {name}")
    bind.exec_driver_sql("TRUNCATE versions_fts, diffs_fts")
    fill(bind)
    for name, target in GIN_INDEXES.items():
        bind.exec_driver_sql(f"CREATE INDEX {name} ON {target} WITH (fastupdate = off)")


def _fill_vectors(bind: sa.Connection) -> None:
    """This revision's vectors, for every version and every analysed diff."""
    words = _Words()
    version_rows = "SELECT id, coalesce(title, '') AS a, text AS b FROM versions"
    diff_rows = ("SELECT id, coalesce(added_text, '') AS a, coalesce(removed_text, '') AS b "
                 "FROM diffs WHERE added_text IS NOT NULL")
    for rows in _batches(bind, version_rows):
        found = words.of(rows)
        bind.execute(sa.text(
            "INSERT INTO versions_fts(version_id, document) VALUES (:id, CAST(:v AS tsvector))"
        ), [{"id": row[0], "v": _vector(row[0], found[row[0]])} for row in rows])
    for rows in _batches(bind, diff_rows):
        found = words.of(rows)
        bind.execute(sa.text(
            "INSERT INTO diffs_fts(diff_id, added, removed) "
            "VALUES (:id, CAST(:a AS tsvector), CAST(:r AS tsvector))"
        ), [{"id": row[0], "a": _vector(row[0], found[row[0]][:1]),
             "r": _vector(row[0], found[row[0]][1:])} for row in rows])


def _fill_english(bind: sa.Connection) -> None:
    """0003_analysis_search's vectors, for a downgrade."""
    bind.exec_driver_sql(
        "INSERT INTO versions_fts(version_id, document) SELECT id, "
        f"setweight(to_tsvector('{OLD_CONFIG}', coalesce(title, '')), 'A') "
        f"|| to_tsvector('{OLD_CONFIG}', text) FROM versions"
    )
    bind.exec_driver_sql(
        "INSERT INTO diffs_fts(diff_id, added, removed) SELECT id, "
        f"to_tsvector('{OLD_CONFIG}', added_text), to_tsvector('{OLD_CONFIG}', removed_text) "
        "FROM diffs WHERE added_text IS NOT NULL"
    )


def _batches(bind: sa.Connection, select: str) -> Iterator[Sequence[sa.Row]]:
    """The rows of `select` (id first) in batches of BATCH, by id, so that a large database
    is never in memory at once."""
    after = 0
    while rows := bind.execute(sa.text(
        f"SELECT * FROM ({select}) AS r WHERE r.id > :after ORDER BY r.id LIMIT {BATCH}"
    ), {"after": after}).all():
        yield rows
        after = rows[-1][0]


class _Words:
    """FTS5's tokenizer in memory: each text's words, stemmed, in order."""

    def __init__(self) -> None:
        self.scratch = sqlite3.connect(":memory:", isolation_level=None)
        self.scratch.execute(
            f"CREATE VIRTUAL TABLE w USING fts5(a, b, content='', tokenize='{TOKENIZER}')")
        self.scratch.execute("CREATE VIRTUAL TABLE w_at USING fts5vocab(w, 'instance')")

    def of(self, rows: Sequence[sa.Row]) -> dict[int, list[list[str]]]:
        self.scratch.executemany("INSERT INTO w(rowid, a, b) VALUES (?, ?, ?)",
                                 [(row[0], row[1], row[2]) for row in rows])
        at: dict[tuple[int, str], dict[int, str]] = {}
        for term, doc, column, offset in self.scratch.execute(
                "SELECT term, doc, col, offset FROM w_at"):
            at.setdefault((doc, column), {})[offset] = term
        self.scratch.execute("INSERT INTO w(w) VALUES ('delete-all')")
        return {row[0]: [[found[offset] for offset in sorted(found)]
                         for found in (at.get((row[0], column), {}) for column in "ab")]
                for row in rows}


def _vector(row_id: int, columns: Sequence[Sequence[str]]) -> str:
    """Words without positions, pairs ("~a b") at the first word's position (each column's
    positions one past the previous column's), and the row's block lexemes."""
    pairs: dict[str, list[int]] = {}
    start = 1
    for words in columns:
        for offset, (first, second) in enumerate(pairwise(words)):
            positions = pairs.setdefault(f"~{first} {second}", [])
            if len(positions) < MAX_POSITIONS:
                positions.append(min(start + offset, MAX_POSITION))
        start += len(words) + 1
    lexemes = [_quote(word) for word in {word for words in columns for word in words}
               if len(word.encode()) <= MAX_LEXEME_BYTES]
    lexemes += [_quote(pair) + ":" + ",".join(map(str, sorted(set(positions))))
                for pair, positions in pairs.items() if len(pair.encode()) <= MAX_LEXEME_BYTES]
    lexemes += [_quote(f"#{bits}:{row_id >> bits}") for bits in BLOCK_BITS]
    return " ".join(lexemes)


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
