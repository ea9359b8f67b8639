"""Story identity: one story per canonical URL, the canonical URL a page declares, aliases.

Adds `stories.canonical_url` (what a page declares with <link rel="canonical"> or og:url) and
`story_aliases` (URLs of stories merged into another), then merges the stories that older
trackers kept apart although their URLs are one page (`http://H/a`, `http://H/a/`,
`HTTP://H/a#comments`, `http://H/a?utm_source=x`), and rewrites every story URL in canonical
form, which lookups now match exactly.

A merge keeps the story added first (lowest id) and moves the others' versions and checks to it,
as tracker.store.merge does at run time: versions renumbered in the order they were seen; a
version whose title, text and byline are those of the version just before it folded into that
one (its checks point there, a "new version" check becoming "unchanged", as the write path
records a fetch of unchanged text); the diff of every pair of consecutive versions kept when the
pair was consecutive already and computed here when it is new, so a merged story is exactly what
the write path would have stored had it followed one URL from the start, without waiting for a
`tracker reindex`. Downgrading drops the new column and table; merged stories stay merged.

Frozen like 0003_analysis_search: the SQL names only this revision's tables and columns, and the
URL rules are a copy of tracker.text.urls as of this revision (that module raises tracker.errors
and may change its rules with a migration of its own). Diffs are computed with tracker.text, pure
functions over strings, for the reasons 0003's docstring gives.

Revision ID: 0005_story_identity
Revises: 0004_seen_marks
Create Date: 2026-11-26
"""

from collections.abc import Sequence
from itertools import pairwise
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op

from tracker.text import analysis, diffing

revision: str = "0005_story_identity"
down_revision: str | None = "0004_seen_marks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKING = frozenset((
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "ttclid", "igshid", "li_fat_id", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi",
    "mkt_tok", "ocid", "cmpid", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname",
    "ns_fee",
))
DEFAULT_PORTS = {"http": 80, "https": 443}


def upgrade() -> None:
    op.add_column("stories", sa.Column("canonical_url", sa.String(length=2048), nullable=True))
    op.create_index(op.f("ix_stories_canonical_url"), "stories", ["canonical_url"])
    op.create_table(
        "story_aliases",
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"],
            name=op.f("fk_story_aliases_story_id_stories"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_story_aliases")),
    )
    op.create_index(op.f("ix_story_aliases_story_id"), "story_aliases", ["story_id"])
    bind = op.get_bind()
    groups: dict[str, list[int]] = {}
    for story_id, url in bind.execute(sa.text("SELECT id, url FROM stories ORDER BY id")):
        groups.setdefault(_canonical(url), []).append(story_id)
    for ids in groups.values():
        if len(ids) > 1:
            _merge(bind, ids[0], ids[1:])
    for url, ids in groups.items():
        bind.execute(sa.text("UPDATE stories SET url = :url, site = :site WHERE id = :id "
                             "AND url <> :url"), {"url": url, "site": _site(url), "id": ids[0]})


def _canonical(url: str) -> str:
    """tracker.text.urls.story_key as of this revision: the canonical form of an http(s) URL,
    any other URL (a file: URL of imported files) as it is."""
    from w3lib.url import canonicalize_url

    try:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
            return url
    except ValueError:
        return url
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _tracking(pair))
    cleaned = canonicalize_url(urlunsplit(parts._replace(query=query, fragment="")),
                               keep_blank_values=True)
    tidy = urlsplit(cleaned)
    netloc = tidy.netloc
    if tidy.port is not None and DEFAULT_PORTS.get(tidy.scheme) == tidy.port:
        netloc = netloc.rsplit(":", 1)[0]
    result = urlunsplit((tidy.scheme, netloc, tidy.path.rstrip("/") or "/", tidy.query, ""))
    return result if len(result) <= 2048 else url


def _tracking(pair: str) -> bool:
    name = unquote_plus(pair.split("=", 1)[0]).strip().lower()
    return name in TRACKING or name.startswith("utm_")


def _site(url: str) -> str:
    return (urlsplit(url).hostname or url).removeprefix("www.")


def _merge(bind: sa.Connection, survivor: int, others: list[int]) -> None:
    """Fold the stories `others` into `survivor` (see the module docstring), then delete them."""
    ids = {"ids": [survivor, *others]}
    every = sa.bindparam("ids", expanding=True)
    versions = bind.execute(sa.text(
        "SELECT id, content_hash, byline FROM versions WHERE story_id IN :ids "
        "ORDER BY observed_at, id").bindparams(every), ids).all()
    seen = bind.execute(sa.text(
        "SELECT v.id, m.seen_at FROM seen_marks m JOIN versions v "
        "ON v.story_id = m.story_id AND v.number = m.version_number "
        "WHERE m.story_id IN :ids").bindparams(every), ids).all()
    kept, folded = _fold(versions)
    _drop_stale_diffs(bind, ids, kept)
    for version_id, into in folded.items():
        _fold_version(bind, version_id, into)
    _move(bind, survivor, others, kept)
    _add_missing_diffs(bind, survivor, kept)
    _merge_seen(bind, survivor, ids, [folded.get(row[0], row[0]) for row in seen],
                max((row[1] for row in seen), default=None))
    _adopt(bind, survivor, others, kept[-1] if kept else None)
    bind.execute(sa.text("DELETE FROM stories WHERE id IN :ids")
                 .bindparams(sa.bindparam("ids", expanding=True)), {"ids": others})


