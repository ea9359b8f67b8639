"""The facts that changed between the old and the new sentences of one place in a story.

A group is what alignment matched as one changed region (an edited sentence, or sentences
rewritten enough to be called deleted and added), or the headline. Its figures, quotes, sources
and negations are compared as a whole, so a figure whose sentence was rewritten is still seen
to change, and a quote that moved from a deleted sentence into an added one is not reported as
removed and added. Figures are compared by value and each changed figure is paired with the new
figure that counts the same thing (tracker.text.figures). A group with no old sentences is new
information: its quotes and sources are new, but its figures and negations are not "changed",
and the same holds the other way round for a group with no new sentences.
"""

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tracker.text import diffing, facts, typos
from tracker.text.alignment import Alignment, EditKind, Fact, Tag
from tracker.text.figures import Figure, figures, kind_group
from tracker.text.sentences import Sentence

#: Nouns that count people: "80 people" and "no casualties" count the same thing.
_PEOPLE = frozenset(
    [
        "people", "person", "casualty", "casualties", "dead", "death", "victim", "fatality",
        "injured", "killed", "civilian", "man", "men", "woman", "women", "child", "children",
        "resident", "passenger", "worker", "soldier", "troop", "student", "pupil", "patient",
        "migrant", "refugee", "body", "adult", "member"
    ]
)
_DECIMAL = re.compile(r"\d\.\d+(?!\d*\s?(?:k|m|mn|bn|tn|thousand|million|billion|trillion)\b)",
                      re.IGNORECASE)
#: Two changed quotes at least this similar (by words) are one quote reworded.
QUOTE_SIMILARITY = 0.5


@dataclass(frozen=True)
class Part:
    """One sentence of a group, with the index of the edit it belongs to."""

    edit: int
    text: str


Speaker = Callable[[int, bool], str | None]
"""Who a quote in an edit is attributed to: (edit index, new side?) -> name or None."""


def edit_facts(
    aligned: Alignment, old: Sequence[Sentence], new: Sequence[Sentence]
) -> tuple[dict[int, list[Fact]], set[int]]:
    """The fact changes of each edit (by index), found place by place, and the indexes of the
    edits in places that only gained sentences (new information)."""
    found: dict[int, list[Fact]] = {}
    new_only: set[int] = set()

    def who(n: int, new_side: bool) -> str | None:
        edit = aligned.edits[n]
        return _speaker(new, edit.new) if new_side else _speaker(old, edit.old)

    for group in _groups(aligned):
        old_parts = [Part(n, old[i].text) for n in group for i in aligned.edits[n].old]
        new_parts = [Part(n, new[j].text) for n in group for j in aligned.edits[n].new]
        if not old_parts:
            new_only.update(group)
        for n, fact in group_facts(old_parts, new_parts, who):
            found.setdefault(n, []).append(fact)
    return found, new_only


def _groups(aligned: Alignment) -> list[list[int]]:
    """Indexes of the edits that rewrite one place: those of one alignment region; a moved
    sentence is a place of its own."""
    region_of = {("old", i): r for r, (olds, _) in enumerate(aligned.regions) for i in olds}
    region_of |= {("new", j): r for r, (_, news) in enumerate(aligned.regions) for j in news}
    groups: dict[object, list[int]] = {}
    for n, edit in enumerate(aligned.edits):
        side, index = ("old", edit.old[0]) if edit.old else ("new", edit.new[0])
        key = ("own", n) if edit.kind is EditKind.MOVED else region_of.get((side, index), n)
        groups.setdefault(key, []).append(n)
    return list(groups.values())


def _speaker(sentences: Sequence[Sentence], ids: tuple[int, ...]) -> str | None:
    """Who a quote in these sentences is attributed to: named in them, or in one of the two
    sentences before (a quote often runs on after "Hoffman said in a statement."), or in the
    next sentence of the same paragraph ("... he said.")."""
    if not ids:
        return None
    paragraph = sentences[ids[-1]].paragraph
    after = ids[-1] + 1
    nearby = [*ids, ids[0] - 1, ids[0] - 2]
    if after < len(sentences) and sentences[after].paragraph == paragraph:
        nearby.append(after)
    for index in nearby:
        if 0 <= index < len(sentences):
            named = facts.sources(sentences[index].text)
            if named:
                return named[-1]
    return None


