"""Figures in a news sentence, read for their value: what they count, in what unit.

A figure is compared by value, so "3" -> "three", "1,200" -> "1.2k", "20%" -> "20 per cent" and
"$5m" -> "$5 million" are the same figure written another way, while "$5m" -> "$7.5m" or
"at least 10" -> "more than a dozen" are changes. Each figure keeps its words as written (with
its currency, unit and qualifier) for display, and the words around it, so that a changed figure
is paired with the new figure that counts the same thing (tracker.text.changes) and never a
quake's magnitude with its death toll.

Not figures: digits inside web addresses and names ("iPhone 15", "Covid-19", "G7", "Falcon 9");
weekday names (a changed weekday is an edit, but not of a figure). Figures: counts in digits or
words, vague counts ("dozens", "hundreds"), amounts of money, percentages, clock times, dates
with a day, years and decades, ordinals, fractions, scores and ranges ("3-1"), and zero counts
("no casualties", "nobody").
"""

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9,
           "trillion": 10**12}
_SUFFIX_SCALES = {"k": 10**3, "m": 10**6, "mn": 10**6, "bn": 10**9, "b": 10**9, "tn": 10**12}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "hundredth": 100,
}
_FRACTIONS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
              "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "tenth": 10, "tenths": 10}
_VAGUE = ("tens of thousands|hundreds of thousands|tens of millions|hundreds of millions|"
          "dozens|hundreds|thousands|millions|billions|scores(?=\\s+of)|several")
_CURRENCY = {"$": "$", "us$": "$", "£": "£", "€": "€", "¥": "¥", "₹": "₹", "dollars": "$",
             "dollar": "$", "pounds": "£", "euros": "€", "euro": "€", "yen": "¥"}
#: Qualifiers that say the same thing share a class: "about 40" and "around 40" are one figure.
_QUALIFIERS = {
    "at least": ">=", "no fewer than": ">=", "no less than": ">=", "a minimum of": ">=",
    "more than": ">", "over": ">", "upwards of": ">", "in excess of": ">", "above": ">",
    "less than": "<", "fewer than": "<", "under": "<", "below": "<", "just under": "<",
    "at most": "<=", "up to": "<=", "as many as": "<=", "no more than": "<=",
    "a maximum of": "<=", "about": "~", "around": "~", "roughly": "~", "approximately": "~",
    "some": "~", "an estimated": "~", "estimated": "~", "nearly": "~<", "almost": "~<",
    "close to": "~<", "only": "", "just": "",
}
#: Units that are part of a figure's value: "5km" and "5 miles" differ, "6 years" and
#: "6 months" too. Plurals are folded to the singular.
_UNITS = {
    "km": "km", "kilometre": "km", "kilometer": "km", "mile": "mile", "mph": "mph",
    "kph": "kph", "km/h": "kph", "kg": "kg", "kilogram": "kg", "tonne": "t", "ton": "t",
    "mm": "mm", "cm": "cm", "m": "m", "metre": "m", "meter": "m", "ft": "ft", "foot": "ft",
    "feet": "ft", "c": "°c", "°c": "°c", "f": "°f", "°f": "°f", "degree": "°",
    "second": "s", "sec": "s", "minute": "min", "min": "min", "hour": "h", "hr": "h",
    "day": "day", "week": "week", "month": "month", "year": "year", "decade": "decade",
    "century": "century", "year-old": "age", "month-old": "age-month", "percentage point": "pp",
}
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1,
    "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORD = "|".join(sorted([*_SMALL, *_SCALES], key=len, reverse=True))
_WORDNUM = rf"(?:{_WORD})(?:(?:(?<=hundred)\s+and\s+|[\s-]+)(?:{_WORD}))*"
_QUALIFIER = "|".join(q.replace(" ", r"\s+") for q in sorted(_QUALIFIERS, key=len, reverse=True)
                      if q)
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
          r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|"
          r"Dec\.?)")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]|20)\d{2}"
_ZONE = r"(?:\s?(?:GMT|BST|UTC|ET|EST|EDT|CT|PT|PST|PDT|CET|CEST)\b)?"
_AMPM = r"\s?[ap]\.?m\b\.?"
_UNIT_WORDS = "|".join(sorted(
    [u for u in _UNITS if u not in ("c", "f", "m")] + [u + "s" for u in _UNITS if len(u) > 2],
    key=len, reverse=True))

