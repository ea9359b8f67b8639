"""Which word changes are fixes (a typo, spelling, punctuation, case, spacing) and which,
however small, change what a sentence says.

Letters alone cannot tell: "baner" -> "banner" and "fired" -> "hired" are both one letter
apart. A typo fix turns a word that is not in the dictionary into one that is (or the other way
round), swaps two letters ("form" -> "from"), changes a British spelling for an American one
or fixes a word often confused with another ("their" -> "there"). When both words are real and
different, as in "fired" -> "hired", "increased" -> "decreased", "could" -> "would",
"Tuesday" -> "Thursday" or "begins" -> "began", the meaning changed. The English word list is
pyspellchecker's, loaded on the first such question (about half a second).
"""

import difflib
import functools
import itertools
import re
from typing import TYPE_CHECKING

from tracker.text import diffing

if TYPE_CHECKING:
    from spellchecker import SpellChecker

#: A changed word within this character similarity of the old one may be a typo fix ("baner"
#: -> "banner" is 0.91); "Iran" -> "Iraq" (0.75) is not, and neither is any change of digits.
TYPO_SIMILARITY = 0.8
_NON_WORD = re.compile(r"[\W_]+")
#: Quote marks that open or close a quotation; an apostrophe between letters is not one.
_QUOTE_MARK = re.compile(r"[“”\"«»]|(?<![^\W\d_])['\u2018\u2019]|['\u2018\u2019](?![^\W\d_])")
#: Words of one class that replace one another to change the sense: never a typo.
_CLOSED_CLASSES = [
    "monday tuesday wednesday thursday friday saturday sunday",
    "january february march april may june july august september october november december",
    "can could may might must shall should will would",
    "is was are were be been has had have do did does",
    "he she it they we i you him her them his hers its their our",
    "morning afternoon evening night midnight noon dawn dusk today tomorrow yesterday",
    "north south east west northern southern eastern western",
    "more less most least fewer higher lower before after above below up down over under",
    "all some none most many few both each every any either neither",
    "one two three four five six seven eight nine ten eleven twelve first second third",
]
_CLASS_OF = {word: n for n, words in enumerate(_CLOSED_CLASSES) for word in words.split()}
#: Pairs that writers confuse: replacing one with the other is a fix, not a new meaning.
_CONFUSABLES = [
    "their there they're", "its it's", "your you're", "whose who's", "then than",
    "lose loose", "affect effect", "principal principle", "complement compliment",
    "stationary stationery", "discreet discrete", "breath breathe", "advice advise",
    "practice practise", "licence license", "lead led", "weather whether", "council counsel",
    "peak peek", "rein reign", "brake break", "hear here", "past passed", "to too",
    "cite site sight", "forth fourth", "who whom", "alter altar", "born borne",
]
_CONFUSED = {frozenset(pair) for words in _CONFUSABLES
             for pair in itertools.combinations(words.replace("'", "").split(), 2)}