def _fold(versions: Sequence[sa.Row]) -> tuple[list[int], dict[int, int]]:
    """The version ids to keep, and each folded version's id with the kept one it repeats."""
    kept: list[sa.Row] = []
    folded: dict[int, int] = {}
    for row in versions:
        if kept and (kept[-1].content_hash, kept[-1].byline) == (row.content_hash, row.byline):
            folded[row.id] = kept[-1].id
        else:
            kept.append(row)
    return [row.id for row in kept], folded


def _drop_stale_diffs(bind: sa.Connection, ids: dict[str, list[int]], kept: list[int]) -> None:
    pairs = set(pairwise(kept))
    rows = bind.execute(sa.text(
        "SELECT id, from_version_id, to_version_id FROM diffs WHERE story_id IN :ids")
        .bindparams(sa.bindparam("ids", expanding=True)), ids).all()
    for row in rows:
        if (row.from_version_id, row.to_version_id) not in pairs:
            bind.execute(sa.text("DELETE FROM diff_tags WHERE diff_id = :id"), {"id": row.id})
            bind.execute(sa.text("DELETE FROM diffs WHERE id = :id"), {"id": row.id})


def _fold_version(bind: sa.Connection, version_id: int, into: int) -> None:
    bind.execute(sa.text("UPDATE checks SET outcome = 'unchanged' WHERE version_id = :id "
                         "AND outcome = 'new_version'"), {"id": version_id})
    bind.execute(sa.text("UPDATE checks SET version_id = :into WHERE version_id = :id"),
                 {"id": version_id, "into": into})
    bind.execute(sa.text("DELETE FROM versions WHERE id = :id"), {"id": version_id})


def _move(bind: sa.Connection, survivor: int, others: list[int], kept: list[int]) -> None:
    """Checks and diffs to the survivor; versions too, numbered in the order seen, each revert
    pointing at the latest earlier version with its text."""
    for table in ("checks", "diffs"):
        bind.execute(sa.text(f"UPDATE {table} SET story_id = :survivor WHERE story_id IN :ids")
                     .bindparams(sa.bindparam("ids", expanding=True)),
                     {"survivor": survivor, "ids": others})
    for version_id in kept:  # out of the way of the (story, number) constraint first
        bind.execute(sa.text("UPDATE versions SET story_id = :survivor, number = -id "
                             "WHERE id = :id"), {"survivor": survivor, "id": version_id})
    last_seen: dict[str, int] = {}
    previous = None
    for number, version_id in enumerate(kept, start=1):
        digest = bind.execute(sa.text("SELECT content_hash FROM versions WHERE id = :id"),
                              {"id": version_id}).scalar_one()
        reverts = None if digest == previous else last_seen.get(digest)  # a byline-only edit
        bind.execute(sa.text("UPDATE versions SET number = :number, reverts_to = :reverts "
                             "WHERE id = :id"), {"number": number, "reverts": reverts,
                                                 "id": version_id})
        last_seen[digest], previous = number, digest


def _add_missing_diffs(bind: sa.Connection, survivor: int, kept: list[int]) -> None:
    for old_id, new_id in pairwise(kept):
        exists = bind.execute(sa.text(
            "SELECT 1 FROM diffs WHERE from_version_id = :old AND to_version_id = :new"),
            {"old": old_id, "new": new_id}).first()
        if exists is None:
            _add_diff(bind, survivor, _side(bind, old_id), _side(bind, new_id), old_id, new_id)


def _side(bind: sa.Connection, version_id: int) -> analysis.Side:
    row = bind.execute(sa.text("SELECT text, title, byline FROM versions WHERE id = :id"),
                       {"id": version_id}).one()
    return analysis.Side(row.text, row.title, row.byline)


