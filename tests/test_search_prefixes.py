"""Prefixes (`presid*`): on SQLite searched as the words of the index they start
(tracker.search.prefixes); the same hits as the prefix query on both databases."""

from datetime import UTC, datetime, timedelta

import pytest

from tracker.db.engine import Database
from tracker.search import SearchFilter, SearchHit, parse_query, search
from tracker.search.prefixes import MAX_WORDS, expanded
from tracker.store.write import Article, Candidate, Observation, store_candidate

TEXTS = {
    "president": ["President Biden spoke.", "President Biden spoke at the university."],
    "presidency": ["The presidency said the figure was 35 percent."],
    "presidential": ["A presidential debate; the parties agreed."],
    "none": ["Nothing of the kind here."],
    **{f"many{n}": [f"Zeta{n} of many."] for n in range(MAX_WORDS + 2)},
}
"""Stories by name: the texts of their versions. More stories than a prefix is replaced by
words have a word of their own that starts with "zeta"."""


@pytest.fixture
def stories(any_db: Database) -> Database:
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    for index, (name, texts) in enumerate(TEXTS.items()):
        for number, body in enumerate(texts):
            seen = Observation(t0 + timedelta(hours=index, minutes=number))
            store_candidate(any_db, Candidate(f"https://example.org/{name}",
                                              Article(body, title=name.title()), seen))
    return any_db


def hits(db: Database, query: str) -> list[tuple[str, str, int, int, str, tuple[str, ...]]]:
    """Everything a hit shows, its snippet's marked words included."""
    return [_shown(hit) for hit in search(db, query)]


def _shown(hit: SearchHit) -> tuple[str, str, int, int, str, tuple[str, ...]]:
    marked = tuple(hit.snippet.text[start:end] for start, end in hit.snippet.marks)
    return (hit.url, hit.field.value, hit.from_version, hit.to_version, hit.snippet.text, marked)


def test_a_prefix_finds_what_its_words_find(stories: Database) -> None:
    found = hits(stories, "presid*")
    assert found == hits(stories, "president OR presidency OR presidential")
    assert {hit[0].rsplit("/", 1)[1] for hit in found} == {"president", "presidency",
                                                          "presidential"}
    assert hits(stories, "biden presid*") == hits(stories, "biden president")
    assert hits(stories, "spoke -presid*") == []


def test_a_prefix_of_many_words_nothing_or_a_stem_that_changes_is_still_found(
    stories: Database,
) -> None:
    assert len(search(stories, "zeta*", SearchFilter(limit=MAX_WORDS + 10))) == MAX_WORDS + 2
    assert hits(stories, "zeppel*") == []
    # "agreed" is indexed as "agre", which the stemmer would make "agr" if searched again.
    assert [hit[0] for hit in hits(stories, "agre*")] == ["https://example.org/presidential"]
    assert hits(stories, "univers*") == hits(stories, "university")


def test_sqlite_searches_a_prefix_as_the_words_it_starts(db: Database) -> None:
    store_candidate(db, Candidate("https://example.org/p", Article(
        "The president and the presidential debate; agreed at the university.", title="P"),
        Observation(datetime(2024, 5, 1, tzinfo=UTC))))
    with db.reading() as session:
        connection = session.connection()
        words = expanded(connection, "versions_fts", parse_query("presid* -pres*"))
        spelt = expanded(connection, "versions_fts", parse_query("agre* univ*"))
        kept = expanded(connection, "versions_fts", parse_query('"the presid*" zeppel*'))
    assert [[term.text for term in group] for group in words.groups] == [
        ["presid", "presidenti"]]
    assert [(term.text, term.prefix) for term in words.excluded] == [
        ("presid", False), ("presidenti", False)]
    # "agreed" is indexed as "agre" and "university" as "univers", which the stemmer would
    # make "agr" and "univer" if searched again: each is searched as a spelling that gives
    # it back.
    assert [[(term.text, term.words, term.prefix) for term in group]
            for group in spelt.groups] == [[("agree", ("agre",), False)],
                                           [("universe", ("univers",), False)]]
    # A phrase stays as it is; so does a prefix of no word.
    assert kept == parse_query('"the presid*" zeppel*')


def test_a_word_with_no_spelling_that_gives_it_back_keeps_its_prefix(db: Database) -> None:
    """"cosful" is indexed as "cos", which the stemmer makes "co", and no tried ending gives
    "cos" back ("cose" is "cose", "coss" "coss"): the prefix stays and still finds it."""
    store_candidate(db, Candidate("https://example.org/c", Article(
        "A cosful costume.", title="C"), Observation(datetime(2024, 5, 1, tzinfo=UTC))))
    with db.reading() as session:
        kept = expanded(session.connection(), "versions_fts", parse_query("cos*"))
    assert kept == parse_query("cos*")
    assert [hit[0] for hit in hits(db, "cos*")] == ["https://example.org/c"]


def test_a_prefix_in_a_phrase_is_found_on_both(stories: Database) -> None:
    assert [hit[0] for hit in hits(stories, '"president bid*"')] == [
        "https://example.org/president"]
