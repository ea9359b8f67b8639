"""Ingest, analysis and search at scale: N generated versions through tracker's one write path.

Run: python -m bench.bench_search [--versions N] [--db URL [--db URL]] [--queries Q] [--bulk]
     [--optimize]

Generates --versions versions (default 1,000,000, about 200,000 stories of 1-9 versions) of
article-like text with the edits breaking stories get (paragraphs added, figures changed,
quotes and sources added, sentences dropped, typos made and fixed, headlines rewritten), and
stores each through `store_candidate`, one transaction per version as in real use; with
--bulk, through bench/searchdb.py's bulk load instead (the same rows and index without the
analysis, several times faster, into every --db in one pass). One story in RARE_EVERY
carries a word found nowhere else, so that rare words are truly rare (in the handful of
versions of one story). It prints:

- ingest: versions per second and the total time;
- database size per version (SQLite: the file after a WAL checkpoint; PostgreSQL: the database);
- the time to align and tag one diff (tracker.analysis.analyse alone), median and p99;
- search latency (tracker.search.search, 50 results), median and p99, for words in most texts,
  in about 1% of them, in a handful and in none, for frequent phrases, phrases of two content
  words (mostly rare or absent as a phrase though each word is common) and a prefix, over
  everything and over added text only, with the number of results; as a peer in the same
  process, a LIKE scan of the added text;
- with --optimize, the time `tracker db optimize` took (and on SQLite the full-text segments
  before and after), before the searches;
- the plans of the search statements (EXPLAIN ANALYZE with buffers on PostgreSQL, EXPLAIN QUERY
  PLAN on SQLite), asked in the search's own transaction, for a common, a rare and an absent
  word, two phrases and a prefix.
"""

import argparse
import copy
import functools
import gc
import itertools
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from bench import searchdb
from tracker.db.engine import Database, open_database
from tracker.db.models import Source
from tracker.search import Field, SearchFilter, search
from tracker.search.optimize import optimize
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.text import analysis

FUNCTION_WORDS = [
    "the", "of", "and", "to", "in", "a", "that", "for", "on", "with", "as", "was", "at", "by",
    "from", "it", "has", "have", "were", "is", "said", "after", "its", "their", "more", "than",
    "about", "over", "into", "who", "also", "had", "been", "they", "not", "but", "which",
]
SOURCES = ["officials said", "the ministry said", "police said", "a spokesperson said",
           "according to a senior official", "according to local media", "witnesses said"]
QUALIFIERS = ["at least", "more than", "about", "nearly", "up to", ""]
T0 = datetime(2024, 1, 1, tzinfo=UTC)
RARE_EVERY = 997
"""One story in this many gets a rare word of its own."""


class Corpus:
    """A Zipf-distributed vocabulary of pronounceable words and capitalised names."""

    def __init__(self, rng: random.Random, size: int = 20_000) -> None:
        syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"] + ["an", "er", "in"]
        words = {"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(size * 2)}
        self.words = sorted(words)[:size]
        rng.shuffle(self.words)
        self.cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(size)))
        self.names = [w.capitalize() for w in self.words[500:1500]]
        self.rng = rng
        # The syllables never make an x or a j: these words occur only where put.
        self.rare = [f"x{word}" for word in self.words[:2000]]
        self.absent = [f"j{word}" for word in self.words[:2000]]

    def for_story(self, story: int) -> "Corpus":
        """The same vocabulary with a generator of its own for story number `story`."""
        made = copy.copy(self)
        made.rng = random.Random(f"{SEED}:{story}")
        return made

    def word(self) -> str:
        return self.words_of(1)[0]

    def words_of(self, count: int) -> list[str]:
        """Content words in Zipf proportions, about a third of them function words."""
        rng = self.rng
        drawn = rng.choices(self.words, cum_weights=self.cumulative, k=count)
        return [rng.choice(FUNCTION_WORDS) if rng.random() < 0.35 else w for w in drawn]

    def sentence(self) -> str:
        rng = self.rng
        words = self.words_of(rng.randint(10, 26))
        if rng.random() < 0.4:
            figure = f"{rng.choice(QUALIFIERS)} {rng.randint(2, 900)}".lstrip()
            words.insert(rng.randrange(len(words)), figure)
        body = " ".join(w for w in words if w).capitalize()
        if rng.random() < 0.3:
            return f"{body}, {rng.choice(SOURCES)}."
        if rng.random() < 0.15:
            return f"“{body},” {rng.choice(self.names)} {rng.choice(self.names)} said."
        return body + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(1, 4)))