def group_facts(old: Sequence[Part], new: Sequence[Part], who: Speaker) -> list[tuple[int, Fact]]:
    """The fact changes of one group, each with the index of the edit it belongs to."""
    found: list[tuple[int, Fact]] = []
    if old and new:
        found += _number_facts(old, new)
    found += _quote_facts(old, new, who, bool(old and new))
    found += _source_facts(old, new)
    if old and new:
        found += _negation_facts(old, new)
    return found


def _number_facts(old: Sequence[Part], new: Sequence[Part]) -> list[tuple[int, Fact]]:
    before = [(p.edit, f) for p in old for f in figures(facts.unquoted(p.text))]
    after = [(p.edit, f) for p in new for f in figures(facts.unquoted(p.text))]
    _cancel(before, after)
    pairs = _pairs(before, after)
    found = [(after[j][0], Fact(Tag.NUMBER, "changed", before[i][1].text, after[j][1].text))
             for i, j in pairs]
    paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
    found += [(e, Fact(Tag.NUMBER, "removed", f.text)) for n, (e, f) in enumerate(before)
              if n not in paired_old]
    found += [(e, Fact(Tag.NUMBER, "added", None, f.text)) for n, (e, f) in enumerate(after)
              if n not in paired_new]
    return found


def _cancel(before: list[tuple[int, Figure]], after: list[tuple[int, Figure]]) -> None:
    """Drop the figures that say the same on both sides, the same edit's first."""
    for same_edit in (True, False):
        for i in reversed(range(len(before))):
            edit, key = before[i][0], before[i][1].key
            match = next((j for j, (e, f) in enumerate(after)
                          if f.key == key and (not same_edit or e == edit)), None)
            if match is not None:
                del before[i], after[match]


def _pairs(before: list[tuple[int, Figure]], after: list[tuple[int, Figure]]
           ) -> list[tuple[int, int]]:
    """Old and new figures that count the same thing, best matches first."""
    scored = sorted(
        ((_affinity(a, b, ea == eb), i, j) for i, (ea, a) in enumerate(before)
         for j, (eb, b) in enumerate(after) if _compatible(a, b)),
        reverse=True,
    )
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    pairs = []
    for score, i, j in scored:
        if score > 0 and i not in taken_old and j not in taken_new:
            taken_old.add(i)
            taken_new.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _compatible(a: Figure, b: Figure) -> bool:
    """Whether `b` may be what `a` became: the same kind of figure, not a measurement (6.8)
    against a whole count (12), and not counting two different things."""
    if kind_group(a) != kind_group(b):
        return False
    if a.kind == "count" and _measured(a) != _measured(b) and not _same_noun(a, b):
        return False
    if a.noun and b.noun and not _same_noun(a, b):
        return a.noun in b.near or b.noun in a.near
    return True


def _measured(figure: Figure) -> bool:
    """A figure written with decimals and no scale ("6.8", not "1.2k"): a measurement."""
    return _DECIMAL.search(figure.text) is not None


def _same_noun(a: Figure, b: Figure) -> bool:
    return bool(a.noun and b.noun and (a.noun == b.noun or {a.noun, b.noun} <= _PEOPLE))


def _affinity(a: Figure, b: Figure, same_edit: bool) -> float:
    overlap = len(a.near & b.near) / max(1, len(a.near | b.near))
    return 2.0 * _same_noun(a, b) + overlap + 0.5 * same_edit