def _add_diff(bind: sa.Connection, story_id: int, old: analysis.Side, new: analysis.Side,
              old_id: int, new_id: int) -> None:
    """The diff the write path would have stored, with its tags and search row."""
    ops = diffing.diff_texts(old.text, new.text)
    title_ops = diffing.diff_title(old.title, new.title)
    stats = diffing.diff_stats(ops)
    found = analysis.analyse_diff(old, new, ops, title_ops)
    diff_id = bind.execute(sa.text(
        "INSERT INTO diffs (story_id, from_version_id, to_version_id, delta, title_delta, "
        "words_added, words_removed, chars_added, chars_removed, headline_changed, "
        "byline_changed, engine, created_at, analysis, significance, added_text, removed_text) "
        "VALUES (:story, :old, :new, :delta, :title_delta, :wa, :wr, :ca, :cr, :headline, "
        ":byline, :engine, CURRENT_TIMESTAMP, :analysis, :significance, :added, :removed) "
        "RETURNING id"), {
            "story": story_id, "old": old_id, "new": new_id, "delta": diffing.to_delta(ops),
            "title_delta": diffing.to_delta(title_ops), "wa": stats.words_added,
            "wr": stats.words_removed, "ca": stats.chars_added, "cr": stats.chars_removed,
            "headline": (old.title or "") != (new.title or ""),
            "byline": (old.byline or "") != (new.byline or ""), "engine": diffing.ENGINE_NAME,
            "analysis": analysis.to_json(found.result),
            "significance": found.result.significance, "added": found.added,
            "removed": found.removed,
        }).scalar_one()
    for tag in found.result.tags:
        bind.execute(sa.text("INSERT INTO diff_tags (diff_id, tag) VALUES (:id, :tag)"),
                     {"id": diff_id, "tag": str(tag)})
    bind.execute(sa.text(
        "INSERT INTO diffs_fts(rowid, added_text, removed_text) VALUES (:id, :added, :removed)"
        if bind.dialect.name == "sqlite" else
        "INSERT INTO diffs_fts(diff_id, added, removed) VALUES (:id, "
        "to_tsvector('english', :added), to_tsvector('english', :removed))"
    ), {"id": diff_id, "added": found.added, "removed": found.removed})


def _merge_seen(bind: sa.Connection, survivor: int, ids: dict[str, list[int]],
                seen: list[int], seen_at: object) -> None:
    """The merged story counts as seen up to the newest version seen in any of its parts."""
    if not seen:
        return
    number = bind.execute(sa.text("SELECT max(number) FROM versions WHERE id IN :seen")
                          .bindparams(sa.bindparam("seen", expanding=True)),
                          {"seen": seen}).scalar_one()
    bind.execute(sa.text("DELETE FROM seen_marks WHERE story_id IN :ids")
                 .bindparams(sa.bindparam("ids", expanding=True)), ids)
    bind.execute(sa.text("INSERT INTO seen_marks (story_id, version_number, seen_at) "
                         "VALUES (:story, :number, :at)"),
                 {"story": survivor, "number": number, "at": seen_at})


def _adopt(bind: sa.Connection, survivor: int, others: list[int], latest: int | None) -> None:
    """The survivor's dates span all the stories; it keeps its own schedule unless only another
    was scheduled; its next fetch is a full one, since its latest version may be another's."""
    params = {"survivor": survivor, "ids": [survivor, *others], "others": others,
              "latest": latest}
    bind.execute(sa.text("""
        UPDATE stories SET
          first_seen_at = (SELECT min(first_seen_at) FROM stories WHERE id IN :ids),
          last_checked_at = (SELECT max(last_checked_at) FROM stories WHERE id IN :ids),
          last_changed_at = coalesce(
            (SELECT observed_at FROM versions WHERE id = :latest), last_changed_at),
          title = coalesce((SELECT title FROM versions WHERE id = :latest), title),
          feed_id = coalesce(feed_id,
            (SELECT min(feed_id) FROM stories WHERE id IN :others)),
          etag = NULL, last_modified = NULL, body_hash = NULL
        WHERE id = :survivor""").bindparams(
        sa.bindparam("ids", expanding=True), sa.bindparam("others", expanding=True)), params)
    scheduled = bind.execute(sa.text(
        "SELECT status, next_check_at FROM stories WHERE id IN :others "
        "AND next_check_at IS NOT NULL ORDER BY next_check_at LIMIT 1")
        .bindparams(sa.bindparam("others", expanding=True)), params).first()
    if scheduled is not None:
        bind.execute(sa.text("UPDATE stories SET status = :status, next_check_at = :at "
                             "WHERE id = :survivor AND next_check_at IS NULL"),
                     {"status": scheduled.status, "at": scheduled.next_check_at,
                      "survivor": survivor})


def downgrade() -> None:
    op.drop_index(op.f("ix_story_aliases_story_id"), table_name="story_aliases")
    op.drop_table("story_aliases")
    op.drop_index(op.f("ix_stories_canonical_url"), table_name="stories")
    # Not a batch copy of the table: with the search index's triggers on versions, SQLite
    # refuses to drop the old stories table ("database table is locked"). SQLite 3.35 and
    # later drop an unindexed column in place.
    op.execute("ALTER TABLE stories DROP COLUMN canonical_url")
