"""How long each export format takes, against reading the same history from the database.

Run: python -m bench.bench_export [--repeat N]

On a temporary SQLite file holding the sample story (8 versions, 4.7 KB) and a 200 KB story
with 10 versions, it prints the median time to read each story's history (load_history: the
versions, stored diffs and analyses) and to render it in each per-story format, with the ratio
of each format to the read; then the time of an Atom feed of the 100 newest versions and of a
JSON document of every story (reading included).
"""

import argparse
import random
import statistics
import string
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from bench.common import machine
from tracker.db.engine import Database, open_database
from tracker.export import Format, render_combined, render_story
from tracker.export.history import Selection, load_history
from tracker.sources.importer import import_paths, seeds_dir
from tracker.store.write import Article, Candidate, Observation, store_candidate

PER_STORY = (Format.HTML, Format.MARKDOWN, Format.JSON, Format.PATCH)


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def store_big_story(db: Database, rng: random.Random) -> int:
    """About 200 KB of paragraphs, then 9 versions each changing a few words here and there."""
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(3000)]
    paragraphs = [" ".join(rng.choices(words, k=rng.randint(25, 70))) + "." for _ in range(450)]
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    result = None
    for n in range(10):
        for _ in range(5):
            where = rng.randrange(len(paragraphs))
            paragraphs[where] = paragraphs[where].replace(" ", f" {rng.choice(words)} ", 1)
        result = store_candidate(db, Candidate(
            "https://bench.example/big",
            Article("\n".join(paragraphs), title=f"Big story, take {n}"),
            Observation(t0 + timedelta(minutes=10 * n))))
    assert result is not None
    return result.story_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{Path(folder) / 'bench.db'}")
        import_paths(db, [seeds_dir()])
        big = store_big_story(db, random.Random(2020))
        for name, story_id in (("sample story, 8 versions", 1), ("200 KB story, 10 versions", big)):
            read = median_ms(partial(load_history, db, story_id), args.repeat)
            history = load_history(db, story_id)
            print(f"\n{name} (median of {args.repeat})\n  {'read history':14} {read:8.1f} ms")
            for fmt in PER_STORY:
                ms = median_ms(partial(render_story, history, fmt), args.repeat)
                size = len(render_story(history, fmt).encode()) / 1000
                print(f"  {fmt.value:14} {ms:8.1f} ms  {size:8.1f} KB  ({ms / read:.2f}x the read)")
        print("\nevery story, reading included")
        for fmt in (Format.ATOM, Format.JSON):
            ms = median_ms(partial(render_combined, db, Selection(), fmt), args.repeat)
            print(f"  {fmt.value:14} {ms:8.1f} ms")
        db.close()


if __name__ == "__main__":
    main()
