"""The facts a news sentence states, as far as rules can see them: quantities, quotes, sources.

Each extractor returns the phrases as they appear in the sentence (lower-cased where comparison
needs it), so a change can be reported as "at least 10" -> "more than a dozen" rather than as a
parsed value: journalists care that the wording of a figure moved, and vague quantities
("dozens", "more than a dozen") have no single value to compare anyway.
"""

import re
from collections import Counter
from collections.abc import Iterable

_NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|thousand|million|billion|dozen|dozens|hundreds|thousands|millions|billions|"
    "scores|several|half"
)
_QUALIFIERS = (
    r"at\s+least|at\s+most|more\s+than|less\s+than|fewer\s+than|over|under|about|around|"
    r"nearly|almost|up\s+to|roughly|approximately|some|as\s+many\s+as|as\s+few\s+as|only"
)
_NUMERAL = r"\d[\d,]*(?:\.\d+)?"
_UNIT = rf"(?:{_NUMBER_WORDS}|percent|per\s+cent|%)"
_QUANTITY = re.compile(
    rf"(?<![\w.])(?:(?:{_QUALIFIERS})\s+)?(?:(?:a|an|half\s+a)\s+)?"
    rf"(?:{_NUMERAL}|(?:{_NUMBER_WORDS})\b)(?:[\s-]*{_UNIT}\b)*%?"
    # "no casualties": a zero that replaces a figure is a changed figure too
    r"|\b(?:no|zero)\s+(?=(?:casualties|deaths|dead|injuries|injured|victims|fatalities|one)\b)"
    r"(?:\w+)|\b(?:none|nobody)\b",
    re.IGNORECASE,
)

_QUOTE = re.compile(r"[“\"]([^“”\"]{2,}?)[”\"“]|\u2018([^\u2018\u2019]{2,}?)\u2019(?!\w)")

_VERBS = re.compile(
    r"\b(?:said|says|say|told|tells|added|warned|asked|wrote|stated|claimed|confirmed|"
    r"announced|reported|noted|insisted|acknowledged|explained)\b"
)
# After an inverted reporting verb (", said Grisham"): a name, or a noun phrase of sourcing.
_NAME_AFTER = re.compile(
    r"\s+((?:(?:[A-Z][\w'\u2019.-]*|al-\w+|press|secretary|spokes(?:person|man|woman)|of)\s+){0,5}"
    r"[A-Z][\w'\u2019.-]*|(?:the|a|an)\s+(?:\w+\s+){0,3}?(?:legislators|officials?|sources?|"
    r"spokes(?:person|man|woman)|witness(?:es)?|diplomats?|police))\b"
)
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+((?:[A-Z]\w*\.\s)?[^,.;:“”\"]+)", re.IGNORECASE)
#: Words that cannot be inside the subject of a reporting verb: walking back from the verb
#: stops at them ("The attack came hours after Esper told" -> "Esper").
_SUBJECT_STOPS = frozenset(
    [
        "after",
        "before",
        "that",
        "which",
        "who",
        "whom",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "has",
        "have",
        "had",
        "came",
        "comes",
        "come",
        "when",
        "while",
        "and",
        "but",
        "or",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "to",
        "from",
        "into",
        "about",
        "as",
        "than",
        "hours",
        "days",
        "of",
        "if",
        "because",
        "so",
        "then",
        "also",
        "later",
        "earlier",
    ]
)
#: Lower-case words that name a source on their own ("police said", "officials say").
_SOURCE_WORDS = frozenset(
    ["police", "officials", "authorities", "witnesses", "residents", "sources", "doctors",
     "diplomats", "investigators", "prosecutors", "rescuers", "medics", "analysts"]
)
_PRONOUNS = frozenset(["it", "he", "she", "they", "we", "i", "you", "this"])
_ARTICLES = frozenset(["a", "an", "the", "two", "several", "some"])
_MAX_SOURCE_WORDS = 6


def quantities(sentence: str) -> Counter[str]:
    """Figures in the sentence with their qualifiers, e.g. "at least 10", "more than a dozen"."""
    return Counter(" ".join(m.group(0).lower().split()) for m in _QUANTITY.finditer(sentence))


def quotes(sentence: str) -> list[str]:
    """Quoted passages, in order. Unbalanced marks (as in the sample story's `, “said`) pair up
    with the next mark of either kind; a sentence that opens a quote running on into the next
    sentence quotes the rest of itself, and one that closes such a quote quotes its start."""
    found = [" ".join((m.group(1) or m.group(2)).split()) for m in _QUOTE.finditer(sentence)]
    rest = _QUOTE.sub(" ", sentence)
    if "“" in rest and _VERBS.match(rest.rsplit("“", 1)[1].lstrip()):
        rest = rest.replace("“", "”")  # a closing quote typed as an opening one: `, “said X`
    if "“" in rest and "”" not in rest:
        found.append(" ".join(rest.split("“", 1)[1].split()))
    elif "”" in rest and "“" not in rest:
        found.insert(0, " ".join(rest.rsplit("”", 1)[0].split()))
    return [quote.strip(" .,") for quote in found if quote.strip(" .,")]


def sources(sentence: str) -> list[str]:
    """Who the sentence attributes its claim to: "the Pentagon", "Grisham", "a diplomatic
    source". Quoted passages are blanked first, so words inside a quote are not sources."""
    plain = _QUOTE.sub(lambda m: "“" + " " * (len(m.group(0)) - 2) + "”", sentence)
    found = [m.group(1) for m in _ACCORDING_TO.finditer(plain)]
    found += [_source_of_verb(plain, m) for m in _VERBS.finditer(plain)]
    return _unique(" ".join(source.split()).strip(" ,.") for source in found if source)


def _source_of_verb(plain: str, verb: re.Match[str]) -> str:
    """The subject of one reporting verb: after it when inverted (", said Grisham"), else the
    noun phrase before it, or the name an appositive describes ("Kildee, a Michigan democrat,")."""
    before = plain[: verb.start()].rstrip()
    if not before or before[-1] in ',“”"':
        after = _NAME_AFTER.match(plain, verb.end())
        if after:
            return after.group(1)
    parts = [part.strip() for part in re.split(r"[,;:()—\u2013]|\s-\s", before)]
    while parts and not parts[-1]:
        parts.pop()
    if (
        len(parts) >= 2
        and parts[-1].split(" ", 1)[0].lower() in ("a", "an")
        and parts[-2][-1:].isalpha()
        and parts[-2].split()[-1][0].isupper()
    ):
        return _subject(parts[-2])  # an appositive: the name comes before it
    return _subject(parts[-1]) if parts else ""


def _subject(clause: str) -> str:
    """The trailing noun phrase of a clause, at most a few words, starting with an article or a
    capitalised word; a pronoun is no source."""
    words: list[str] = []
    for word in reversed(clause.split()):
        if word.lower() in _SUBJECT_STOPS or len(words) == _MAX_SOURCE_WORDS:
            break
        words.insert(0, word)
    while words and not (
        words[0][0].isupper() or words[0].lower() in _ARTICLES | _SOURCE_WORDS
    ):
        words.pop(0)
    if len(words) == 1 and words[0].lower() in _PRONOUNS | _ARTICLES:
        return ""
    return " ".join(words)


def _unique(items: Iterable[str]) -> list[str]:
    """Non-empty items, first spelling kept, case-insensitive duplicates dropped."""
    seen: dict[str, str] = {}
    for item in items:
        if item:
            seen.setdefault(item.lower(), item)
    return list(seen.values())
