"""Extraction benchmark: tracker's article text against plain trafilatura on the development set.

Pages: the 990 real pages of ../shared/extraction-dev (beside the repository; read in place,
never copied; without it the benchmark says so and stops). Four extractions of every page, in
the same run, each timed:

    trafilatura default     trafilatura.extract(html, url=url): its defaults
    trafilatura precision   the same with favor_precision=True, include_comments=False
    tracker before          tracker's precise pass alone (`extract_draft`) and whole-line
                            volatile stripping: what tracker stored before the cleanup rules
    tracker                 `extract_article`, then `strip_volatile` as the write path does

Two scores, pooled over pages:

    snippets   the development set's own metric: whitespace collapsed, a `with` passage found in
               the text is a true positive, one missing a false negative, a `without` passage
               found a false positive.
    4-grams    on the pages where the marked text is contiguous, word 4-gram (shingle) F1. The
               page's visible text (lxml, without script, style, noscript, template, head) is cut
               into blocks at block elements; the page counts when every `with` passage is found
               in it and no `without` passage lies between the first and the last of them. The
               reference is that stretch, widened to whole blocks. Words are runs of letters and
               digits, case-folded; shingles are counted with repeats. Recall: the reference's
               shingles found in the text (the text read as one run of words). Precision: the
               text's shingles (within each line) found in the window around the reference, from
               the last `without` passage before it to the first after it (or the page's ends):
               what the person who marked the page did not call boilerplate. Marked passages are
               samples of the article, so the reference can miss its start and end; the window
               gives them back to precision, and recall only asks for the marked stretch.

Per rule of tracker/sources/cleanup.py (and the in-line volatile phrases of
tracker/text/normalise.py): the pages where it changed the result, and both scores on those
pages with every rule against every rule but that one. The title rule is counted but not scored:
the development set marks no titles (`--titles` lists what it changed, to read). And how many
stored texts start with their own title, before and after (the headline doubled in every diff).

Usage: `python bench/bench_extract.py [--pages N] [--titles]`.
"""

import argparse
import json
import lzma
import re
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trafilatura

from bench.common import machine
from tracker.sources import cleanup
from tracker.sources.extract import extract_article, extract_draft
from tracker.text.normalise import is_volatile_line, normalise_text, strip_volatile

DEV_SET = (Path(__file__).resolve().parent.parent.parent
           / "shared/extraction-dev/trafilatura-eval.jsonl.xz")
EXTRACTORS = ("trafilatura default", "trafilatura precision", "tracker before", "tracker")
INLINE_VOLATILE = "volatile phrases in a line"


@dataclass
class Page:
    url: str
    html: str
    with_: list[str]
    without: list[str]
    reference: "Reference | None" = None


@dataclass(frozen=True)
class Reference:
    """The marked stretch of a page's visible text, and the window around it (word lists)."""

    marked: list[str]
    window: list[str]


@dataclass
class Score:
    """Pooled counts for both metrics."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    found: int = 0
    """4-grams of the reference found in the text (recall's numerator)."""
    wanted: int = 0
    kept: int = 0
    """4-grams of the text found in the window (precision's numerator)."""
    given: int = 0
    pages: int = 0
    shingle_pages: int = 0

    def add(self, page: Page, text: str) -> None:
        self.pages += 1
        flat = _flat(text)
        hits = [_flat(passage) in flat for passage in page.with_]
        self.tp += sum(hits)
        self.fn += len(hits) - sum(hits)
        self.fp += sum(_flat(passage) in flat for passage in page.without)
        if page.reference is not None:
            self.shingle_pages += 1
            found, wanted, kept, given = shingle_counts(page.reference, text)
            self.found, self.wanted = self.found + found, self.wanted + wanted
            self.kept, self.given = self.kept + kept, self.given + given

    def snippets(self) -> tuple[float, float, float]:
        return _prf(self.tp, self.tp + self.fp, self.tp + self.fn)

    def shingles(self) -> tuple[float, float, float]:
        return _prf_ratios(self.kept / max(self.given, 1), self.found / max(self.wanted, 1))


def _prf(tp: int, returned: int, relevant: int) -> tuple[float, float, float]:
    return _prf_ratios(tp / max(returned, 1), tp / max(relevant, 1))


def _prf_ratios(precision: float, recall: float) -> tuple[float, float, float]:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


# --- The 4-gram reference --------------------------------------------------------------------

_SKIP = {"script", "style", "noscript", "template", "head", "title", "svg", "iframe"}
_BLOCK = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
          "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
          "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"}
