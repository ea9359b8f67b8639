"""The facts a news sentence states, as far as rules can see them: quotes, sources, negations.

Each extractor returns the phrases as they appear in the sentence, so a change can be reported
in the words the story used. Figures are read in tracker.text.figures, by value.
"""

import functools
import re
from collections.abc import Iterable

#: A quotation of this many words or more is speech; see unquoted().
LONG_QUOTE = 6
_QUOTE = re.compile(
    r"[“\"]([^“”\"]{2,}?)[”\"“]|\u2018([^\u2018\u2019]{2,}?)\u2019(?!\w)"
    # 'Straight single marks', as headlines use them: the opening mark starts a word (not the
    # apostrophe of "PM's" or "'90s"), the closing one ends one (not "won't").
    r"|(?:^|(?<=[\s(\[:\u2014\u2013-]))'(?=[^\W\d_])((?:[^']|'(?=\w))+?)(?<=[\w.,!?])'(?!\w)"
)

_VERB_WORDS = (
    "said|says|say|told|tells|added|adds|warned|warns|warn|asked|asks|wrote|writes|stated|"
    "states|claimed|claims|claim|confirmed|confirms|confirm|announced|announces|reported|"
    "reports|noted|notes|insisted|insists|insist|acknowledged|acknowledges|explained|explains|"
    "blamed|blames|blame|accused|accuses|accuse|denied|denies|deny|admitted|admits|admit|"
    "argued|argues|argue|urged|urges|urge|vowed|vows|alleged|alleges|revealed|reveals|"
    "conceded|concedes|believe|believes|suggests|predicted|predicts"
)
# "called" reports only when it names or quotes: "called for", "called it ...", "called X “...”".
_VERBS = re.compile(
    rf"\b(?:{_VERB_WORDS})\b|\b(?:called|calls)\b(?=\s+(?:for|on|it|this|that|him|her|"
    r"them)\b|(?:\s+\S+){0,3}\s*[“\"\u2018'])"
)
#: Set phrases with a reporting verb that attribute nothing ("easier said than done").
_IDIOMS = re.compile(
    r"\b(?:easier\s+said\s+than\s+done|needless\s+to\s+say|(?:having\s+)?said\s+that|"
    r"that\s+(?:being\s+)?said|so\s+to\s+speak|truth\s+be\s+told|all\s+told|enough\s+said|"
    r"(?:is|are|was|were|be)\s+said\s+to|let's\s+say|goes\s+without\s+saying|"
    r"as\s+(?:I|we|you)\s+said|you\s+don't\s+say)\b",
    re.IGNORECASE,
)
#: Lower-case nouns that name a source ("police said", "experts warn", "says envoy").
_SOURCE_WORDS = frozenset(
    [
        "police", "official", "officials", "authorities", "witness", "witnesses", "resident",
        "residents", "source", "sources", "doctor", "doctors", "diplomat", "diplomats",
        "investigator", "investigators", "prosecutor", "prosecutors", "rescuer", "rescuers",
        "medic", "medics", "paramedic", "paramedics", "analyst", "analysts", "expert", "experts",
        "scientist", "scientists", "researcher", "researchers", "campaigner", "campaigners",
        "critic", "critics", "minister", "ministers", "envoy", "envoys", "economist", "economists",
        "forecaster", "forecasters", "meteorologist", "meteorologists", "engineer", "engineers",
        "inspector", "inspectors", "lawyer", "lawyers", "officer", "officers", "firefighter",
        "firefighters", "activist", "activists", "observer", "observers", "worker", "workers",
        "survivor", "survivors", "neighbour", "neighbours", "neighbor", "neighbors", "relative",
        "relatives", "organiser", "organisers", "organizer", "organizers", "protester",
        "protesters", "nurse", "nurses", "teacher", "teachers", "union", "unions", "board",
        "spokesperson", "spokesman", "spokeswoman", "legislator", "legislators", "lawmaker",
        "lawmakers", "aide", "aides", "adviser", "advisers", "advisor", "advisors", "executive",
        "executives", "representative", "representatives", "academic", "academics", "charity",
        "charities", "agency", "agencies", "leader", "leaders", "insider", "insiders", "staff",
        "coastguard", "regulator", "regulators", "auditor", "auditors", "boss", "bosses", "chief",
        "chiefs", "member", "members"
    ]
)
_SOURCE_NOUNS = "|".join(sorted(_SOURCE_WORDS, key=len, reverse=True))
# After an inverted reporting verb (", said Grisham"): a name, or a noun phrase of sourcing.
_NAME_AFTER = re.compile(
    r"\s+((?:(?:[A-Z][\w'\u2019.-]*|al-\w+|press|secretary|spokes(?:person|man|woman)|of)\s+)"
    r"{0,5}[A-Z][\w'\u2019.-]*"
    rf"|(?:(?:the|a|an|one|another)\s+)?(?:[\w-]+\s+){{0,3}}?(?:{_SOURCE_NOUNS})\b"
    r"(?:,?\s+[A-Z][\w'\u2019.-]*(?:\s+[A-Z][\w'\u2019.-]*){0,3})?)"
)
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+((?:[A-Z]\w*\.\s)?[^,.;:“”\"]+)", re.IGNORECASE)
# "The court heard", "the jury was told": who a court report attributes its account to.
_COURT = re.compile(r"\b(the\s+(?:court|jury|inquest|inquiry|tribunal))\s+(?:heard|was\s+told)\b",
                    re.IGNORECASE)
# Headline attribution: "Mother of missing boy: 'Come home'" and "'Likely' - Met Office".
_SPEAKER_COLON = re.compile(r"^([A-Z][\w'\u2019.-]*(?:\s+[\w'\u2019.-]+){0,5}):\s*[“\"\u2018']")
_SPEAKER_DASH = re.compile(
    r"[”\"\u2019']\s+[-\u2013\u2014]\s+([A-Z][\w'\u2019.-]*(?:\s+[A-Z][\w'\u2019.-]*){0,4})\s*$"
)
_NEGATION = re.compile(
    r"\b(?:not(?!\s+only\b)|never|nothing|neither|nor|cannot|no\s+longer"
    # "no" before a noun, but not the zero count of "no casualties" or "no one" (a figure)
    r"|no(?=\s+[a-z])(?!\s+(?:one|casualties|deaths|dead|injuries|injured|victims|fatalities|"
    r"survivors|longer)\b))\b"
    r"|\w+n['\u2019]t\b",
    re.IGNORECASE,
)
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
_PRONOUNS = frozenset(["it", "he", "she", "they", "we", "i", "you", "this", "that", "there"])
_QUOTE_MARKS = re.compile(r"[“”\"\u2018]")
_ARTICLES = frozenset(["a", "an", "the", "two", "several", "some"])
_MAX_SOURCE_WORDS = 6


def quotes(sentence: str) -> list[str]:
    """Quoted passages, in order (see _quotes)."""
    return list(_quotes(sentence))


@functools.lru_cache(maxsize=4096)
def _quotes(sentence: str) -> tuple[str, ...]:
    """Quoted passages, in order. Unbalanced marks (as in the sample story's `, “said`) pair up
    with the next mark of either kind; a sentence that opens a quote running on into the next
    sentence quotes the rest of itself, and one that closes such a quote quotes its start."""
    found = [" ".join(next(g for g in m.groups() if g).split()) for m in _QUOTE.finditer(sentence)]
    rest = _QUOTE.sub(" ", sentence)
    if "“" in rest and _VERBS.match(rest.rsplit("“", 1)[1].lstrip()):
        rest = rest.replace("“", "”")  # a closing quote typed as an opening one: `, “said X`
    if "“" in rest and "”" not in rest:
        found.append(" ".join(rest.split("“", 1)[1].split()))
    elif "”" in rest and "“" not in rest:
        found.insert(0, " ".join(rest.rsplit("”", 1)[0].split()))
    return tuple(quote.strip(" .,") for quote in found if quote.strip(" .,"))


def sources(sentence: str) -> list[str]:
    """Who the sentence attributes its claim to: "the Pentagon", "Grisham", "a diplomatic
    source", "experts". Quoted passages and idioms ("easier said than done") are blanked first,
    so words inside a quote are not sources."""
    return list(_sources(sentence))


@functools.lru_cache(maxsize=4096)
def _sources(sentence: str) -> tuple[str, ...]:
    """See sources(); cached, since a quote's speaker is looked for in the sentences around it."""
    plain = _QUOTE.sub(lambda m: "“" + " " * (len(m.group(0)) - 2) + "”", sentence)
    plain = _IDIOMS.sub(lambda m: " " * len(m.group(0)), plain)
    found = [m.group(1) for m in _ACCORDING_TO.finditer(plain)]
    found += [m.group(1) for m in _COURT.finditer(plain)]
    found += [_source_of_verb(plain, m) for m in _VERBS.finditer(plain)]
    found += [m.group(1) for m in (_SPEAKER_COLON.match(sentence),
                                   _SPEAKER_DASH.search(sentence)) if m]
    return tuple(_unique(" ".join(source.split()).strip(" ,.") for source in found if source))


def source_key(source: str) -> str:
    """What two mentions of one source share: the head word, so "US officials" and
    "officials", or "White House press secretary Stephanie Grisham" and "Grisham", are one."""
    words = re.findall(r"[\w'\u2019-]+", source.lower())
    head = words[-1] if words else ""
    return head[:-1] if head.endswith("s") and len(head) > 3 and not head.endswith("ss") else head


def unquoted(sentence: str) -> str:
    """The sentence with its quotations of LONG_QUOTE words or more blanked out: the figures
    and negations inside what someone said belong to the quote, which is compared whole.
    Short quotations stay ("'Hundreds' trapped"): there the quoted words are the claim."""
    return _QUOTE.sub(lambda m: " " * len(m.group(0)) if len(m.group(0).split()) >= LONG_QUOTE
                      else m.group(0), sentence)


def negations(sentence: str) -> list[str]:
    """The negating words of a sentence ("not", "never", "no", "didn't"), in order."""
    return [m.group(0).lower() for m in _NEGATION.finditer(_QUOTE_MARKS.sub(" ", sentence))]


def _source_of_verb(plain: str, verb: re.Match[str]) -> str:
    """The subject of one reporting verb: after it when inverted (", said Grisham"), else the
    noun phrase before it, or the name an appositive describes ("Kildee, a Michigan democrat,")."""
    before = plain[: verb.start()].rstrip()
    if not before or before[-1] in ',“”"':
        after = _NAME_AFTER.match(plain, verb.end())
        if after:
            return after.group(1)
    parts = [part.strip() for part in re.split(r"[,;:()\u2014\u2013]|\s-\s", before)]
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
    """The trailing noun phrase of a clause, at most a few words, starting with an article, a
    capitalised word or a source noun with up to two words before it ("aid workers"); it stops
    at another reporting verb ("denied claims"), and a pronoun is no source."""
    words: list[str] = []
    for word in reversed(clause.split()):
        if (word.lower() in _SUBJECT_STOPS or len(words) == _MAX_SOURCE_WORDS
                or _VERBS.fullmatch(word)):
            break
        words.insert(0, word)
    start = next((i for i, word in enumerate(words)
                  if word[0].isupper() or word.lower() in _ARTICLES | _SOURCE_WORDS), len(words))
    if start < len(words) and words[start] in _SOURCE_WORDS:
        start = max(0, start - 2)
    words = words[start:]
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