def _quote_facts(old: Sequence[Part], new: Sequence[Part], who: Speaker, both: bool
                 ) -> list[tuple[int, Fact]]:
    before = [(p.edit, q) for p in old for q in facts.quotes(p.text)]
    after = [(p.edit, q) for p in new for q in facts.quotes(p.text)]
    gone = [(e, q) for e, q in before if not any(_same_quote(q, r) for _, r in after)]
    came = [(e, q) for e, q in after if not any(_same_quote(q, r) for _, r in before)]
    if both and gone and came and _similar(" ".join(q for _, q in gone),
                                           " ".join(q for _, q in came)):
        edit = came[0][0]
        return [(edit, Fact(Tag.QUOTE, "changed", " / ".join(q for _, q in gone),
                            " / ".join(q for _, q in came), who(edit, True)))]
    return [(e, Fact(Tag.QUOTE, "removed", q, None, who(e, False))) for e, q in gone] + [
        (e, Fact(Tag.QUOTE, "added", None, q, who(e, True))) for e, q in came
    ]


def _same_quote(a: str, b: str) -> bool:
    """One quote, whatever its marks, case and punctuation, or with a typo fixed."""
    wa, wb = _quote_words(a), _quote_words(b)
    if wa == wb:
        return True
    return len(wa) == len(wb) and typos.is_minor(diffing.diff_texts(a, b))


def _quote_words(quote: str) -> list[str]:
    return re.findall(r"[^\W_]+", quote.lower())


def _similar(a: str, b: str) -> bool:
    matcher = difflib.SequenceMatcher(None, _quote_words(a), _quote_words(b), autojunk=False)
    return matcher.ratio() >= QUOTE_SIMILARITY


def _source_facts(old: Sequence[Part], new: Sequence[Part]) -> list[tuple[int, Fact]]:
    before = [(p.edit, s) for p in old for s in facts.sources(p.text)]
    after = [(p.edit, s) for p in new for s in facts.sources(p.text)]
    old_keys = {facts.source_key(s) for _, s in before}
    new_keys = {facts.source_key(s) for _, s in after}
    gone = _unique_sources((e, s) for e, s in before if facts.source_key(s) not in new_keys)
    came = _unique_sources((e, s) for e, s in after if facts.source_key(s) not in old_keys)
    if gone and came:
        return [(came[0][0], Fact(Tag.ATTRIBUTION, "changed", ", ".join(s for _, s in gone),
                                  ", ".join(s for _, s in came)))]
    return [(e, Fact(Tag.ATTRIBUTION, "removed", s)) for e, s in gone] + [
        (e, Fact(Tag.ATTRIBUTION, "added", None, s)) for e, s in came
    ]


def _unique_sources(items: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    seen: dict[str, tuple[int, str]] = {}
    for edit, source in items:
        seen.setdefault(source.lower(), (edit, source))
    return list(seen.values())


def _negation_facts(old: Sequence[Part], new: Sequence[Part]) -> list[tuple[int, Fact]]:
    """A statement that gained or lost a negation ("were sent" -> "were not sent")."""
    before = Counter(n for p in old for n in facts.negations(facts.unquoted(p.text)))
    after = Counter(n for p in new for n in facts.negations(facts.unquoted(p.text)))
    if before.total() == after.total():
        return []
    added = after.total() > before.total()
    extra = next(iter((after - before) if added else (before - after)), None)
    for part in new if added else old:
        if extra is not None and extra in facts.negations(facts.unquoted(part.text)):
            phrase = _around(part.text, extra)
            fact = (Fact(Tag.NEGATION, "added", None, phrase) if added
                    else Fact(Tag.NEGATION, "removed", phrase))
            return [(part.edit, fact)]
    part = (new if added else old)[0]
    return [(part.edit, Fact(Tag.NEGATION, "added" if added else "removed"))]


def _around(text: str, word: str, width: int = 2) -> str:
    """A negating word with the words on either side: "were not sent to"."""
    words = text.split()
    for index, token in enumerate(words):
        if re.sub(r"[^\w'\u2019]", "", token).lower() == word:
            return " ".join(words[max(0, index - width): index + width + 1]).strip(" ,.;:")
    return word