def edit(corpus: Corpus, paragraphs: list[str], title: str) -> tuple[list[str], str]:
    """One new version: one to three edits of the kinds breaking stories get."""
    rng = corpus.rng
    paragraphs = list(paragraphs)
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        where = rng.randrange(len(paragraphs))
        if kind < 0.35:
            paragraphs.insert(rng.randint(1, len(paragraphs)), corpus.paragraph())
        elif kind < 0.5:
            paragraphs[where] = _change_number(rng, paragraphs[where])
        elif kind < 0.65:
            words = paragraphs[where].split(" ")
            words[rng.randrange(len(words))] = corpus.word()
            paragraphs[where] = " ".join(words)
        elif kind < 0.75:
            paragraphs[where] = _typo(rng, paragraphs[where])
        elif kind < 0.85 and len(paragraphs) > 3:
            del paragraphs[where]
        elif kind < 0.93:
            quote = f"“{corpus.sentence()[:-1]},” {rng.choice(corpus.names)} said."
            paragraphs.insert(where + 1, quote)
        else:
            title = corpus.sentence()[:80].rstrip(" .,")
    return paragraphs, title


def _change_number(rng: random.Random, paragraph: str) -> str:
    digits = [i for i, word in enumerate(paragraph.split(" ")) if word.isdigit()]
    words = paragraph.split(" ")
    if digits:
        words[rng.choice(digits)] = str(rng.randint(2, 900))
    else:
        figure = f"{rng.choice(QUALIFIERS[:-1])} {rng.randint(2, 90)}"
        words.insert(rng.randrange(len(words)), figure)
    return " ".join(words)


def _typo(rng: random.Random, paragraph: str) -> str:
    words = paragraph.split(" ")
    at = rng.randrange(len(words))
    word = words[at]
    if len(word) > 4 and word.isalpha():
        i = rng.randrange(1, len(word) - 2)
        words[at] = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return " ".join(words)


SEED = 2020
"""The corpus's seed; each story's text comes from a generator seeded with it and the story's
number, so that stories can be made in any order, in any process, and come out the same."""


def story_plan(versions: int) -> Iterator[tuple[int, int]]:
    """(story number, its number of versions): stories of 1-9 versions (5 on average) until
    `versions` versions are planned."""
    rng = random.Random(SEED)
    made = story = 0
    while made < versions:
        story += 1
        count = min(rng.randint(1, 9), versions - made)
        made += count
        yield story, count


