"""Word-level diffs between two versions of an article.

Character diffs of long rewrites either time out or come back as a scatter of letters, and a
plain word diff of a long text collapses into one hunk.  So the diff runs in two passes:
paragraphs first (each distinct line becomes one character), then words, whitespace runs and
punctuation marks inside each changed region (each distinct token becomes one character).
Both passes use diff-match-patch, either the C++ build (``fast_diff_match_patch``) or the
pure-Python reference; the semantic cleanup always comes from the reference, so both engines
give the same ops for the same inputs (unless the time limit cuts one of them short).
"""

from __future__ import annotations

import difflib
import functools
import itertools
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

try:
    import fast_diff_match_patch as _fast
except ImportError:  # pragma: no cover - depends on the installed extras
    _fast = None

INSERT, DELETE, EQUAL = 1, -1, 0
Ops = list[tuple[int, str]]

#: A region (or the whole text) is shown as a clean replacement when the words kept unchanged
#: are fewer than this share of the shorter side's words.  Semantic cleanup has already dropped
#: stray matches such as a lone "the" by then, so a real edit keeps well above 20 % while two
#: unrelated texts fall close to 0 %.
REWRITE_THRESHOLD = 0.2

_FAST_CODES = {"=": EQUAL, "-": DELETE, "+": INSERT}
# Fast engine only where wchar_t holds any code point: the synthetic characters are non-BMP.
_HAVE_FAST = _fast is not None and getattr(_fast, "CHAR_WIDTH", 0) >= 4
ENGINE_NAME: str = "fast-diff-match-patch" if _HAVE_FAST else "diff-match-patch"

# Scripts written without spaces between words: one token per character (plus its marks).
_NO_SPACE = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029"
    "\u3040-\u30ff\u3100-\u312f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uff66-\uff9f\U00020000-\U0003ffff"
)


def _mark_class() -> str:
    """Combining marks stay with the letter before them (``e`` + U+0301, Hindi vowel signs),
    but ``re`` has no ``\\p{M}``, so the class is built from unicodedata (~30 ms)."""
    planes = itertools.chain(range(0x20000), range(0xE0000, 0xE1000))
    marks = [cp for cp in planes if unicodedata.category(chr(cp))[0] == "M"]
    runs = itertools.groupby(enumerate(marks), key=lambda pair: pair[1] - pair[0])
    spans = [[cp for _, cp in run] for _, run in runs]
    return "".join(f"{chr(s[0])}-{chr(s[-1])}" for s in spans)


