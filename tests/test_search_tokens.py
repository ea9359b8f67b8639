"""Words as search sees them (tracker.search.tokens) and the PostgreSQL lexemes made of them."""

import random
import re
import sqlite3

from tracker.search import postgres, tokens


def test_each_text_keeps_its_words_in_order_in_a_batch() -> None:
    """Compared with FTS5's own list of every word at its offset, sorted here: the words of
    a batch come back grouped by text and in the order they were written."""
    rng = random.Random(3)
    vocabulary = ["Missiles", "café", "COVID-19", "the", "3.5", "Soleimani", "white", "house"]
    rows = [(row_id, (" ".join(rng.choices(vocabulary, k=rng.randint(0, 40))),
                      " ".join(rng.choices(vocabulary, k=rng.randint(0, 40)))))
            for row_id in range(1, 200)]
    assert tokens.column_words(rows) == _sorted_by_offset(rows)


def test_words_are_stemmed_lower_case_without_accents() -> None:
    assert tokens.words("Missiles hit the Café; COVID-19 at 3.5") == [
        "missil", "hit", "the", "cafe", "covid", "19", "at", "3", "5"]


def test_a_pair_has_the_positions_of_its_words() -> None:
    found = _parsed(postgres.lexemes([["white", "house"], ["white", "house", "white", "house"]]))
    assert found == {"white": "", "house": "", "~white house": "1,4,6", "~house white": "5"}


def test_words_that_need_quotes_are_quoted() -> None:
    vector = postgres.lexemes([["o'brien", "said", "a\\b"]])
    assert _parsed(vector) == {"o''brien": "", "said": "", "a\\\\b": "",
                               "~o''brien said": "1", "~said a\\\\b": "2"}


def test_positions_past_postgresql_s_last_share_it_and_long_words_are_left_out() -> None:
    long = "w" * (postgres.MAX_LEXEME_BYTES + 1)
    found = _parsed(postgres.lexemes([["x"] * postgres.MAX_POSITION + ["a", "b", long]]))
    assert found["~a b"] == found["~x a"] == str(postgres.MAX_POSITION)
    assert long not in found and "~b " + long not in found
    assert len(found["~x x"].split(",")) == postgres.MAX_POSITIONS


def _parsed(vector: str) -> dict[str, str]:
    """lexeme -> its positions ('' for none) of a tsvector's text."""
    return dict(re.findall(r"'((?:[^']|'')*)'(?::([\d,]+))?", vector))


def _sorted_by_offset(rows: list[tuple[int, tuple[str, str]]]) -> dict[int, list[list[str]]]:
    connection = sqlite3.connect(":memory:")
    connection.execute(f"CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize='{tokens.TOKENIZER}')")
    connection.execute("CREATE VIRTUAL TABLE t_at USING fts5vocab(t, 'instance')")
    connection.executemany("INSERT INTO t(rowid, a, b) VALUES (?, ?, ?)",
                           [(row_id, *texts) for row_id, texts in rows])
    found: dict[int, list[list[str]]] = {row_id: [[], []] for row_id, _ in rows}
    for term, doc, column, _ in sorted(connection.execute("SELECT * FROM t_at"),
                                       key=lambda row: (row[1], row[2], row[3])):
        found[doc][column != "a"].append(term)
    return found


def test_snippets_of_one_call_are_gone_at_the_next() -> None:
    """The texts are put through FTS5 in a transaction that is rolled back: a later call
    finds only its own texts, under the same ids too."""
    first = tokens.snippets("versions_fts", -1, "white", {1: ("", "The white house."),
                                                          2: ("", "A white car.")})
    assert set(first) == {1, 2}
    second = tokens.snippets("versions_fts", -1, "white", {2: ("", "A red car."),
                                                           3: ("", "Snow is white.")})
    assert second == {3: "Snow is \x02white\x03."}