def story_candidates(story: int, versions: int) -> list[Candidate]:
    """The successive versions of generated story number `story`."""
    corpus = _corpus().for_story(story)
    rng = corpus.rng
    url = f"https://site{story % 40}.example.com/news/{story}"
    paragraphs = [corpus.paragraph() for _ in range(rng.randint(4, 12))]
    if story % RARE_EVERY == 0:
        rare = corpus.rare[story // RARE_EVERY % len(corpus.rare)].capitalize()
        paragraphs[0] = f"{paragraphs[0]} {rare} {rng.choice(SOURCES)}."
    title = corpus.sentence()[:80].rstrip(" .,")
    seen = T0 + timedelta(minutes=story)
    made = []
    for _ in range(versions):
        made.append(Candidate(url, Article("\n".join(paragraphs), title=title),
                              Observation(seen, Source.IMPORT)))
        paragraphs, title = edit(corpus, paragraphs, title)
        seen += timedelta(minutes=rng.randint(5, 90))
    return made


def candidates(versions: int) -> Iterator[Candidate]:
    """Every version of the stories of story_plan(versions), story after story."""
    for story, count in story_plan(versions):
        yield from story_candidates(story, count)


@functools.cache
def _corpus() -> Corpus:
    """The vocabulary, made once per process (about 0.2 s)."""
    return Corpus(random.Random(SEED))


def ingest(db: Database, versions: int) -> tuple[float, list[tuple[str, str]]]:
    """Store every generated version; returns the time taken and some consecutive pairs."""
    pairs: list[tuple[str, str]] = []
    previous: Candidate | None = None
    spent = 0.0  # in store_candidate only: generating the text is not ingesting it
    for done, candidate in enumerate(candidates(versions), 1):
        start = time.perf_counter()
        store_candidate(db, candidate)
        spent += time.perf_counter() - start
        if previous and previous.url == candidate.url and len(pairs) < 2000:
            pairs.append((previous.article.text, candidate.article.text))
        previous = candidate
        if done % 10_000 == 0:
            print(f"  ... {done:,} versions, {done / spent:,.0f}/s", file=sys.stderr)
    return spent, pairs


def quantiles(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered) * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms"


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def analyse_tables(db: Database) -> None:
    """Planner statistics, as autovacuum would gather them after a bulk load: without them
    PostgreSQL estimates every text search at 0.5 % of rows and picks plans accordingly."""
    if not db.is_sqlite:
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE stories, versions, diffs, versions_fts, diffs_fts"))
            connection.commit()


def database_size(db: Database) -> int:
    """The SQLite file; on PostgreSQL, the tables and indexes of the schema searched (the
    database may hold others)."""
    with db.engine.connect() as connection:
        if db.is_sqlite:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            path = db.url.split("///", 1)[1]
            return os.path.getsize(path)
        return sum(postgres_sizes(db).values())


def postgres_sizes(db: Database) -> dict[str, int]:
    """Bytes of each table of the schema, with its indexes and TOAST."""
    with db.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'")).all()
    return {name: int(size) for name, size in rows}


def sqlite_breakdown(db: Database) -> str:
    """Where the bytes go: version text, diffs (with the analysis JSON), the full-text indexes."""
    labels = {"versions": "versions", "diffs": "diffs (delta, analysis, added/removed text)"}
    sizes: dict[str, int] = {}
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")
        for name, size in rows:
            label = "full-text indexes" if "_fts" in name else labels.get(name, "the rest")
            sizes[label] = sizes.get(label, 0) + size
    total = sum(sizes.values())
    return ", ".join(f"{label} {size / total:.0%}" for label, size in sizes.items())


def machine() -> str:
    cpu = platform.processor() or "?"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}{load}")


def bench_analysis(pairs: list[tuple[str, str]]) -> list[float]:
    times = []
    for old, new in pairs:
        start = time.perf_counter()
        analysis.analyse(analysis.Side(old), analysis.Side(new))
        times.append(time.perf_counter() - start)
    return times