@functools.cache
def _word_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(token, word) patterns, built on first use rather than at import: a snapshot run in
    which nothing changed never diffs, and should not pay for the mark class at start-up."""
    marks = _mark_class()
    # Numbers keep their separators ("6.1", "1,200", "22:58"): a changed figure is one word.
    number = r"\d+(?:[.,:]\d+)+"
    word = (rf"{number}|[^\W_{_NO_SPACE}]+(?:[{marks}]+[^\W_{_NO_SPACE}]*)*"
            rf"|[{_NO_SPACE}][{marks}]*")
    return re.compile(rf"\n|[^\S\n]+|{word}|.[{marks}]*", re.DOTALL), re.compile(word)


_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+")
# Paragraphs and the breaks between them are separate tokens, so a last paragraph that gains
# a following one ("Last." -> "Last.\n...") still matches itself.
_PARAGRAPH_RE = re.compile(r"[^\n]+|\n")


@dataclass(frozen=True)
class DiffStats:
    """What changed, in words and in visible (non-whitespace) characters."""

    words_added: int
    words_removed: int
    chars_added: int
    chars_removed: int

    @property
    def changed(self) -> bool:
        """Whitespace-only edits do not count: they are normalisation noise, not news."""
        return any((self.words_added, self.words_removed, self.chars_added, self.chars_removed))


class _AlphabetFull(Exception):
    """More distinct tokens than private-use characters; the caller falls back to replace."""


class _Alphabet:
    """Gives each distinct token or line one character, so diff-match-patch diffs sequences of
    tokens.  Characters come from the supplementary private-use planes: they never collide
    with surrogates, work in both engines and, being neither alphanumeric nor space, score
    alike in the semantic cleanup.  "\\n" keeps itself so the cleanup still favours line
    breaks as edit boundaries."""

    _PLANE = 0xFFFE  # U+xFFFE and U+xFFFF are noncharacters

    def __init__(self) -> None:
        self._codes: dict[str, str] = {"\n": "\n"}
        self._items: dict[str, str] = {"\n": "\n"}

    def encode(self, items: Iterable[str]) -> str:
        codes = self._codes
        return "".join([codes.get(item) or self._add(item) for item in items])

    def decode(self, chars: str) -> str:
        return "".join([self._items[c] for c in chars])

    def _add(self, item: str) -> str:
        n = len(self._codes) - 1
        if n >= 2 * self._PLANE:
            raise _AlphabetFull
        code = chr(0xF0000 + n if n < self._PLANE else 0x100000 + n - self._PLANE)
        self._codes[item] = code
        self._items[code] = item
        return code


class _Job:
    """One diff_texts call: the engine and a single deadline shared by every engine call, so
    a text with many changed regions cannot multiply the time limit."""

    def __init__(self, engine: str, timeout: float) -> None:
        self.fast = _pick_fast(engine)
        self.deadline = time.monotonic() + timeout
        self.tokens = _Alphabet()

    def raw_diff(self, a: str, b: str) -> Ops:
        """Engine diff without cleanup; once the deadline has passed, a plain replacement."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            return _replace(a, b)
        if self.fast:
            raw = _fast.diff(a, b, timelimit=left, checklines=False, cleanup="No",
                             counts_only=False)
            return [(_FAST_CODES[op], text) for op, text in raw]
        dmp = diff_match_patch()
        dmp.Diff_Timeout = left
        return list(dmp.diff_main(a, b, False))


def _pick_fast(engine: str) -> bool:
    if engine not in ("auto", "fast", "reference"):
        raise ValueError(f"unknown diff engine {engine!r}")
    if engine == "fast" and not _HAVE_FAST:
        raise RuntimeError("fast_diff_match_patch is not installed (or lacks UCS-4 support)")
    return engine == "fast" or (engine == "auto" and _HAVE_FAST)


def _replace(old: str, new: str) -> Ops:
    return [op for op in ((DELETE, old), (INSERT, new)) if op[1]]


def _normalise(ops: Iterable[tuple[int, str]]) -> Ops:
    """Canonical form: no empty texts, no two EQUALs in a row, and each run of changes as one
    DELETE followed by one INSERT (the order diff-match-patch itself uses)."""
    out: Ops = []
    pending: dict[int, list[str]] = {DELETE: [], INSERT: []}
    for op, text in itertools.chain(ops, [(EQUAL, "")]):
        if op != EQUAL:
            pending[op].append(text)
            continue
        out.extend(_replace("".join(pending[DELETE]), "".join(pending[INSERT])))
        pending = {DELETE: [], INSERT: []}
        if text and out and out[-1][0] == EQUAL:
            out[-1] = (EQUAL, out[-1][1] + text)
        elif text:
            out.append((EQUAL, text))
    return out


@functools.lru_cache(maxsize=32)
def count_words(text: str) -> int:
    """Words are tokens with a letter or digit; a CJK or Thai character counts as one.
    Cached for the last few texts: storing a version counts its text, then counts it again
    as the old side of the next diff and in each rewrite check."""
    return len(_word_patterns()[1].findall(text))


def _shares_too_little(ops: Ops, old: str, new: str) -> bool:
    """True when the unchanged words are under REWRITE_THRESHOLD of the shorter side."""
    base = min(count_words(old), count_words(new))
    shared = sum(count_words(text) for op, text in ops if op == EQUAL)
    return base > 0 and shared < REWRITE_THRESHOLD * base


def _overlap_too_small(old_tokens: list[str], new_tokens: list[str]) -> bool:
    """Cheap upper bound on the unchanged words (common words counted with multiplicity):
    when even that is under the threshold, no diff can pass it, so skip the diff."""
    word = _word_patterns()[1]
    old_words = Counter(t for t in old_tokens if word.match(t))
    new_words = Counter(t for t in new_tokens if word.match(t))
    base = min(old_words.total(), new_words.total())
    return base > 0 and (old_words & new_words).total() < REWRITE_THRESHOLD * base


