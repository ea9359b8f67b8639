"""Canonical text: what tracker stores and hashes, so that only real edits become versions.

Markup-only changes (a non-breaking space, a soft hyphen, different line wrapping, a zero-width
joiner, a stray control character) must never look like an edit, and text from the web must never
carry terminal control sequences into a terminal. The canonical form is NFC, one paragraph per line,
single spaces, no blank lines.
"""

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterator

from tracker.text.control import strip_control

# Invisible characters that sites sprinkle in (soft hyphen, zero-width space, BOM, word joiner,
# bidi marks that do not change the words) and that differ between renders.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff\u200e\u200f"), None)
# Zero-width (non-)joiners spell words in Persian and Indic scripts and build emoji such as
# 👩‍👩‍👧, so they stay between two non-ASCII characters; next to ASCII or a line end they are noise.
_STRAY_JOINER = re.compile(
    r"(?:^|(?<=[\x00-\x7f]))[\u200c\u200d]+|[\u200c\u200d]+(?=[\x00-\x7f]|$)", re.MULTILINE
)
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*")


def normalise_text(text: str) -> str:
    """The canonical form of an article body: NFC, one paragraph per line, single spaces."""
    text = _STRAY_JOINER.sub("", unicodedata.normalize("NFC", text).translate(_INVISIBLE))
    text = strip_control(text, keep_newlines=True)
    text = _HORIZONTAL_SPACE.sub(" ", text)
    lines = (line.strip() for line in _PARAGRAPH_BREAK.split(text))
    return "\n".join(line for line in lines if line)


def normalise_line(text: str | None) -> str | None:
    """The canonical form of a one-line field (title, byline); None when nothing is left."""
    if text is None:
        return None
    flat = normalise_text(text).replace("\n", " ")
    return flat or None


def content_hash(title: str | None, text: str) -> str:
    """Identity of a version's content: the normalised title and text (not byline or dates).

    The write path compares the byline beside the hash (a byline-only edit is a new version)
    rather than hashing it, so the hashes of stored versions stay valid."""
    payload = f"{title or ''}\x1e{text}".encode()
    return hashlib.sha256(payload).hexdigest()


def stored_text(text: str) -> str:
    """An extracted body as a version stores it: normalised, without volatile lines. The write
    path and a snapshot run's extraction processes (which diff it beforehand) both use this."""
    return strip_volatile(normalise_text(text))


def stored_page(html: str) -> bytes:
    """A fetched page as a version keeps it (zlib), made by whoever makes the Article: a
    snapshot run's extraction processes (beside the extraction) and the importer."""
    return zlib.compress(html.encode(), 6)


def strip_volatile(text: str) -> str:
    """Drop what changes on its own, not with the story, from a normalised body.

    Generic extraction keeps some page furniture inside the article: "Updated 12 minutes ago"
    above the first paragraph, "Related: <another headline>" and "Advertisement" between
    paragraphs. They change from one fetch to the next, and each change would otherwise be stored
    as a new version. Whole lines of a recognisable shape go: a line that starts with an
    update/publication word followed by nothing but a date or time, a bare relative time or date,
    an ad label, or a short line introduced by "Related:" and the like. Inside the lines that
    stay, a timestamp phrase goes too (see `strip_volatile_phrases`): a page laid out as a table
    can come out as one long line. A real paragraph that mentions an update or a time keeps every
    word, so a one-word edit in it is still a change.
    """
    kept = (strip_volatile_phrases(line) for line in text.split("\n") if not is_volatile_line(line))
    return "\n".join(line for line in kept if line)


def is_volatile_line(line: str) -> bool:
    """True for a timestamp, ad label or related-link line (see `strip_volatile`)."""
    lowered = line.strip().lower().translate(_DASHES)
    if _AD_LABEL.fullmatch(lowered):
        return True
    if _TEASER.match(lowered) and len(lowered.split()) <= _TEASER_MAX_WORDS:
        return True
    return _is_timestamp_line(lowered)


def _is_timestamp_line(lowered: str) -> bool:
    """A time alone, or a date or time after an update/publication word and a short byline."""
    if len(lowered.split()) > _TIMESTAMP_MAX_WORDS:
        return False
    keyword = _TIMESTAMP_WORD.search(lowered)
    if keyword is not None:
        before = lowered[: keyword.start()].strip(" |·•-,:")
        if not before or (before.startswith("by ") and len(before.split()) <= _BYLINE_MAX_WORDS):
            return _is_time_words(lowered[keyword.end():])
        return False
    # Alone, only a relative or clock time: a bare date or number may be a table cell or a price.
    return "|" not in lowered and bool(_TIME_ANCHOR.search(lowered)) and _is_time_words(lowered)


def strip_volatile_phrases(line: str) -> str:
    """Remove timestamp phrases from inside a line: "Updated 22 minutes ago", "| 5 hours ago |".

    A phrase is furniture, not a sentence, by its shape: an update/publication word written as a
    label (capitalised, or after a separator such as "|" or "·") and followed at once by a date
    or time, or a bare relative time ("3 hours ago", "just now") standing between separators.
    "Officials updated the toll 2 hours ago" and "the page was updated 2 hours ago" keep every
    word. The separator left behind by a removed phrase goes with it.
    """
    spans = sorted(_volatile_phrases(line))
    kept = [span for n, span in enumerate(spans) if n == 0 or span[0] >= spans[n - 1][1]]
    for start, end in reversed(kept):
        line = _cut(line, start, end)
    return line


