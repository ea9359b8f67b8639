"""Page times benchmark: what reading a page's declared times costs, against extracting it.

Pages: the first N (default 300) of ../shared/extraction-dev, as bench_extract.py reads them.
For every page, in the same run and interleaved so that load on the machine falls on both:

    extract      tracker.sources.extract.extract_article: the whole extraction (the peer)
    page times   tracker.sources.timestamps.page_times: JSON-LD, meta tags and the visible
                 "Updated ..." line, which extraction calls once per changed page

It prints the machine, the median and mean of each, page times as a share of extraction, and
how many pages declared a modification time, by which sources and with how many agreeing.

Usage: `python -m bench.bench_page_times [--pages N]`.
"""

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Callable
from functools import partial

from bench.bench_extract import load
from bench.common import machine
from tracker.sources.extract import extract_article
from tracker.sources.timestamps import page_times


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    args = parser.parse_args()
    pages = load(args.pages)
    extract_ms, times_ms, sources = [], [], Counter[str]()
    for page in pages:
        extract_ms.append(timed(partial(extract_article, page.html, page.url)))
        times_ms.append(timed(partial(page_times, page.html)))
        sources[" + ".join(page_times(page.html).modified_by) or "none"] += 1
    print(f"machine: {machine()}")
    print(f"{len(pages)} pages")
    print("| step | median ms | mean ms |")
    print("| --- | --- | --- |")
    for name, values in (("extract", extract_ms), ("page times", times_ms)):
        print(f"| {name} | {statistics.median(values):.2f} | {statistics.mean(values):.2f} |")
    share = statistics.median(times_ms) / statistics.median(extract_ms)
    print(f"page times / extract, medians: {share:.1%}")
    print("declared modification time, by source:",
          ", ".join(f"{name} {count}" for name, count in sources.most_common()))


if __name__ == "__main__":
    main()