def _diff_region(old: str, new: str, job: _Job) -> Ops:
    """Word diff of one run of changed paragraphs, or a clean replacement."""
    if not old or not new:
        return _replace(old, new)
    token = _word_patterns()[0]
    old_tokens, new_tokens = token.findall(old), token.findall(new)
    if _overlap_too_small(old_tokens, new_tokens):
        return _replace(old, new)
    try:
        a, b = job.tokens.encode(old_tokens), job.tokens.encode(new_tokens)
    except _AlphabetFull:
        return _replace(old, new)
    diffs = job.raw_diff(a, b)
    diff_match_patch().diff_cleanupSemantic(diffs)
    ops = [(op, job.tokens.decode(chars)) for op, chars in diffs]
    return _replace(old, new) if _shares_too_little(ops, old, new) else ops


def _diff_paragraphs(old: str, new: str, job: _Job) -> Ops:
    """Align whole paragraphs, then word-diff each run of changed ones."""
    lines = _Alphabet()
    try:
        a, b = lines.encode(_PARAGRAPH_RE.findall(old)), lines.encode(_PARAGRAPH_RE.findall(new))
    except _AlphabetFull:
        return _replace(old, new)
    ops: Ops = []
    region: dict[int, list[str]] = {DELETE: [], INSERT: []}
    for op, chars in itertools.chain(job.raw_diff(a, b), [(EQUAL, "")]):
        if op != EQUAL:
            region[op].append(lines.decode(chars))
            continue
        ops += _diff_region("".join(region[DELETE]), "".join(region[INSERT]), job)
        region = {DELETE: [], INSERT: []}
        ops.append((EQUAL, lines.decode(chars)))
    return ops


def diff_texts(old: str, new: str, *, engine: str = "auto", timeout: float = 2.0) -> Ops:
    """Word-granular edit script from old to new, in canonical form (see _normalise).

    ``engine`` is "auto", "fast" or "reference"; ``timeout`` (seconds, > 0) bounds the whole
    call: whatever is left undiffed when it runs out is shown as replaced.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive: an unbounded diff can hang the tracker")
    job = _Job(engine, timeout)
    if old == new:
        return [(EQUAL, old)] if old else []
    ops = _normalise(_diff_paragraphs(old, new, job))
    return _replace(old, new) if _shares_too_little(ops, old, new) else ops


def diff_title(old: str | None, new: str | None) -> Ops:
    """Headlines are one-line texts; a missing headline diffs as an empty one."""
    return diff_texts(old or "", new or "")


def diff_stats(ops: Ops) -> DiffStats:
    """Characters count without whitespace, so re-spacing alone changes nothing."""
    added = [text for op, text in ops if op == INSERT]
    removed = [text for op, text in ops if op == DELETE]
    return DiffStats(
        words_added=sum(map(count_words, added)),
        words_removed=sum(map(count_words, removed)),
        chars_added=sum(len("".join(text.split())) for text in added),
        chars_removed=sum(len("".join(text.split())) for text in removed),
    )


def to_delta(ops: Ops) -> str:
    """diff-match-patch's delta format (lengths in UTF-16 units, so other ports read it);
    only inserted text is stored, the rest is recovered from the old text."""
    return str(diff_match_patch().diff_toDelta(ops))


def from_delta(old: str, delta: str) -> Ops:
    """Inverse of to_delta; raises ValueError when the delta does not fit ``old``."""
    return _normalise(diff_match_patch().diff_fromDelta(old, delta))


def unified_diff(old: str, new: str, *, from_label: str, to_label: str, context: int = 3) -> str:
    """Line diff in the format patch(1) applies, one paragraph per line.

    difflib leaves a last line without "\\n" unterminated, which would glue it to the next
    line of the patch, so it gets patch's "No newline at end of file" marker.
    """
    a, b = _LINE_RE.findall(old), _LINE_RE.findall(new)
    out = difflib.unified_diff(a, b, fromfile=from_label, tofile=to_label, n=context)
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out
    )