def search_cases(corpus: Corpus, stories: int) -> dict[str, list[str]]:
    """Queries by kind; rare words are those of stories that exist."""
    rare = [corpus.rare[n % len(corpus.rare)] for n in range(1, stories // RARE_EVERY + 1)]
    return {
        "word in most texts": corpus.words[5:60],
        "word in ~1% of texts": corpus.words[3000:6000],
        "rare word (one story)": rare or corpus.rare[:1],
        "absent word": corpus.absent,
        "frequent phrase": [f'"{source}"' for source in SOURCES],
        "phrase of two words": [f'"{" ".join(corpus.sentence().split(" ")[2:4])}"'
                                for _ in range(200)],
        "rare phrase": [f'"{word} {source.split()[0]}"' for word in rare[:50]
                        for source in SOURCES[:2]] or ['"xa officials"'],
        "prefix of a word": [f"{word[:4]}*" for word in corpus.words[100:150]],
    }


def bench_search(db: Database, corpus: Corpus, queries: int, stories: int) -> None:
    rng = random.Random(7)
    everything, added = SearchFilter(), SearchFilter(fields=(Field.ADDED,))
    cases = search_cases(corpus, stories)
    for label, choices in cases.items():
        for where, scope in ((everything, "all fields"), (added, "--added")):
            times, cpu, counts = measure(db, [rng.choice(choices) for _ in range(queries)],
                                         where)
            print(f"  {label + ', ' + scope:36} {quantiles(times)}   "
                  f"cpu median {statistics.median(cpu) * 1000:6.2f} ms   "
                  f"results median {statistics.median(counts):.0f}")
    common = cases["word in most texts"]
    rare = cases["rare word (one story)"]

    def like() -> None:
        with db.reading() as session:
            for words in (common, rare):
                session.execute(text("SELECT id FROM diffs WHERE added_text LIKE :p LIMIT 50"),
                                {"p": f"%{rng.choice(words)}%"}).all()

    print(f"  {'peer: LIKE scan, common+rare':36} {quantiles(timed(like, max(5, queries // 10)))}")


def measure(
    db: Database, queries: list[str], where: SearchFilter
) -> tuple[list[float], list[float], list[int]]:
    """The wall time and this process's CPU time of each search, after one to warm the
    cache, and the number of results. The CPU time is the client's share (Python, the
    driver, snippets), which a loaded machine inflates less than the wall time."""
    search(db, queries[0], where)
    times, cpu, counts = [], [], []
    for query in queries:
        start, start_cpu = time.perf_counter(), time.process_time()
        counts.append(len(search(db, query, where)))
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return times, cpu, counts


def plans_of(db: Database, query: str) -> list[tuple[str, list[str]]]:
    """Each statement one search runs, with its plan. The plan is asked on the search's own
    connection right after the statement, in its transaction: a new connection would plan
    without the search's settings (PostgreSQL's enable_seqscan = off) and without SQLite's
    temp vocabulary tables."""
    found: list[tuple[str, list[str]]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            found.append((statement, explain(db, cursor.connection, statement, parameters)))

    event.listen(db.engine, "after_cursor_execute", keep)
    try:
        search(db, query)
    finally:
        event.remove(db.engine, "after_cursor_execute", keep)
    return found


def print_plans(db: Database, corpus: Corpus, stories: int) -> None:
    """The plan of every statement one search runs, for a few kinds of query, the full-text
    statements in full; on PostgreSQL a line of the server's share of the search."""
    cases = search_cases(corpus, stories)
    for label in ("word in most texts", "rare word (one story)", "absent word",
                  "frequent phrase", "phrase of two words", "prefix of a word"):
        query = cases[label][0]
        print(f"plans of `tracker search {query}` ({label}):")
        found = plans_of(db, query)
        for statement, plan in found:
            print("  " + " ".join(statement.split())[:160])
            for line in plan if "_fts" in statement else plan[:1]:
                print(f"      {line}")
        if not db.is_sqlite:
            print(f"  server: {server_share(found)}")


def server_share(found: list[tuple[str, list[str]]]) -> str:
    """What EXPLAIN ANALYZE says the statements of one search cost the server: planning and
    execution time, and the shared buffers of the plans' top nodes, found in memory and
    read."""
    def total(pattern: str, lines: Callable[[list[str]], list[str]]) -> float:
        return sum(float(number) for _, plan in found for line in lines(plan)
                   for number in re.findall(pattern, line))

    def top(plan: list[str]) -> list[str]:
        return plan[1:2] if len(plan) > 1 and plan[1].startswith("  Buffers:") else []

    planning = total(r"^Planning Time: ([\d.]+)", list)
    execution = total(r"^Execution Time: ([\d.]+)", list)
    hit, read = total(r" hit=(\d+)", top), total(r" read=(\d+)", top)
    return (f"{len(found)} statements, planning {planning:.2f} ms, execution "
            f"{execution:.2f} ms, buffers hit {hit:.0f} read {read:.0f}")


def explain(db: Database, connection: Any, statement: str, parameters: Any) -> list[str]:
    """The plan of a statement on this driver connection (EXPLAIN ANALYZE with its buffers on
    PostgreSQL, EXPLAIN QUERY PLAN on SQLite)."""
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    cursor = connection.cursor()
    cursor.execute(prefix + statement, parameters)
    return [str(row[-1]) for row in cursor.fetchall()]


def report_search(db: Database, corpus: Corpus, queries: int) -> None:
    """Search latency and plans. What the process holds so far (after --bulk, the load's heap)
    is collected once and frozen first: a full collection walks every object, and one landing
    in a search (23-46 ms measured with gc.callbacks) decided a p99 of 100 searches."""
    gc.collect()
    gc.freeze()
    with db.reading() as session:
        stories = session.execute(text("SELECT max(id) FROM stories")).scalar_one()
    print(f"search ({queries} queries per case, 50 results max):")
    bench_search(db, corpus, queries, stories)
    print_plans(db, corpus, stories)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--db", action="append",
                        help="database URL, again for more (--bulk fills them all in one pass) "
                             "[default: a new SQLite file in a temp dir]")
    parser.add_argument("--queries", type=int, default=200, help="searches per case")
    parser.add_argument("--search-only", action="store_true",
                        help="measure search again on the --db a previous run filled")
    parser.add_argument("--bulk", action="store_true",
                        help="load with bench/searchdb.py instead of the write path")
    parser.add_argument("--optimize", action="store_true",
                        help="run `tracker db optimize` on each --db before searching")
    args = parser.parse_args()
    if args.search_only and not args.db:
        parser.error("--search-only needs --db")
    if len(args.db or ()) > 1 and not (args.bulk or args.search_only):
        parser.error("several --db need --bulk")
    print(f"machine: {machine()}")
    if args.search_only:
        for url in args.db:
            db = open_database(url)
            if args.optimize:
                report_optimize(db)
            analyse_tables(db)
            report_search(db, _corpus(), args.queries)
        return
    with tempfile.TemporaryDirectory() as tmp:
        dbs = [open_database(url) for url in args.db or [f"sqlite:///{Path(tmp) / 'bench.db'}"]]
        pairs: list[tuple[str, str]] = []
        if args.bulk:
            seconds = searchdb.load(dbs, story_plan(args.versions), story_candidates)
        else:
            seconds, pairs = ingest(dbs[0], args.versions)
        how = "bulk load (searchdb.py)" if args.bulk else "ingest"
        print(f"{how}: {args.versions:,} planned versions into {len(dbs)} database(s) in "
              f"{seconds:,.1f} s = {args.versions / seconds:,.0f} versions/s "
              f"({seconds / args.versions * 1000:.2f} ms each)")
        if pairs:
            print(f"align and tag one diff ({len(pairs)} diffs): "
                  f"{quantiles(bench_analysis(pairs))}")
        for db in dbs:
            report_database(db, args.versions)
            if args.optimize:
                report_optimize(db)
            report_search(db, _corpus(), args.queries)
            db.close()
        print(f"machine at the end: {machine()}")


def report_optimize(db: Database) -> None:
    """`tracker db optimize`: its time and, on SQLite, the segments of each index."""
    report = optimize(db)
    print(f"optimize: {report.seconds:.1f} s; " + ", ".join(
        f"{table.table} {table.segments_before} -> {table.segments_after} segments in "
        f"{table.steps} transactions" if table.segments_before is not None
        else f"{table.table} vacuumed" for table in report.tables))


def report_database(db: Database, planned: int) -> None:
    """What the database holds, and its size per version."""
    with db.engine.connect() as connection:
        server = connection.dialect.server_version_info
    print(f"database: {db.engine.url.render_as_string(hide_password=True)}, "
          f"{db.engine.dialect.name} {'.'.join(map(str, server or ()))}")
    analyse_tables(db)
    with db.reading() as session:
        stories, versions, diffs = session.execute(text(
            "SELECT (SELECT count(*) FROM stories), (SELECT count(*) FROM versions), "
            "(SELECT count(*) FROM diffs)")).one()
    print(f"  {versions:,} versions ({planned - versions:,} of the planned unchanged) of "
          f"{stories:,} stories, {diffs:,} diffs")
    size = database_size(db)
    print(f"  size: {size / 2**20:,.1f} MiB = {size / versions / 1024:.2f} KiB per version")
    if db.is_sqlite:
        print(f"  of which: {sqlite_breakdown(db)}")
    else:
        sizes = postgres_sizes(db)
        print("  of which: " + ", ".join(f"{name} {bytes_ / size:.0%}" for name, bytes_
                                          in sorted(sizes.items(), key=lambda kv: -kv[1])
                                          if bytes_ / size >= 0.01))


if __name__ == "__main__":
    main()
