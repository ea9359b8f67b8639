"""Search over added, removed and full text, on SQLite (FTS5) and PostgreSQL (tsvector)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tracker.db.engine import Database
from tracker.errors import InvalidInput
from tracker.search import Field, SearchFilter, SearchHit, parse_query, search
from tracker.search.backend import Window, windows
from tracker.search.sqlite import SqliteBackend
from tracker.sources.importer import import_paths, seeds_dir
from tracker.store.reindex import reindex
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.text.timespec import parse_since

ADDED, REMOVED, TEXT = (Field.ADDED,), (Field.REMOVED,), (Field.TEXT,)


@pytest.fixture
def sample(any_db: Database) -> Database:
    """The sample story on SQLite and on PostgreSQL."""
    assert not import_paths(any_db, [seeds_dir()]).failed
    return any_db


def marked(hit: SearchHit) -> list[str]:
    return [hit.snippet.text[start:end] for start, end in hit.snippet.marks]


def pairs(hits: list[SearchHit]) -> list[tuple[str, int, int]]:
    return [(hit.field.value, hit.from_version, hit.to_version) for hit in hits]


def test_a_word_a_change_added(sample: Database) -> None:
    [hit] = search(sample, "Pray", SearchFilter(fields=ADDED))
    assert (hit.story_id, hit.from_version, hit.to_version) == (1, 7, 8)
    assert marked(hit) == ["Pray"] and "Pelosi told" in hit.snippet.text
    assert hit.observed_at == datetime(2020, 1, 8, 3, 40, tzinfo=UTC)
    assert set(hit.tags) == {"quote", "attribution"} and hit.significance


def test_a_phrase_a_change_removed(sample: Database) -> None:
    [hit] = search(sample, '"at least 10"', SearchFilter(fields=REMOVED))
    assert pairs([hit]) == [("removed", 3, 4)] and "number" in hit.tags
    assert "10" in " ".join(marked(hit))


def test_a_phrase_must_match_in_order(sample: Database) -> None:
    assert search(sample, '"10 least at"', SearchFilter(fields=REMOVED)) == []


def test_words_are_stemmed_on_both_databases(sample: Database) -> None:
    [hit] = search(sample, "missile", SearchFilter(fields=TEXT))
    assert (hit.from_version, hit.to_version) == (1, 8)
    assert any(word.lower().startswith("missile") for word in marked(hit))


def test_full_text_names_the_span_of_versions_that_contain_the_match(sample: Database) -> None:
    assert pairs(search(sample, "Pelosi", SearchFilter(fields=TEXT))) == [("text", 8, 8)]
    assert pairs(search(sample, "Soleimani", SearchFilter(fields=TEXT))) == [("text", 2, 8)]


@pytest.mark.parametrize(("matching", "first"), [((1, 2, 3, 4, 5, 6), 1),
                                                ((2, 3, 4, 5, 6), 2), ((1, 5, 6), 1)])
def test_the_first_matching_version_lies_beyond_the_matches_read(
    any_db: Database, matching: tuple[int, ...], first: int
) -> None:
    """One result is read from a page of four matches (eleven stories, 16 versions): the
    newest four versions of the story that matches; its first matching version is older,
    and found among the versions not read."""
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    for number in range(1, 7):
        body = f"Version {number} of the story{' on the zeppelin' * (number in matching)}."
        store_candidate(any_db, Candidate("https://example.org/z", Article(body, title="Z"),
                                          Observation(t0 + timedelta(minutes=number))))
    for other in range(10):
        store_candidate(any_db, Candidate(f"https://example.org/o{other}",
                                          Article(f"Other story {other}.", title="O"),
                                          Observation(t0 + timedelta(hours=1, minutes=other))))
    hits = search(any_db, "zeppelin", SearchFilter(fields=TEXT, limit=1))
    assert pairs(hits) == [("text", first, 6)]


@pytest.mark.parametrize("query", ["missile", '"at least"', "presid*", "Pelosi OR Trump",
                                   "Iran -Pelosi", '"white hou*"'])
def test_snippets_cut_in_memory_are_the_ones_the_index_cuts(sample_db: Database,
                                                            query: str) -> None:
    """On SQLite the snippets of hits spread over the table are cut from their text in memory
    (SqliteBackend._version_snippets); a search must show the same excerpts either way."""
    parsed = parse_query(query)
    with sample_db.reading() as session:
        backend = SqliteBackend(session.connection())
        ids = list(session.execute(text("SELECT id FROM versions")).scalars())
        from_index = backend._version_snippets(parsed, ids)
        assert from_index and from_index == backend._snippets_in_memory(parsed, ids)


def test_without_a_field_everything_is_searched_newest_first(sample: Database) -> None:
    hits = search(sample, "baner")
    assert set(pairs(hits)) == {("text", 3, 6), ("added", 2, 3), ("removed", 6, 7)}
    assert [hit.observed_at for hit in hits] == sorted((h.observed_at for h in hits),
                                                       reverse=True)


def test_tag_filter_keeps_only_changes_with_that_tag(sample: Database) -> None:
    # v5's headline gains "more than a dozen": the headline is analysed too (issue 12)
    assert pairs(search(sample, "dozen", SearchFilter(tag="number"))) == [("added", 4, 5),
                                                                          ("added", 3, 4)]
    assert pairs(search(sample, "banner", SearchFilter(tag="minor"))) == [("added", 6, 7)]
    assert search(sample, "Pray", SearchFilter(tag="number")) == []


def test_site_and_since_filters(sample: Database) -> None:
    assert search(sample, "Pray", SearchFilter(site="other.example.org")) == []
    assert len(search(sample, "Pray", SearchFilter(site="news.example.com"))) == 2
    since = datetime(2020, 1, 8, 3, 0, tzinfo=UTC)
    assert len(search(sample, "Pray", SearchFilter(since=since))) == 2
    assert search(sample, "Pray", SearchFilter(since=since + timedelta(hours=1))) == []


def test_limit(sample: Database) -> None:
    assert len(search(sample, "Iran", SearchFilter(limit=3))) == 3


def test_query_syntax_of_the_engines_cannot_be_injected(sample: Database) -> None:
    """FTS5's NEAR and column filters, and tsquery's operators, are words and punctuation."""
    assert search(sample, 'NEAR(Pray) "* Pelosi', SearchFilter(fields=ADDED)) == []
    assert search(sample, "added_text:Pray", SearchFilter(fields=REMOVED)) == []
    query = parse_query("'dozen' & !missiles | x:y")
    assert [[term.words for term in group] for group in query.groups] == [
        [("dozen",)], [("missil",)], [("x", "y")]]
    with pytest.raises(InvalidInput, match="nothing to search for"):
        parse_query('"" !!')


def test_a_stored_version_is_searchable_in_the_same_transaction(any_db: Database) -> None:
    url = "https://example.org/a"
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    store_candidate(any_db, Candidate(url, Article("Officials reported a quiet night.",
                                                  title="Calm"), Observation(t0)))
    store_candidate(any_db, Candidate(url, Article("Officials reported shelling overnight.",
                                                  title="Calm"),
                                      Observation(t0 + timedelta(hours=1))))
    assert pairs(search(any_db, "shelling")) == [("added", 1, 2), ("text", 2, 2)]
    assert pairs(search(any_db, "quiet", SearchFilter(fields=REMOVED))) == [("removed", 1, 2)]


def test_deleting_a_story_removes_it_from_the_index(sample: Database) -> None:
    with sample.writing() as session:
        session.execute(text("DELETE FROM stories"))
    assert search(sample, "Iran") == []
    if sample.is_sqlite:
        assert_fts_intact(sample)


def test_reindex_gives_the_same_results_as_the_write_path(sample: Database) -> None:
    queries = ["Pray", '"more than a dozen"', "baner", "casualties"]
    before = [search(sample, q) for q in queries]
    assert reindex(sample) == 7
    assert [search(sample, q) for q in queries] == before
    if sample.is_sqlite:
        assert_fts_intact(sample)


def assert_fts_intact(db: Database) -> None:
    """FTS5's own check that the index matches its content tables (raises when it does not)."""
    with db.writing() as session:
        for table in ("diffs_fts", "versions_fts"):
            session.execute(
                text(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
            )


def test_parse_since() -> None:
    now = datetime(2024, 5, 10, 12, tzinfo=UTC)
    assert parse_since("2d", now=now) == now - timedelta(days=2)
    assert parse_since("36h", now=now) == now - timedelta(hours=36)
    assert parse_since("1w", now=now) == now - timedelta(days=7)
    assert parse_since("2020-01-08") == datetime(2020, 1, 8, tzinfo=UTC)
    assert parse_since("2020-01-08T02:00+01:00") == datetime(2020, 1, 8, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="--since"):
        parse_since("yesterday")


@pytest.mark.parametrize("top", [0, 1, 4095, 8191, 8192, 98_419, 262_143, 262_144, 1_000_000])
def test_windows_cover_every_id_once_newest_first(top: int) -> None:
    """Each id from 0 to the newest is in exactly one window, newest windows first; a window
    names blocks that hold exactly its ids, and the one that reaches id 0 names none (every row
    has that block: on PostgreSQL it would only slow the index down)."""
    found = windows(top)
    high = top + 1
    for window in found:
        assert window.low < high or window.low == 0
        if window.bits is None:
            assert window.low == 0
        else:
            assert window.low > 0
            assert window.blocks.start << window.bits == window.low
            assert window.blocks.stop << window.bits >= high
        high = window.low
    assert high == 0 and found[-1] == Window(0)