def _volatile_phrases(line: str) -> Iterator[tuple[int, int]]:
    for match in _BARE_RELATIVE_TIME.finditer(line):
        yield match.start(1), match.end(1)
    for match in _LABEL_WORD.finditer(line):
        before = line[: match.start()].rstrip()
        if match.group()[0].isupper() or not before or before[-1] in _SEPARATORS:
            end = _time_phrase_end(line, match.end())
            if end is not None:
                yield match.start(), end


def _time_phrase_end(line: str, position: int) -> int | None:
    """Where the date or time right after a label word ends, if one follows."""
    words: list[tuple[str, int, int]] = []  # (word, start, end) of the time words taken
    while token := _TOKEN.match(line, position):
        position = token.end()
        word = token.group(1)
        if word is None:
            continue  # punctuation is taken only when a time word follows it
        lowered = word.lower()
        if lowered not in _TIME_WORDS and not _NUMERIC_TIME.fullmatch(lowered):
            break
        words.append((lowered, token.start(1), token.end(1)))
    while words and words[-1][0] in _CONNECTORS:
        words.pop()
    if not words:
        return None
    start, end = words[0][1], words[-1][2]
    return end if _PHRASE_ANCHOR.search(line[start:end].lower()) else None


def _cut(line: str, start: int, end: int) -> str:
    """The line without [start, end), and without a separator left doubled or dangling."""
    left, right = line[:start].rstrip(), line[end:].lstrip(" :,")
    if right[:1] in _SEPARATORS and (not left or left[-1] in _SEPARATORS):
        right = right[1:].lstrip()
    if not right and left[-1:] in _SEPARATORS and left[-1:] != "|":
        left = left[:-1].rstrip()
    return f"{left} {right}".strip()


def _is_time_words(text: str) -> bool:
    words = _WORD.findall(text)
    return bool(words) and all(
        word in _TIME_WORDS or _NUMERIC_TIME.fullmatch(word) for word in words
    )


_AD_LABEL = re.compile(
    r"[\W_]*(?:advertisements?|ads?|sponsored(?: content)?|anzeige|werbung|publicit[ée]|"
    r"publicidad|pubblicit[àa]|reklama|story continues below(?: this)? advertisement|"
    r"continue reading (?:the main story|below)|scroll to continue(?: with content)?)[\W_]*"
)
_TEASER = re.compile(
    r"(?:related|read more|read also|also read|see also|more on this|recommended|watch|"
    r"lire aussi|à lire aussi|mehr zum thema|lesen sie auch|czytaj także)\s*[:|»>-]"
)
_TIMESTAMP_WORD = re.compile(
    r"\b(?:last updated|updated|published|posted|modified|first published|aktualisiert|"
    r"veröffentlicht|mis à jour|publié)\b(?:\s+(?:at|on|am|le))?\s*:?"
)
_TIME_ANCHOR = re.compile(r"\bago\b|\bjust now\b|\b\d{1,2}:\d{2}\b")
_DASHES = str.maketrans("\u2013\u2014\u203a", "--»")  # en and em dash, single guillemet
_WORD = re.compile(r"[^\W_]+")
_NUMERIC_TIME = re.compile(r"\d+(?:st|nd|rd|th|[a-z])?(?:\d+[a-z]?)?")  # 8th, 07t23, 00z, 5m
_TEASER_MAX_WORDS = 25
_TIMESTAMP_MAX_WORDS = 16
_BYLINE_MAX_WORDS = 6
_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_DAYS = (
    "monday tuesday wednesday thursday friday saturday sunday "
    "mon tue tues wed thu thurs fri sat sun"
)
_SEPARATORS = "|\u00b7\u2022\u2013\u2014-"  # bar, middle dot, bullet, en and em dash, hyphen
_LABEL_WORD = re.compile(
    r"\b(?:last updated|first published|updated|published|posted|modified|aktualisiert|"
    r"veröffentlicht|mis à jour|publié)\b(?:\s+(?:at|on|am|le))?\s*:?",
    re.IGNORECASE,
)
_BARE_RELATIVE_TIME = re.compile(
    r"(?:^|[|\u00b7\u2022])\s*((?:about |over )?(?:\d+|an?|one|a few)\s*(?:seconds?|secs?|"
    r"minutes?|mins?|hours?|hrs?|days?|weeks?|[smhdw])\s+ago|just now)\s*(?=[|\u00b7\u2022]|$)",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\s*(?:([^\W_]+)|[,.:/-])")
_CONNECTORS = frozenset(("at", "on", "le", "à", "a", "an", "one"))
_TIME_WORDS = frozenset((
    f"{_MONTHS} {_DAYS} ago just now a an one few second seconds sec secs minute minutes min mins "
    "hour hours hr hrs h m s day days week weeks at on am pm utc gmt et est edt pt pst pdt ct cst "
    "cdt cet cest bst ist z t st nd rd th today yesterday uhr le à"
).split())
# A phrase is a timestamp only with one of these: a relative time, a clock time, a date (a
# weekday alone is not one: "Posted on Monday, the video shows" is a sentence).
_MONTH = "(?:" + "|".join(_MONTHS.split()) + ")"
_PHRASE_ANCHOR = re.compile(
    r"\bago\b|\bjust now\b|\btoday\b|\byesterday\b|\b\d{1,2}:\d{2}\b|\b\d{4}-\d{2}-\d{2}"
    r"|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b"
    rf"|\b{_MONTH}\b\.?\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s+{_MONTH}\b"
)
