"""The query language of `tracker search`, one parser for both databases.

    missile strike       both words, anywhere in the text (all words are required)
    "white house"        a phrase: these words next to each other, in this order
    missile OR rocket    either one; OR binds tighter than the implicit AND, as in web search:
                         `iran missile OR rocket` is iran and (missile or rocket)
    -rumour, NOT rumour  without this word (or -"phrase"); a query needs one word to find
    presid*              words that start so (president, presidency); also "white hou*"

Words are what tracker.search.tokens makes of the text: letters and digits, any case and
accent, stemmed, no stopwords, so `COVID-19` is the phrase "covid 19" and `café` finds "cafe".
Only upper-case OR, AND and NOT are operators; other punctuation separates words, so nothing a
person types reaches either database's own query syntax. Each backend renders the parsed query
for its engine: to_fts5 here for SQLite (and for snippets on both), tracker.search.postgres for
PostgreSQL.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from tracker.errors import InvalidInput
from tracker.search import tokens

_ITEM = re.compile(r'(?P<minus>-?)"(?P<phrase>[^"]*)"?(?P<star>\*?)|(?P<word>\S+)')


@dataclass(frozen=True)
class Term:
    """A word or a phrase as typed, and the indexed words it stands for."""

    text: str
    """As typed, without quotes, a leading minus or the prefix star."""
    words: tuple[str, ...]
    """Its indexed words (stemmed); several make a phrase."""
    prefix: bool = False
    """The last word is a prefix (typed with a trailing *)."""


@dataclass(frozen=True)
class Query:
    """What to find: every group (its terms are alternatives) and none of the excluded."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()


@dataclass
class _Parse:
    """The state of a parse: what is built, and the operators waiting for their term."""

    groups: list[list[Term]]
    excluded: list[Term]
    either: bool = False
    negate: bool = False
    last_was_excluded: bool = False

    def add(self, term: Term, excluded: bool) -> None:
        if excluded and self.either:
            raise InvalidInput("an excluded word cannot be a side of OR: write -a -b")
        if excluded:
            self.excluded.append(term)
        elif self.either:
            self.groups[-1].append(term)
        else:
            self.groups.append([term])
        self.either = self.negate = False
        self.last_was_excluded = excluded

    def operator(self, word: str) -> None:
        """AND is what two terms mean anyway; NOT excludes the next term; OR joins the term
        before to the next one."""
        if word == "NOT":
            self.negate = True
        elif word == "OR":
            if self.either or self.negate or not self.groups or self.last_was_excluded:
                raise InvalidInput("OR needs a word or a \"phrase\" on each side")
            self.either = True


def parse_query(query: str) -> Query:
    """Parse a query (see the module docstring); InvalidInput says what is wrong with it."""
    parse = _Parse([], [])
    for item in _ITEM.finditer(query):
        word = item["word"]
        if word in ("OR", "AND", "NOT"):
            parse.operator(word)
            continue
        term, minus = _term(item)
        if term.words:
            parse.add(term, excluded=minus or parse.negate)
    if parse.either or parse.negate:
        raise InvalidInput(f"{'OR' if parse.either else 'NOT'} at the end of {query!r} has "
                           "nothing to apply to")
    if not parse.groups:
        also = " besides the excluded ones" if parse.excluded else ""
        raise InvalidInput(f"nothing to search for in {query!r}: give a word or a \"phrase\" "
                           f"to find{also}")
    return Query(tuple(tuple(group) for group in parse.groups), tuple(parse.excluded))


def to_fts5(query: Query, term: Callable[[Term], str] | None = None) -> str:
    """The query as an FTS5 MATCH expression: each term an FTS5 string, which FTS5 cuts into
    the same words as Term.words, or what `term` makes of it (tracker.search.pairs)."""
    render = term or _fts5_term
    groups = " AND ".join("(" + " OR ".join(map(render, group)) + ")" for group in query.groups)
    if not query.excluded:
        return groups
    return f"({groups}) NOT ({' OR '.join(map(render, query.excluded))})"


def _term(item: re.Match[str]) -> tuple[Term, bool]:
    """The term of one lexed item, and whether a minus excludes it."""
    if item["word"] is None:
        text, minus, star = item["phrase"], bool(item["minus"]), bool(item["star"])
    else:
        text = item["word"]
        minus = text.startswith("-") and len(text) > 1
        text, star = text[minus:], False
    prefix = star or text.endswith("*")
    text = text.rstrip("*") if prefix else text
    return Term(text, tuple(tokens.words(text)), prefix), minus


def _fts5_term(term: Term) -> str:
    return '"' + term.text.replace('"', '""') + '"' + ("*" if term.prefix else "")
