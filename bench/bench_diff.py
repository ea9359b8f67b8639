"""How fast and how fine tracker's diff is, against plain diff-match-patch in the same process.

Run: python -m bench.bench_diff [--repeat N]

For a 4.7 KB and a 200 KB breaking-story rewrite it prints, per method, the median time and
the granularity of the result (number of changed pieces and the size of the largest one; a
diff that gave up shows few, huge pieces). Methods: character-mode diff-match-patch with its
default 1 s timeout (what peers use), tracker with the reference engine, tracker with the C++
engine when installed.
"""

import argparse
import random
import statistics
import string
import time
from collections.abc import Callable

from diff_match_patch import diff_match_patch

from bench.common import machine
from tracker.text import diffing

Ops = diffing.Ops


def story(rng: random.Random, size: int) -> tuple[str, str]:
    """An article of about `size` characters and a heavy rewrite of it, as breaking stories
    get: most paragraphs have several words changed, inserted or dropped, one paragraph moves,
    one is dropped and two are added."""
    vocabulary = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 10)))
                  for _ in range(4000)]
    paragraphs: list[str] = []
    while sum(map(len, paragraphs)) < size:
        paragraphs.append(" ".join(rng.choices(vocabulary, k=rng.randint(25, 80))) + ".")
    new = []
    for paragraph in paragraphs:
        words = paragraph.split(" ")
        for _ in range(rng.randint(0, 8)):
            where = rng.randrange(len(words))
            edit = rng.random()
            if edit < 0.5:
                words[where] = rng.choice(vocabulary)
            elif edit < 0.8:
                words.insert(where, rng.choice(vocabulary))
            elif len(words) > 5:
                del words[where]
        new.append(" ".join(words))
    new.insert(len(new) // 4, new.pop(3 * len(new) // 4))
    del new[len(new) // 2]
    new.insert(1, "The Pentagon said more than a dozen missiles were launched.")
    new.append("This is a breaking story and will be updated.")
    return "\n".join(paragraphs), "\n".join(new)


def char_mode(old: str, new: str) -> Ops:
    dmp = diff_match_patch()
    ops = dmp.diff_main(old, new)
    dmp.diff_cleanupSemantic(ops)
    return list(ops)


def granularity(ops: Ops) -> tuple[int, int]:
    pieces = [text for op, text in ops if op != diffing.EQUAL]
    return len(pieces), max(map(len, pieces), default=0)


def measure(
    method: Callable[[str, str], Ops], old: str, new: str, repeat: int
) -> tuple[float, Ops]:
    times, ops = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        ops = method(old, new)
        times.append(time.perf_counter() - start)
    return statistics.median(times), ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    methods: dict[str, Callable[[str, str], Ops]] = {
        "dmp char mode, 1 s timeout": char_mode,
        "tracker, reference engine": lambda a, b: diffing.diff_texts(a, b, engine="reference",
                                                                    timeout=30),
    }
    if diffing._HAVE_FAST:
        methods["tracker, fast engine"] = lambda a, b: diffing.diff_texts(a, b, engine="fast",
                                                                         timeout=30)
    rng = random.Random(2020)
    for size in (4_700, 200_000):
        old, new = story(rng, size)
        print(f"\n{len(old) / 1000:.1f} KB rewrite (median of {args.repeat})")
        print(f"  {'method':30} {'median ms':>10} {'pieces':>7} {'largest':>8}")
        baseline = None
        for name, method in methods.items():
            repeat = 1 if name.startswith("dmp") and size > 10_000 else args.repeat
            seconds, ops = measure(method, old, new, repeat)
            pieces, largest = granularity(ops)
            baseline = baseline or seconds
            print(f"  {name:30} {seconds * 1000:10.1f} {pieces:7} {largest:8}"
                  f"   ({baseline / seconds:.1f}x vs char mode)")


if __name__ == "__main__":
    main()