_FIGURE = re.compile(
    # Every figure starts a word: the look-behind turns most positions away at once.
    r"(?<!\w)(?:"
    rf"(?P<date>(?:{_DAY}\s+(?:of\s+)?(?-i:{_MONTH})|(?-i:{_MONTH})\s+\d{{1,2}}"
    rf"(?:st|nd|rd|th)?(?!\d))(?:,?\s+{_YEAR}\b)?|(?-i:{_MONTH})\s+{_YEAR}\b)"
    rf"|(?P<time>\b\d{{1,2}}:\d{{2}}(?:{_AMPM})?{_ZONE}|\b\d{{1,2}}(?:\.\d{{2}})?{_AMPM}{_ZONE})"
    rf"|(?P<range>(?<![\w.,-])\d{{1,4}}-\d{{1,4}}(?![\w%-]))"
    rf"|(?P<zero>\b(?:no|zero)\s+(?:casualties|deaths|dead|injuries|injured|victims|"
    rf"fatalities|survivors)\b|\b(?:none|nobody|no[\s-]one)\b)"
    rf"|(?P<fraction>\b(?:a|one|two|three)[\s-](?:half|third|thirds|quarter|quarters|fifth|"
    rf"fifths|tenth|tenths)\b|\bhalf(?=\s+of\b))"
    rf"|(?P<figure>(?:(?P<qual>{_QUALIFIER})\s+)?"
    rf"(?:(?P<cur>US\$|\$|£|€|¥|₹)\s?)?"
    rf"(?P<body>(?<![\w.,])(?:{_NUM})(?:(?<=0)s\b)?(?!\d|:\d|\.\d\d\s?[ap]\.?m\b)|\b(?:half\s+)?an?\s+(?:dozen|hundred|thousand|"
    rf"million|billion)\b|\bhalf\s+a\s+dozen\b|\b(?:{_WORDNUM})\b|\b(?:{_VAGUE})\b"
    rf"|\b(?:{'|'.join(_ORDINALS)})\b)"
    rf"(?P<scale>\s?(?:k|m|mn|bn|tn)\b|\s(?:hundred|thousand|million|billion|trillion)\b)?"
    rf"(?P<tail>(?:st|nd|rd|th)\b|\s?(?:%|per\s?cent\b|percent\b|pc\b)"
    rf"|\s?percentage\s+points?\b|-?(?:year|month)-old\b"
    rf"|(?:\s|-)?(?:{_UNIT_WORDS})\b|[CF]\b|°[CF])?"
    rf"(?P<money>\s+(?:dollars?|pounds|euros?|yen)\b)?))",
    re.IGNORECASE,
)
#: Web addresses, and names with digits ("G7", "MH370", "Covid-19", "F-35", "5G").
_MASK = re.compile(
    r"\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|io|co|uk|us|info)"
    r"\b(?:/\S*)?|\b[A-Za-z]*[A-Z][A-Za-z]*-?\d[\w]*|\b\d+(?:G|D|K|GB|TB|MB)\b|\b\d+/\d+\b"
)
#: A capitalised word inside a sentence followed by a bare number is a name ("iPhone 15").
_NAMED = re.compile(r"(?<=\S\s)((?:[A-Z]|i[A-Z])[\w]*)\s(\d{1,4})(?![\d.,:%]|\s?(?:%|per\s?cent"
                    r"|percent|k\b|m\b|bn\b|million|billion|thousand))")
