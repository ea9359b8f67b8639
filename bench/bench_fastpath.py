"""The extraction fast path against the full extraction on the development set, page by page.

For each page of ../shared/extraction-dev whose marked article text appears in its HTML (the
pages bench_snapshot.py serves), edited as bench_snapshot.py edits them: a full extraction of
edition 1 remembers the region (tracker.sources.regions); edition 2 is then extracted through the
fast path and in full, and the two extractions (text, title, byline, dates, canonical URL) are
compared. Prints how many pages took the fast path ("fast": the remembered region; "fast:
metadata": the whole page's text, the metadata from remembered sources), how many of those gave
exactly the full extraction and how many read their metadata from remembered sources
(tracker.sources.metasources), how many fell back and why, how many had nothing to remember,
and the CPU time of both paths on the pages that took each kind of fast one (`process_time`,
medians and means). Beside them, on every page, two peers that set the scale: urlwatch's
`html2text` filter as bench_snapshot.py runs it (no method given, so urlwatch's `re` method: a
regular expression strips the tags, then blank lines go) and lxml's parse of the page alone,
the least any extraction from the page's tree costs.

Usage: `python -m bench.bench_fastpath [--every N]` (every N-th page; default all).
"""

import argparse
import json
import lzma
import os
import platform
import re
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import lxml.html

from tracker.sources import regions
from tracker.sources.extract import Extracted, extract_article, extract_remembering

DEV_SET = (Path(__file__).resolve().parent.parent.parent
           / "shared/extraction-dev/trafilatura-eval.jsonl.xz")


def pages(every: int) -> Iterator[tuple[str, str, str]]:
    with lzma.open(DEV_SET, "rt") as lines:
        for number, line in enumerate(lines):
            if number % every == 0:
                record = json.loads(line)
                passage = next((text for text in record["with"]
                                if len(text) > 20 and text in record["html"]), None)
                if passage:
                    yield record["url"], record["html"], passage


def full(html: str, url: str) -> tuple[Extracted, float]:
    started = time.process_time()
    return extract_article(html, url), (time.process_time() - started) * 1000


def fast(html: str, url: str, hint: str) -> tuple[Extracted, str | None, float]:
    started = time.process_time()
    found, next_hint = extract_remembering(html, url, hint)
    return found, next_hint, (time.process_time() - started) * 1000


def peers(html: str) -> tuple[float, float]:
    """CPU ms of urlwatch's default `html2text` filter and of lxml's parse, on one page."""
    started = time.process_time()
    stripped = re.sub(r"<[^>]*>", "", html)
    "\n".join(line.rstrip() for line in stripped.splitlines() if line.strip())
    tags_stripped = time.process_time()
    lxml.html.document_fromstring(html.encode())
    return (tags_stripped - started) * 1000, (time.process_time() - tags_stripped) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=1)
    args = parser.parse_args()
    outcomes: Counter[str] = Counter()
    times: dict[str, list[tuple[float, float]]] = {}
    different: list[str] = []
    peer_times: list[tuple[float, float]] = []
    for url, html, passage in pages(args.every):
        peer_times.append(peers(html))
        before, _, after = html.rpartition(passage)
        _, hint = extract_remembering(f"{before}{passage} 1{after}", url, None)
        if hint is None:
            outcomes["nothing remembered (full path)"] += 1
            continue
        edited = f"{before}{passage} 2{after}"
        found, next_hint, fast_time = fast(edited, url, hint)
        full_found, full_time = full(edited, url)
        loaded = regions.loads(next_hint)
        path = loaded.last if loaded else "full, region lost"
        if not path.startswith("fast"):
            outcomes[path] += 1
            continue
        outcomes[f"{path}, {'identical' if found == full_found else 'DIFFERENT'}"] += 1
        if loaded is not None and loaded.sources:
            outcomes[f"  {path}: metadata from remembered sources"] += 1
        times.setdefault(path, []).append((fast_time, full_time))
        if found != full_found:
            different.append(url)
    total = sum(count for name, count in outcomes.items() if not name.startswith(" "))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {total} dev-set pages, each edited once")
    for name, count in outcomes.most_common():
        print(f"  {name:<45} {count:5d}")
    for path, pairs in times.items():
        fast_ms, full_ms = [pair[0] for pair in pairs], [pair[1] for pair in pairs]
        print(f"  on the {len(pairs)} \"{path}\" pages, CPU ms a page: fast median "
              f"{statistics.median(fast_ms):.1f} mean {statistics.fmean(fast_ms):.1f}; full "
              f"median {statistics.median(full_ms):.1f} mean {statistics.fmean(full_ms):.1f}")
    strip_ms, parse_ms = [pair[0] for pair in peer_times], [pair[1] for pair in peer_times]
    print(f"  peers on all {len(peer_times)} pages, CPU ms a page: urlwatch's html2text filter "
          f"(method re) median {statistics.median(strip_ms):.2f} mean "
          f"{statistics.fmean(strip_ms):.2f}; lxml parse alone median "
          f"{statistics.median(parse_ms):.2f} mean {statistics.fmean(parse_ms):.2f}")
    for url in different:
        print("  different:", url)


if __name__ == "__main__":
    main()
