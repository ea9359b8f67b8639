"""Diffs computed before the write (a snapshot run's extraction processes compute them) store
exactly the rows the write path computes itself, and only against the version they were
computed for: a stale one is recomputed."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import select

from tests.newssite import NewsSite
from tracker.db.engine import Database, open_database
from tracker.db.identity import story_id_for_url
from tracker.db.models import Diff, DiffTag, Source, Version
from tracker.sources.extract import Extracted, revision_against
from tracker.sources.fetch import FetchLimits
from tracker.sources.importer import import_paths, seeds_dir
from tracker.sources.snapshot import SnapshotOptions, run_snapshot
from tracker.sources.tracking import track_stories
from tracker.store.diffs import side_of
from tracker.store.write import (
    Article,
    Candidate,
    Observation,
    Prepared,
    latest_of,
    store_candidate,
)
from tracker.text import analysis

SEED = seeds_dir() / "iran-missiles-2020-01-07"
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
LIMITS = FetchLimits(per_host=8, host_delay=0, connect_timeout=5, read_timeout=5,
                     total_timeout=10)


def stored_rows(db: Database) -> list[tuple[object, ...]]:
    """What the write path stored of every version, diff and tag, ids included."""
    with db.reading() as session:
        versions = [(v.id, v.story_id, v.number, v.title, v.byline, v.text, v.content_hash,
                     v.word_count, v.char_count, v.correction, v.reverts_to)
                    for v in session.scalars(select(Version).order_by(Version.id))]
        diffs = [(d.id, d.from_version_id, d.to_version_id, d.delta, d.title_delta,
                  d.words_added, d.words_removed, d.chars_added, d.chars_removed,
                  d.headline_changed, d.byline_changed, d.analysis, d.significance,
                  d.added_text, d.removed_text)
                 for d in session.scalars(select(Diff).order_by(Diff.id))]
        tags = sorted(tuple(row) for row in session.execute(select(DiffTag.diff_id, DiffTag.tag)))
    return [*versions, *diffs, *tags]


def recomputed(db: Database) -> list[tuple[object, object]]:
    """Each stored diff's computed columns beside the same computed again from its versions."""
    pairs: list[tuple[object, object]] = []
    with db.reading() as session:
        for diff in session.scalars(select(Diff).order_by(Diff.id)):
            again = analysis.revise(side_of(session.get_one(Version, diff.from_version_id)),
                                    side_of(session.get_one(Version, diff.to_version_id)))
            pairs.append(((diff.delta, diff.title_delta, diff.analysis, diff.significance,
                           diff.added_text, diff.removed_text, sorted(t.tag for t in diff.tags)),
                          (again.delta, again.title_delta, again.analysis, again.significance,
                           again.added, again.removed, sorted(str(t) for t in again.tags))))
    return pairs


def with_prepared_diff(db: Database, candidate: Candidate) -> Candidate:
    """The candidate with its diff against the stored latest version computed beforehand,
    as a snapshot run's extraction process computes it."""
    with db.reading() as session:
        story_id = story_id_for_url(session, candidate.url)
    latest = latest_of(db, story_id) if story_id is not None else None
    if latest is None:
        return candidate
    article = candidate.article
    found = Extracted(article.text, article.title, article.byline, updated_at=article.updated_at)
    revision = revision_against(found, latest.side)
    if revision is None:
        return candidate
    return replace(candidate, prepared=Prepared(latest.version_id, revision))


def at_hour(hours: int) -> datetime:
    return T0 + timedelta(hours=hours + 1)


def seed_candidates() -> list[Candidate]:
    from tracker.sources.importer import _read_folder

    return _read_folder(SEED)


def test_prepared_diffs_store_the_rows_the_write_path_computes(
        db: Database, tmp_path: Path) -> None:
    import_paths(db, [SEED])
    prepared_db = open_database(f"sqlite:///{tmp_path / 'prepared.db'}")
    try:
        used = 0
        for candidate in seed_candidates():
            candidate = with_prepared_diff(prepared_db, candidate)
            used += candidate.prepared is not None
            store_candidate(prepared_db, candidate, idempotent=True)
        assert used == 7  # every version after the first
        assert stored_rows(prepared_db) == stored_rows(db)
    finally:
        prepared_db.close()


def test_a_diff_prepared_against_an_older_version_is_computed_again(db: Database) -> None:
    url = "https://example.org/news/raced"

    def candidate(text: str, minutes: int) -> Candidate:
        return Candidate(url, Article(text, title="Headline"),
                         Observation(T0 + timedelta(minutes=minutes), Source.SNAPSHOT))

    store_candidate(db, candidate("Ten missiles were fired at the base.", 0))
    stale = with_prepared_diff(db, candidate("Twelve missiles were fired at two bases.", 10))
    store_candidate(db, candidate("Eleven missiles were fired at the base.", 5))  # won the race
    assert stale.prepared is not None
    store_candidate(db, stale)
    pairs = recomputed(db)
    assert len(pairs) == 2 and all(stored == again for stored, again in pairs)
    with db.reading() as session:
        last = session.scalars(select(Diff).order_by(Diff.id.desc()).limit(1)).one()
        assert "Eleven" in (last.removed_text or "") and "Twelve" in (last.added_text or "")


def test_a_snapshot_run_stores_the_diffs_its_extraction_computed(
        any_db: Database, site: NewsSite) -> None:
    path = "/news/prepared-story"
    url = site.add(path, "Parliament passes budget after all-night session")
    track_stories(any_db, [url], T0)
    first_word = site.pages[path].paragraphs[0].split()[0]
    options = SnapshotOptions(limits=LIMITS, every=True, extract_processes=0)
    for hours, (old, new) in enumerate([(first_word, "Yesterday"), ("Officials", "Ministers")]):
        run_snapshot(any_db, options, clock=partial(at_hour, hours))
        site.edit(path, old, new)
    run_snapshot(any_db, options, clock=partial(at_hour, 5))
    pairs = recomputed(any_db)
    assert len(pairs) == 2 and all(stored == again for stored, again in pairs)
