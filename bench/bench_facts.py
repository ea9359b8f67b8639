"""Fact-change tags and significance against a labelled set of edits (tests/data/fact_edits.txt).

Run: python -m bench.bench_facts [--cases PATH] [--show-misses] [--repeat N]

Each labelled pair (headline, byline and body of an old and a new version) goes through
tracker's one write path into a fresh SQLite database, as a story of two versions, so what is
measured is what tracker stores: a byline-only edit counts only if it becomes a version. It
prints, per tag, precision and recall against the labels; the Spearman correlation of the
stored significance (0 when no version was stored) with the labelled grade (trivial < moderate
< substantive); and the time to align and tag one diff (tracker.text.analysis.analyse alone),
median over the pairs of each pair's median of --repeat runs. The labels were written before
tracker was run on the pairs; see the head of the data file for what each tag means.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import machine
from tracker.db import queries
from tracker.db.engine import open_database
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.text import alignment, analysis, changes, facts, figures, typos

CASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "fact_edits.txt"
TAGS = ("number", "quote", "attribution", "minor", "negation", "headline", "byline")
GRADES = ("trivial", "moderate", "substantive")
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Version:
    title: str | None
    byline: str | None
    text: str


@dataclass
class Case:
    """One labelled pair of versions."""

    name: str
    tags: frozenset[str]
    grade: str
    lines: list[tuple[str, str]] = field(default_factory=list)

    def version(self, side: str) -> Version:
        """The old ("-") or the new ("+") version, from the case's lines."""
        fields: dict[str, str | None] = {"T": None, "B": None}
        body = []
        for kind, value in self.lines:
            mark = kind[-1]
            if mark not in ("=", side):
                continue
            if kind[0] in fields and len(kind) == 2:
                fields[kind[0]] = value
            elif len(kind) == 1:
                body.append(value)
        return Version(fields["T"], fields["B"], "\n".join(body))


def load_cases(path: Path = CASES) -> list[Case]:
    """Parse the labelled set (format at the head of the file)."""
    cases: list[Case] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("== "):
            name, tags, grade = (part.strip() for part in line[3:].split("|"))
            labels = frozenset(t.strip() for t in tags.split(",") if t.strip() not in ("-", ""))
            if grade not in GRADES or not labels <= set(TAGS):
                raise ValueError(f"{path}:{number}: bad labels {line!r}")
            cases.append(Case(name, labels, grade))
            continue
        kind, _, value = line.partition(" ")
        if kind not in ("-", "+", "=", "T-", "T+", "T=", "B-", "B+", "B=") or not cases:
            raise ValueError(f"{path}:{number}: cannot read {line!r}")
        cases[-1].lines.append((kind, value))
    return cases


@dataclass(frozen=True)
class Result:
    case: Case
    tags: frozenset[str]
    significance: float


def stored_results(cases: Sequence[Case]) -> Iterator[Result]:
    """Each case stored as a two-version story; the tags and score of the stored diff."""
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{folder}/facts.db")
        try:
            for case in cases:
                story = 0
                for offset, side in enumerate("-+"):
                    version = case.version(side)
                    story = store_candidate(db, Candidate(
                        f"https://bench.example/{case.name}",
                        Article(version.text, title=version.title, byline=version.byline),
                        Observation(T0 + timedelta(hours=offset)),
                    )).story_id
                versions = queries.list_versions(db, story)
                if len(versions) < 2:
                    yield Result(case, frozenset(), 0.0)
                else:
                    yield Result(case, frozenset(versions[1].tags),
                                 versions[1].significance or 0.0)
        finally:
            db.close()


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return result


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson correlation of the ranks (the tie-corrected Spearman rho)."""
    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sx = sum((a - mx) ** 2 for a in rx) ** 0.5
    sy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (sx * sy) if sx and sy else 0.0


def analysis_times(cases: Sequence[Case], repeat: int) -> list[float]:
    """Each pair's median time of analyse() (alignment and tagging), in seconds, cold: the
    per-sentence caches of tracker.text are emptied before each run, as a new diff's sentences
    are new to them (the word list stays loaded, as in a long-running process)."""
    caches = [item for module in (alignment, changes, facts, figures, typos)
              for item in vars(module).values() if hasattr(item, "cache_clear")
              and item is not typos._dictionary]
    medians = []
    for case in cases:
        old, new = case.version("-"), case.version("+")
        sides = (analysis.Side(old.text, old.title, old.byline),
                 analysis.Side(new.text, new.title, new.byline))
        analysis.analyse(*sides)  # first use builds the patterns and loads the word list
        times = []
        for _ in range(repeat):
            for cache in caches:
                cache.cache_clear()
            start = time.perf_counter()
            analysis.analyse(*sides)
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    return medians


def report(results: Sequence[Result], show_misses: bool) -> None:
    print(f"{'tag':12} {'labelled':>8} {'found':>6} {'precision':>9} {'recall':>7}")
    for tag in TAGS:
        labelled = sum(tag in r.case.tags for r in results)
        found = sum(tag in r.tags for r in results)
        hits = sum(tag in r.case.tags and tag in r.tags for r in results)
        precision = f"{hits / found:.2f}" if found else "-"
        recall = f"{hits / labelled:.2f}" if labelled else "-"
        print(f"{tag:12} {labelled:8} {found:6} {precision:>9} {recall:>7}")
    grades = [float(GRADES.index(r.case.grade)) for r in results]
    rho = spearman([r.significance for r in results], grades)
    print(f"\nSpearman correlation of significance with the graded judgements: {rho:.2f}")
    for grade in GRADES:
        scores = sorted(r.significance for r in results if r.case.grade == grade)
        if scores:
            print(f"  {grade:12} n={len(scores):3}  median score {statistics.median(scores):5.1f}"
                  f"  range {scores[0]:.1f}-{scores[-1]:.1f}")
    if show_misses:
        print("\nmisses (case: missed tags / invented tags, grade, score):")
        for r in results:
            wanted = set(r.case.tags) & set(TAGS)
            got = set(r.tags) & set(TAGS)
            if wanted != got:
                print(f"  {r.case.name}: -{sorted(wanted - got)} +{sorted(got - wanted)}"
                      f"  {r.case.grade} {r.significance:.1f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    cases = load_cases(args.cases)
    print(f"{len(cases)} labelled pairs from {args.cases.name}; {machine()}\n")
    report(list(stored_results(cases)), args.show_misses)
    times = sorted(analysis_times(cases, args.repeat))
    p90 = times[int(0.9 * (len(times) - 1))]
    print(f"\nalign and tag one diff: median {statistics.median(times) * 1000:.2f} ms, "
          f"p90 {p90 * 1000:.2f} ms, max {times[-1] * 1000:.2f} ms "
          f"(median of {args.repeat} runs per pair)")


if __name__ == "__main__":
    main()
