"""Splitting news text into sentences, the unit that edits are aligned and tagged on.

A rule-based splitter rather than pysbd: measured on the sample story, pysbd took ~0.5 ms per
paragraph (a million versions would spend over an hour splitting) and still broke "at 7 p.m. ET
on Tuesday" and "5 a.m. Monday" in two. News copy is regular enough for rules: a sentence ends at
. ! ? or … (plus any closing quotes and brackets) followed by a space and a capital, a digit or an
opening quote, unless the word before is an abbreviation ("Rep.", "Jan.") or an initialism
("U.S.", "p.m.") that the next word does not show to be the end of a sentence.
"""

import re
from dataclasses import dataclass

#: Abbreviations always followed by more of the same sentence: titles before a name and
#: months before a day ("Rep. Dan Kildee", "Jan. 7").
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "rep",
        "reps",
        "sen",
        "sens",
        "gov",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "rev",
        "hon",
        "pres",
        "supt",
        "st",
        "mt",
        "ft",
        "messrs",
        "mme",
        "jan",
        "feb",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "vol",
        "fig",
    ]
)
#: Abbreviations that may also end a sentence ("Apple Inc. The company ..."): like
#: initialisms, they end one only when a sentence starter follows.
SUFFIXES = frozenset(
    ["jr", "sr", "inc", "corp", "ltd", "co", "bros", "etc", "vs", "approx", "est", "dept", "univ"]
)

#: Words that start sentences, so an initialism before them ("... in the U.S. The ...") ends
#: one. Capitalised names after an initialism ("U.S. Army", "p.m. ET") continue the sentence.
SENTENCE_STARTERS = frozenset(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "his",
        "her",
        "their",
        "our",
        "my",
        "there",
        "here",
        "but",
        "and",
        "or",
        "so",
        "yet",
        "if",
        "when",
        "while",
        "after",
        "before",
        "as",
        "at",
        "in",
        "on",
        "of",
        "for",
        "from",
        "by",
        "with",
        "to",
        "since",
        "however",
        "meanwhile",
        "still",
        "also",
        "then",
        "now",
        "some",
        "many",
        "most",
        "all",
        "no",
        "one",
        "two",
        "three",
    ]
)

_CLOSERS = "\"'”\u2019)]»"
_OPENERS = "\"'“\u2018([«"
# A terminator run, then closers, then whitespace, then what the next sentence starts with.
_BOUNDARY = re.compile(
    rf"([.!?…]+)([{re.escape(_CLOSERS)}]*)(\s+)(?=[{re.escape(_OPENERS)}]*[A-Z0-9À-Þ])"
)
_TERMINATED = re.compile(rf"[.!?…][{re.escape(_CLOSERS)}]*$")
_LAST_WORD = re.compile(r"(\S+)$")
_INITIALISM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]?$")
_NEXT_WORD = re.compile(rf"[{re.escape(_OPENERS)}]*([\w'\u2019]+)")


@dataclass(frozen=True)
class Sentence:
    """One sentence and the paragraph (line of the version's text) it belongs to."""

    paragraph: int
    text: str


def split_paragraph(paragraph: str) -> list[str]:
    """The sentences of one paragraph, stripped, in order; never empty for non-blank input."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        if not _ends_sentence(paragraph, match):
            continue
        end = match.start(3)
        piece = paragraph[start:end].strip()
        if piece:
            sentences.append(piece)
        start = match.end()
    rest = paragraph[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def split_text(text: str) -> list[Sentence]:
    """Every sentence of a version's text (one paragraph per line), with its paragraph index."""
    return [
        Sentence(index, sentence)
        for index, line in enumerate(text.split("\n"))
        for sentence in split_paragraph(line)
    ]


def _ends_sentence(paragraph: str, match: re.Match[str]) -> bool:
    """Whether the terminator in `match` really ends a sentence (see the module docstring)."""
    if match.group(1) != "." or match.group(2):
        return True  # "!", "?", "…" and a full stop inside closing quotes always end one
    before = _LAST_WORD.search(paragraph, 0, match.start(1))
    word = before.group(1).lstrip(_OPENERS) if before else ""
    bare = word.lower().rstrip(".")
    following = _next_word(paragraph, match.end())
    if bare in TITLES or (bare in ("no", "nos") and following[:1].isdigit()):
        return False
    if bare in SUFFIXES or _INITIALISM.match(word) or (len(word) == 1 and word.isupper()):
        return following.lower() in SENTENCE_STARTERS
    return True


def _next_word(paragraph: str, at: int) -> str:
    found = _NEXT_WORD.match(paragraph, at)
    return found.group(1) if found else ""


def prose_sentences(text: str) -> list[str]:
    """The sentences of `text` that end as sentences do (. ! ? or …, then closing quotes).

    Headings, navigation links, "Loading…" teasers aside, this is what a reader reads: a page
    with hardly any of it holds no article yet (see tracker.store.write).
    """
    return [sentence for sentence in (s.text for s in split_text(text))
            if _TERMINATED.search(sentence) and len(sentence.split()) > 1]