_WORDS = re.compile(r"[A-Za-z][\w'\u2019-]*|\d[\d,.:]*")
_STOP = frozenset(
    [
        "a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "with", "from", "by",
        "as", "is", "are", "was", "were", "be", "been", "has", "have", "had", "will", "would",
        "more", "other", "additional", "extra", "further", "new", "than", "about", "some", "up",
        "over", "per", "into", "its", "their", "his", "her", "this", "that", "these", "those", "it",
        "they", "who", "which", "said", "says"
    ]
)
_NOT_NAMES = frozenset(["No", "Number", *[m.capitalize() for m in _MONTHS],
                        *[m.capitalize() + "." for m in _MONTHS],
                        *[
                            "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                            "Sunday"]
                        ])


@dataclass(frozen=True)
class Figure:
    """One figure of a sentence: its words, its value and what it counts."""

    text: str
    kind: str
    """count, money, percent, time, date, year, ordinal, fraction or range."""
    key: tuple[object, ...]
    """What two figures share when they say the same: kind, qualifier class, value, unit."""
    noun: str | None
    """The word it counts ("people", "magnitude"), singular, when one follows it."""
    near: frozenset[str]
    """Content words around it, singular: how a changed figure finds its counterpart."""
    start: int
    end: int
    """Where its words are in the sentence."""


@functools.lru_cache(maxsize=4096)
def figures(sentence: str) -> tuple[Figure, ...]:
    """The figures of a sentence, in order; cached, since an analysis asks for a sentence's
    figures more than once (comparing them, and telling a restyled figure from a new one)."""
    masked = _masked(sentence)
    found = (_figure(sentence, match) for match in _FIGURE.finditer(masked))
    return tuple(figure for figure in found if figure is not None)


def kind_group(figure: Figure) -> str:
    """Figures that may replace one another: a vague count and a count are one group."""
    return "count" if figure.kind in ("count", "fraction") else figure.kind


def _masked(sentence: str) -> str:
    """The sentence with addresses and names that contain digits blanked out."""
    text = _MASK.sub(lambda m: " " * len(m.group(0)), sentence)
    if _title_case(sentence):
        return text
    return _NAMED.sub(lambda m: m.group(0) if m.group(1) in _NOT_NAMES
                      else " " * len(m.group(0)), text)


def _title_case(sentence: str) -> bool:
    """Headline Title Case, where every word is capitalised and a capital is no name."""
    words = [w for w in re.findall(r"[A-Za-z]+", sentence) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _figure(sentence: str, match: re.Match[str]) -> Figure | None:
    kind = match.lastgroup or ""
    text = match.group(0).strip()
    if kind == "figure":
        parsed = _quantity(match)
        if parsed is None:
            return None
        kind, key = parsed
    else:
        key = _other_key(kind, text.lower())
        kind = "count" if kind == "zero" else kind
    start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
    noun, near = _context(sentence, start, start + len(text))
    capital = start == 0 and (len(text) < 2 or not text[1].isupper())
    shown = text[0].lower() + text[1:] if capital else text
    return Figure(" ".join(shown.split()), kind, key, noun, near, start, start + len(text))


def _quantity(match: re.Match[str]) -> tuple[str, tuple[object, ...]] | None:
    """Kind and key of a count, amount, percentage, ordinal or year."""
    body = " ".join(match.group("body").lower().split())
    if body == "one" and _not_a_count(match):
        return None
    qualifier = _QUALIFIERS.get(" ".join((match.group("qual") or "").lower().split()), "")
    tail = " ".join((match.group("tail") or "").lower().strip(" -").split())
    if body in _ORDINALS or tail in ("st", "nd", "rd", "th"):
        if body in ("first", "second") and not _ordinal_context(match):
            return None
        rank = _ORDINALS.get(body) or int(re.sub(r"\D", "", body) or 0)
        return "ordinal", ("ordinal", qualifier, rank)
    parsed = _value(body)
    if parsed is None:
        return "count", ("count", qualifier, body, "")
    value = parsed
    scale = (match.group("scale") or "").strip().lower()
    currency = _CURRENCY.get((match.group("cur") or "").lower()) or _CURRENCY.get(
        (match.group("money") or "").strip().lower())
    if (scale in _SUFFIX_SCALES and scale != "m") or (scale == "m" and currency):
        value *= _SUFFIX_SCALES[scale]
    elif scale in _SCALES:
        value *= _SCALES[scale]
    elif scale == "m":
        tail = "m"
    unit = _unit(tail)
    value = value.normalize()
    if currency:
        return "money", ("money", qualifier, value, currency)
    if unit in ("%", "pp"):
        return "percent", ("percent", qualifier, value, unit)
    if _is_year(match, body, unit, qualifier):
        return "year", ("year", body)
    return "count", ("count", qualifier, value, unit)


def _unit(tail: str) -> str:
    """The unit a figure's tail names: "pp" for percentage points, "%" for any spelling of
    per cent, else the unit's short name (see _UNITS), singular."""
    if tail.startswith("percentage"):
        return "pp"
    if tail in ("%", "pc") or tail.startswith("per"):
        return "%"
    word = tail.strip()
    if word.endswith("s") and word[:-1] in _UNITS:
        word = word[:-1]
    return _UNITS.get(word, word)


def _is_year(match: re.Match[str], body: str, unit: str, qualifier: str) -> bool:
    return (re.fullmatch(_YEAR + "s?", body) is not None and not unit and not qualifier
            and not match.group("scale"))


def _value(body: str) -> Decimal | None:
    """The value of a numeral or of number words; None for vague counts ("dozens")."""
    if body[0].isdigit():
        try:
            return Decimal(body.replace(",", "").rstrip("s"))
        except InvalidOperation:
            return None
    words = body.replace("-", " ").split()
    if words[-1] == "dozen":
        return Decimal(6 if words[0] == "half" else 12)
    if words[0] in ("a", "an", "half"):
        factor = Decimal("0.5") if words[0] == "half" else Decimal(1)
        return factor * _SCALES[words[-1]] if words[-1] in _SCALES else None
    return _word_value(words)


def _word_value(words: list[str]) -> Decimal | None:
    total, current = 0, 0
    for word in words:
        if word in _SMALL:
            current += _SMALL[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
        elif word != "and":
            return None
    return Decimal(total + current)


def _not_a_count(match: re.Match[str]) -> bool:
    """"one" as a pronoun: "one of them", "no one", "the one who"."""
    before = match.string[: match.start()].split()[-1:]
    after = match.string[match.end():].split()[:1]
    return bool(
        (before and before[0].lower() in ("no", "any", "every", "each", "the", "this", "that",
                                          "which", "some", "any", "another"))
        or (after and after[0].lower().strip(",.") in (
            "of", "another", "day", "way", "thing", "side", "hand", "such", "by", "point",
            "who", "that", "in", "after"))
    )


def _ordinal_context(match: re.Match[str]) -> bool:
    """"first" and "second" are ordinals after an article or possessive ("its second
    round"), not as adverbs ("first said") or units ("a second")."""
    before = match.string[: match.start()].split()[-1:]
    after = match.string[match.end():].split()[:1]
    return bool(before and (before[0].lower() in (
        "the", "its", "his", "her", "their", "our", "a", "finished", "came", "placed")
        or before[0].endswith(("'s", "\u2019s")))
        and after and after[0][:1].isalpha() and after[0].lower() not in ("time", "of"))


def _other_key(kind: str, text: str) -> tuple[object, ...]:
    if kind == "date":
        return ("date", *_date_parts(text))
    if kind == "time":
        return ("time", _minutes(text), re.sub(r"[^a-z]", "", text.split()[-1])
                if text.split()[-1].isalpha() and len(text.split()) > 1 else "")
    if kind == "range":
        return ("range", *(int(part) for part in text.split("-")))
    if kind == "zero":
        return ("count", "", Decimal(0), "")
    if kind == "fraction":
        return ("fraction", _fraction(text))
    return (kind, text)


def _date_parts(text: str) -> tuple[int, int | None, int | None]:
    words = re.findall(r"[a-z]+|\d+", text)
    month = next((_MONTHS[w] for w in words if w in _MONTHS), 0)
    numbers = [int(w) for w in words if w.isdigit()]
    day = next((n for n in numbers if n <= 31), None)
    year = next((n for n in numbers if n > 31), None)
    return month, day, year


def _minutes(text: str) -> int:
    digits = [int(n) for n in re.findall(r"\d+", text)]
    hours, minutes = digits[0], digits[1] if len(digits) > 1 else 0
    compact = text.replace(".", "").replace(" ", "")
    if re.search(r"\dpm|\d:\d\dpm", compact) and hours < 12:
        hours += 12
    if re.search(r"\dam|\d:\d\dam", compact) and hours == 12:
        hours = 0
    return hours * 60 + minutes


def _fraction(text: str) -> Fraction:
    words = text.replace("-", " ").split()
    if words == ["half"]:
        return Fraction(1, 2)
    count = 1 if words[0] in ("a", "one") else _SMALL[words[0]]
    return Fraction(count, _FRACTIONS[words[-1]])


def _context(sentence: str, start: int, end: int) -> tuple[str | None, frozenset[str]]:
    """The noun right after a figure and the content words within three words of it."""
    before = [w.lower() for w in _WORDS.findall(sentence[:start])][-3:]
    after = [w.lower() for w in _WORDS.findall(sentence[end:])]
    attached = sentence[end:end + 1] == "-"
    following = [w for w in after if w not in _STOP][:1] if not attached else after[:1]
    noun = _singular(following[0]) if following and (attached or after[:1] == following
                                                      or _skippable(after)) else None
    near = {_singular(w) for w in [*before, *after[:3]] if w not in _STOP and w[0].isalpha()}
    return noun, frozenset(near)


def _skippable(after: list[str]) -> bool:
    """The words between a figure and its noun may be "more", "other", "of the" and the like."""
    return bool(after) and after[0] in ("more", "other", "additional", "extra", "further",
                                        "new", "of")


def _singular(word: str) -> str:
    word = word.strip("'\u2019-")
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def restated(old: str, new: str) -> bool:
    """Whether two sentences differ only in how they write the same figures ("3" -> "three",
    "$5m" -> "$5 million"), in digits of addresses and names, or in contractions ("did not"
    -> "didn't"): a restyling, not a change of fact."""
    return old != new and _canonical(old) == _canonical(new)


def _canonical(sentence: str) -> tuple[str, ...]:
    """The words of a sentence with each figure replaced by a token of its value."""
    text = _masked(sentence)
    for figure in reversed(figures(sentence)):
        token = " figure" + re.sub(r"\W", "", repr(figure.key)) + " "
        text = text[:figure.start] + token + text[figure.end:]
    text = text.lower().replace("\u2019", "'")
    text = _CONTRACTION.sub(lambda m: _EXPANSIONS.get(m.group(0), m.group(1) + " not"), text)
    return tuple(re.findall(r"[^\W_]+", text))


_CONTRACTION = re.compile(r"\b(\w+)n't\b|\b(?:won't|can't|shan't)\b")
_EXPANSIONS = {"won't": "will not", "can't": "can not", "shan't": "shall not"}