# British endings and their American spellings, for "organise" -> "organize" and the like.
_SPELLINGS = [
    (re.compile(r"our(s|ed|ing|ite|ites|able)?$"), r"or\1"),
    (re.compile(r"is(e|es|ed|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"tre(s)?$"), r"ter\1"),
    (re.compile(r"ence(s)?$"), r"ense\1"),
    (re.compile(r"ll(ed|ing|er|ers)$"), r"l\1"),
    (re.compile(r"ogue(s)?$"), r"og\1"),
    (re.compile(r"amme(s)?$"), r"am\1"),
    (re.compile(r"ae"), "e"),
    (re.compile(r"oe"), "e"),
    (re.compile(r"eable$"), "able"),
    (re.compile(r"ement$"), "ment"),
]
#: Irregular verb forms, so "rise" -> "rose" reads as a change of tense.
_IRREGULAR = """begin began begun|rise rose risen|fall fell fallen|go went gone|win won|
lose lost|take took taken|give gave given|make made|come came|become became|run ran|see saw seen|
find found|hold held|leave left|meet met|bring brought|think thought|buy bought|fight fought|
keep kept|sell sold|send sent|spend spent|build built|pay paid|lead led|stand stood|strike struck|
speak spoke spoken|break broke broken|choose chose chosen|drive drove driven|fly flew flown|
grow grew grown|know knew known|throw threw thrown|say said|tell told|is was|are were|has had|
have had|will would|can could|shall should|may might|do did done|get got gotten|shoot shot|
flee fled|hit hit|cut cut|put put|set set|quit quit"""
_LEMMA = {form: forms.split()[0] for forms in _IRREGULAR.replace("\n", "").split("|")
          for form in forms.split()}


def is_minor(ops: diffing.Ops) -> bool:
    """True when every change in a word diff is punctuation, spacing, letter case, quote style
    or a typo or spelling fix: nothing a reader would call a change of meaning. Quote marks put
    around words or taken off them are a change of meaning (the words become a quotation)."""
    changes = change_pairs(ops)
    if not changes:
        return False
    old = "".join(text for op, text in ops if op != diffing.INSERT)
    new = "".join(text for op, text in ops if op != diffing.DELETE)
    if len(_QUOTE_MARK.findall(old)) != len(_QUOTE_MARK.findall(new)):
        return False
    return all(_minor_change(a, b) for a, b in changes)


def meaning_swaps(ops: diffing.Ops) -> int:
    """How many changes of the diff replace one real word with another that looks like a typo
    of it, or a word of a closed class with another ("Tuesday" -> "Thursday", "fired" ->
    "hired", "will" -> "may", "begins" -> "began"): small edits that change the meaning."""
    return sum(_meaning_swap(a.strip(), b.strip()) for a, b in change_pairs(ops))


def change_pairs(ops: diffing.Ops) -> list[tuple[str, str]]:
    """Each run of changes as (deleted, inserted) text."""
    pairs: list[tuple[str, str]] = []
    pending = ["", ""]
    for op, text in [*ops, (diffing.EQUAL, "")]:
        if op == diffing.EQUAL:
            if pending != ["", ""]:
                pairs.append((pending[0], pending[1]))
            pending = ["", ""]
        else:
            pending[0 if op == diffing.DELETE else 1] += text
    return pairs


def _minor_change(old: str, new: str) -> bool:
    old_bare, new_bare = _NON_WORD.sub("", old).lower(), _NON_WORD.sub("", new).lower()
    if old_bare == new_bare:
        return True  # punctuation, spacing or letter case only
    if any(c.isdigit() for c in old + new) or len(old.split()) != 1 or len(new.split()) != 1:
        return False
    return _is_fix(old_bare, new_bare)


def _is_fix(old: str, new: str) -> bool:
    """Whether one word replacing another is a typo or spelling fix (see the module doc)."""
    if frozenset((old, new)) in _CONFUSED or _variant(old) == _variant(new):
        return True
    if _same_class(old, new) or min(len(old), len(new)) < 3:
        return False
    if _transposed(old, new):
        return True
    if difflib.SequenceMatcher(None, old, new).ratio() < TYPO_SIMILARITY:
        return False
    return not (_known(old) and _known(new))


def _meaning_swap(old: str, new: str) -> bool:
    if len(old.split()) != 1 or len(new.split()) != 1 or any(c.isdigit() for c in old + new):
        return False
    a, b = _NON_WORD.sub("", old).lower(), _NON_WORD.sub("", new).lower()
    if not a or not b or a == b or _is_fix(a, b):
        return False
    if _same_class(a, b) or _lemma(a) == _lemma(b) or _stem(a) == _stem(b):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= TYPO_SIMILARITY


def _same_class(old: str, new: str) -> bool:
    return old in _CLASS_OF and _CLASS_OF[old] == _CLASS_OF.get(new)


def _transposed(old: str, new: str) -> bool:
    """Two neighbouring letters swapped: "form" -> "from", "teh" -> "the"."""
    if len(old) != len(new) or sorted(old) != sorted(new):
        return False
    diffs = [i for i, (x, y) in enumerate(zip(old, new, strict=True)) if x != y]
    return len(diffs) == 2 and diffs[1] == diffs[0] + 1


def _variant(word: str) -> str:
    for pattern, replacement in _SPELLINGS:
        word = pattern.sub(replacement, word)
    return word


def _lemma(word: str) -> str:
    if word in _LEMMA:
        return _LEMMA[word]
    for suffix in ("ing", "ed", "es", "s", "d"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _stem(word: str) -> str:
    """The word without a prefix that reverses or reorients it: "increased" -> "creased"."""
    for prefix in ("dis", "non", "in", "de", "un", "im", "ir", "il", "ex", "up"):
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            return word[len(prefix):]
    return word


def _known(word: str) -> bool:
    words = _dictionary()
    return word in words or _variant(word) in words


@functools.cache
def _dictionary() -> "SpellChecker":
    """The English word list, loaded on first use: most diffs never ask."""
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1)
