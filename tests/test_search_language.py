"""The query language, one table of queries and the hits they must give, on SQLite and on
PostgreSQL: both databases answer every query the same way (README, "Searching")."""

from datetime import UTC, datetime, timedelta

import pytest

from tracker.db.engine import Database
from tracker.errors import InvalidInput
from tracker.search import search
from tracker.store.write import Article, Candidate, Observation, store_candidate

STORIES = {
    "covid": ("Pandemic update", ["COVID-19 cases rose by 3.5 percent, officials said."]),
    "cafe": ("Local news", ["The café on the corner reopened after the white house fire."]),
    "president": ("Politics", ["President Biden spoke at the White House."]),
    "attack": ("Attack", ["Missiles struck the base; a rocket landed nearby."]),
    "talks": ("Talks", ["Rumours of a ceasefire were denied.",
                        "Rumours of a ceasefire were confirmed."]),
    "figures": ("Figures", ["The presidency said the figure was 35 percent."]),
}
"""Stories by name: a headline and the texts of their versions."""

QUERIES = [
    # Words: any case and accent, stemmed, and no stopwords.
    ("covid", {"covid/text"}),
    ("Missile", {"attack/text"}),
    ("cafe", {"cafe/text"}),
    ("café", {"cafe/text"}),
    ("the", {"cafe/text", "president/text", "attack/text", "figures/text"}),
    ("pandemic", {"covid/text"}),
    ("zeppelin", set()),
    ("or", set()),
    # Punctuation separates words: a word with some is the phrase of its parts.
    ("COVID-19", {"covid/text"}),
    ("3.5", {"covid/text"}),
    ("35", {"figures/text"}),
    ("officials said", {"covid/text"}),
    # Phrases: in order, next to each other, within the headline or within the body.
    ('"white house"', {"cafe/text", "president/text"}),
    ('"white house fire"', {"cafe/text"}),
    ('"house white"', set()),
    ('"the cafe on the corner"', {"cafe/text"}),
    ('"news the"', set()),
    # OR binds tighter than the words around it.
    ("missile OR ceasefire", {"attack/text", "talks/text"}),
    ("rocket OR missile base", {"attack/text"}),
    ("ceasefire OR zeppelin confirmed", {"talks/text"}),
    ("denied OR confirmed", {"talks/added", "talks/removed", "talks/text"}),
    # Exclusions.
    ("white -fire", {"president/text"}),
    ("white NOT fire", {"president/text"}),
    ('white -"house fire"', {"president/text"}),
    ('white -"fire house"', {"cafe/text", "president/text"}),
    ("ceasefire -confirmed", {"talks/text"}),
    # Prefixes, also as the last word of a phrase.
    ("presid*", {"president/text", "figures/text"}),
    ('"white hou*"', {"cafe/text", "president/text"}),
    ("zep*", set()),
    # Added and removed text, and the newest version of each story that matches.
    ("denied", {"talks/removed", "talks/text"}),
    ("confirmed", {"talks/added", "talks/text"}),
]


@pytest.fixture
def stories(any_db: Database) -> Database:
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    for index, (name, (title, texts)) in enumerate(STORIES.items()):
        for number, body in enumerate(texts):
            seen = Observation(t0 + timedelta(hours=index, minutes=number))
            store_candidate(any_db, Candidate(f"https://example.org/{name}",
                                              Article(body, title=title), seen))
    return any_db


def found(db: Database, query: str) -> set[str]:
    return {f"{hit.url.rsplit('/', 1)[1]}/{hit.field.value}" for hit in search(db, query)}


def test_every_query_of_the_table_finds_its_hits(stories: Database) -> None:
    wrong = {query: found(stories, query) for query, expected in QUERIES
             if found(stories, query) != expected}
    assert wrong == {}


@pytest.mark.parametrize(("query", "message"), [
    ("-fire", "besides the excluded ones"),
    ("NOT fire", "besides the excluded ones"),
    ("OR fire", "OR needs"),
    ("white OR", "nothing to apply to"),
    ("white OR -fire", "cannot be a side of OR"),
    ('"" !!', "nothing to search for"),
])
def test_queries_that_cannot_be_answered_say_why(any_db: Database, query: str,
                                                  message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        search(any_db, query)