_WORDS = re.compile(r"[^\W_]+")


def visible_blocks(html: str) -> list[str]:
    """The page's visible text, one string per block element run, whitespace collapsed."""
    tree = trafilatura.load_html(html)
    parts: list[str] = []
    if tree is not None:
        _walk(tree, parts)
    return [block for block in (_flat(b) for b in "".join(parts).split("\n")) if block]


def _walk(element: Any, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag not in _SKIP and tag:
        block = tag in _BLOCK
        parts.append("\n" if block else "")
        parts.append(element.text or "")
        for child in element:
            _walk(child, parts)
        parts.append("\n" if block else "")
    parts.append(element.tail or "")


def reference_of(page: Page) -> Reference | None:
    """The page's marked stretch and window, when its marked text is contiguous (see above)."""
    blocks = visible_blocks(page.html)
    flat = " ".join(blocks)
    starts = [flat.find(_flat(passage)) for passage in page.with_]
    if not starts or min(starts) < 0:
        return None
    first = min(starts)
    last = max(start + len(_flat(page.with_[n])) for n, start in enumerate(starts))
    outside = [m.start() for passage in page.without if _flat(passage)
               for m in re.finditer(re.escape(_flat(passage)), flat)]
    if any(first <= position < last for position in outside):
        return None
    first, last = _whole_blocks(blocks, first, last)
    before = max((p for p in outside if p < first), default=0)
    after = min((p for p in outside if p >= last), default=len(flat))
    return Reference(_words(flat[first:last]), _words(flat[before:after]))


def _whole_blocks(blocks: list[str], first: int, last: int) -> tuple[int, int]:
    """Widen [first, last) of " ".join(blocks) to the blocks it touches."""
    start = 0
    for block in blocks:
        end = start + len(block)
        if start <= first <= end:
            first = start
        if start <= last <= end:
            return first, end
        start = end + 1
    return first, last


def _words(text: str) -> list[str]:
    return _WORDS.findall(unicodedata.normalize("NFKC", text).casefold())


def _shingles(words: list[str]) -> Counter[tuple[str, ...]]:
    return Counter(zip(words, words[1:], words[2:], words[3:], strict=False))


def shingle_counts(reference: Reference, text: str) -> tuple[int, int, int, int]:
    """(found, wanted, kept, given): recall's and precision's numerators and denominators."""
    marked, window = _shingles(reference.marked), _shingles(reference.window)
    whole = _shingles(_words(text))
    lines: Counter[tuple[str, ...]] = Counter()
    for line in text.split("\n"):
        lines.update(_shingles(_words(line)))
    found = sum((marked & whole).values())
    kept = sum((lines & window).values())
    return found, sum(marked.values()), kept, sum(lines.values())


# --- The extractions ---------------------------------------------------------------------------


@dataclass
class Run:
    """Scores and times of every extractor, and what each rule did."""

    scores: dict[str, Score] = field(default_factory=lambda: {n: Score() for n in EXTRACTORS})
    seconds: dict[str, list[float]] = field(default_factory=lambda: {n: [] for n in EXTRACTORS})
    with_rule: dict[str, Score] = field(default_factory=dict)
    without_rule: dict[str, Score] = field(default_factory=dict)
    titles: list[tuple[str, str]] = field(default_factory=list)
    headline_first: Counter[str] = field(default_factory=Counter)
    """Pages whose stored text starts with a line that is the stored title."""


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    start = time.process_time()
    result = function()
    return result, time.process_time() - start


def measure(page: Page, run: Run) -> None:
    default, t_default = timed(lambda: trafilatura.extract(page.html, url=page.url) or "")
    precise, t_precise = timed(lambda: trafilatura.extract(
        page.html, url=page.url, favor_precision=True, include_comments=False) or "")
    (before, draft), t_before = timed(lambda: extract_draft(page.html, page.url))
    article, t_tracker = timed(lambda: extract_article(page.html, page.url))
    texts = {"trafilatura default": default, "trafilatura precision": precise,
             "tracker before": _lines_only(before.text),
             "tracker": strip_volatile(normalise_text(article.text))}
    for name, seconds in zip(EXTRACTORS, (t_default, t_precise, t_before, t_tracker),
                             strict=True):
        run.scores[name].add(page, texts[name])
        run.seconds[name].append(seconds)
    for name, title in (("tracker before", before.title), ("tracker", article.title)):
        first = texts[name].partition("\n")[0]
        run.headline_first[name] += bool(title) and _words(first) == _words(title or "")
    if draft is not None:
        compare_rules(page, draft, texts["tracker"], run)


def _lines_only(text: str) -> str:
    """strip_volatile as it was before in-line phrases: whole volatile lines only."""
    return "\n".join(line for line in normalise_text(text).split("\n")
                     if not is_volatile_line(line))


def compare_rules(page: Page, draft: cleanup.Draft, stored: str, run: Run) -> None:
    """For each rule that changed this page: score it with every rule and with all but it."""
    for rule, changed in _fired(draft):
        name = rule.__name__.replace("_", " ")
        if rule is cleanup.site_name_out_of_title:
            run.titles.append((draft.title or "", changed.title or ""))
        others = [other for other in cleanup.RULES if other is not rule]
        without = strip_volatile(cleanup.tidy(draft, others).text)
        if without != stored:
            run.with_rule.setdefault(name, Score()).add(page, stored)
            run.without_rule.setdefault(name, Score()).add(page, without)
        else:
            run.with_rule.setdefault(name, Score())  # fired, but the stored text is the same
    lines_only = _lines_only(cleanup.tidy(draft).text)
    if lines_only != stored:
        run.with_rule.setdefault(INLINE_VOLATILE, Score()).add(page, stored)
        run.without_rule.setdefault(INLINE_VOLATILE, Score()).add(page, lines_only)


def _fired(draft: cleanup.Draft) -> Iterator[tuple[cleanup.Rule, cleanup.Draft]]:
    for rule in cleanup.RULES:
        changed = rule(draft)
        if changed != draft:
            yield rule, changed
        draft = changed


# --- Report --------------------------------------------------------------------------------------


def load(limit: int | None) -> list[Page]:
    pages = []
    with lzma.open(DEV_SET, "rt") as lines:
        for line in lines:
            record = json.loads(line)
            page = Page(record["url"], record["html"], record["with"], record["without"])
            page.reference = reference_of(page)
            pages.append(page)
            if limit and len(pages) >= limit:
                break
    return pages


def _row(name: str, score: Score) -> str:
    sp, sr, sf = score.snippets()
    gp, gr, gf = score.shingles()
    return (f"| {name} | {score.pages} | {sp:.3f} | {sr:.3f} | **{sf:.3f}** | "
            f"{score.shingle_pages} | {gp:.3f} | {gr:.3f} | **{gf:.3f}** |")


def report(run: Run, elapsed: float) -> None:
    print("| extractor | pages | snippet P | R | F1 | 4-gram pages | 4-gram P | R | F1 | "
          "ms/page mean | median |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in EXTRACTORS:
        times = run.seconds[name]
        print(f"{_row(name, run.scores[name])} {1000 * statistics.mean(times):.1f} | "
              f"{1000 * statistics.median(times):.1f} |")
    print("\nPer rule, on the pages where it changed the stored text (every rule / all but it):")
    print("| rule | pages | snippet F1 with | without | TP, FP with | without | 4-gram pages | "
          "4-gram F1 with | without |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, score in run.with_rule.items():
        other = run.without_rule.get(name, Score())
        print(f"| {name} | {score.pages} | {score.snippets()[2]:.3f} | {other.snippets()[2]:.3f} | "
              f"{score.tp}, {score.fp} | {other.tp}, {other.fp} | {score.shingle_pages} | "
              f"{score.shingles()[2]:.3f} | {other.shingles()[2]:.3f} |")
    pages = run.scores["tracker"].pages
    print("\nStored text that starts with its own title: " + ", ".join(
        f"{name} {count} pages ({count / max(pages, 1):.1%})"
        for name, count in run.headline_first.items()))
    print(f"site name out of title: {len(run.titles)} titles changed (its row above counts only "
          f"the pages where that changed the stored text); {elapsed:.0f} s in all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=None, help="only the first N pages")
    parser.add_argument("--titles", action="store_true", help="list the titles the rule changed")
    args = parser.parse_args()
    if not DEV_SET.exists():
        print(f"{DEV_SET} not found: this benchmark reads the extraction development set "
              "from ../shared beside the repository; skipped.")
        return
    print(f"machine: {machine(f'trafilatura {trafilatura.__version__}')}")
    started = time.perf_counter()
    pages = load(args.pages)
    run = Run()
    for page in pages:
        measure(page, run)
    report(run, time.perf_counter() - started)
    if args.titles:
        for old, new in run.titles:
            print(f"{old!r}\n    -> {new!r}")


if __name__ == "__main__":
    main()
