"""Snapshot benchmark: 1,000 news pages from a loopback server, tracker and urlwatch side by side.

Runs, each timed as a whole command (`python -m tracker snapshot --all`, `urlwatch`) with the peak
memory of all its processes together (the sum of their PSS, so pages shared between the forked
extraction workers count once; RSS sums are printed too):

    changed     every page's article changed since the last run (one word per page); the
                fast path's hit rate and fallbacks are read from the stories' extraction hints
    304         nothing changed, the server answers If-None-Match with 304
    identical   nothing changed, the server sends the same bytes again (no ETag)
    ... closing the unchanged runs again, the server closing every connection (Connection:
                close, as many origins do): each request is a new connection

and a replay (`--replay-stories`, default 200, over `--ticks` 6): every page edited at each tick,
one `tracker snapshot --all` a tick through the CLI, against a bare loop in one process: fetch
every page (32 threads, httpx), `trafilatura.extract` each in a process pool of one process per
core, hash the text and compare it with the last one.

Pages are the real pages of the extraction development set (../shared/extraction-dev, news sites,
blogs, magazines; not copied into the project), those whose marked article text can be found in
the HTML, repeated to the count asked for; each edition changes one word of each article.

Usage: `python bench/bench_snapshot.py [--pages 1000] [--no-urlwatch] [--replay-stories 200]`.
"""

import argparse
import hashlib
import json
import lzma
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import Process, Value
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DEV_SET = (Path(__file__).resolve().parent.parent.parent
           / "shared/extraction-dev/trafilatura-eval.jsonl.xz")


def load_pages(count: int) -> list[tuple[str, str]]:
    """(html, passage) for `count` real pages: the dev set's pages whose first marked main-text
    passage appears verbatim in the HTML, so each edition can edit the article itself."""
    if not DEV_SET.exists():
        raise SystemExit(f"{DEV_SET} not found: the benchmark serves the extraction dev set")
    usable = []
    with lzma.open(DEV_SET, "rt") as lines:
        for line in lines:
            page = json.loads(line)
            passage = next((text for text in page["with"] if len(text) > 20
                            and text in page["html"]), None)
            if passage:
                usable.append((page["html"], passage))
    return [usable[n % len(usable)] for n in range(count)]


def render(page: tuple[str, str], edition: int) -> bytes:
    """The page with one word of its article text following the edition.

    The passage's last occurrence is the one edited: an earlier one is often in the <head>
    (a description meta tag), which changes the page but not its article.
    """
    html, passage = page
    before, _, after = html.rpartition(passage)
    return f"{before}{passage} {edition}{after}".encode()


def serve(port: "Synchronized[int]", edition: "Synchronized[int]", etags: "Synchronized[int]",
          close: "Synchronized[int]",
          count: int) -> None:
    """The site, in its own process: /story/N at the current edition; with `close` set, every
    answer says `Connection: close` and the server closes the connection, as many origins and
    CDNs do for clients they do not know."""
    pages = load_pages(count)
    cache: dict[tuple[int, int], bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls

        def do_GET(self) -> None:
            page = int(self.path.rsplit("/", 1)[1])
            key = (page, edition.value)
            if key not in cache:
                cache[key] = render(pages[page], edition.value)
            body = cache[key]
            tag = '"' + hashlib.md5(body).hexdigest() + '"'
            if etags.value and self.headers.get("If-None-Match") == tag:
                self.send_response(304)
                self.send_header("ETag", tag)
                self.send_header("Content-Length", "0")
                self._close_if_asked()
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if etags.value:
                self.send_header("ETag", tag)
            self._close_if_asked()
            self.end_headers()
            self.wfile.write(body)

        def _close_if_asked(self) -> None:
            if close.value:
                self.send_header("Connection", "close")
                self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 1024  # the default 5 drops concurrent connects: 1 s SYN retries

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port.value = server.server_address[1]
    server.serve_forever()


def tree_memory(root: int) -> tuple[int, int, dict[int, float]]:
    """(PSS, RSS) in bytes of `root` and all its descendants, and the CPU seconds (user +
    system) each of them has used so far, by process id."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    pss = rss = 0
    cpu: dict[int, float] = {}
    stack = [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith(("Pss:", "Rss:")):
                    kilobytes = int(line.split()[1]) * 1024
                    pss += kilobytes if line.startswith("Pss:") else 0
                    rss += kilobytes if line.startswith("Rss:") else 0
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except OSError:
            continue
    return pss, rss, cpu


Timing = tuple[float, int, int, float]
"""Wall seconds, peak PSS and RSS in bytes, CPU seconds (user + system, all processes)."""


def timed(command: Sequence[str], env: dict[str, str]) -> Timing:
    """Wall time and peak (PSS, RSS) of a command and its children, sampled every 20 ms, and
    the CPU time of all its processes (each one's last sample: the extraction processes are
    not the command's children, and outlive it by a moment): on a machine shared with other
    jobs the wall time follows their load, the CPU time much less."""
    peak = [0, 0]
    cpu: dict[int, float] = {}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)

    def sample() -> None:
        while process.poll() is None:
            pss, rss, used = tree_memory(process.pid)
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            cpu.update(used)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {stderr.decode()[-2000:]}")
    return elapsed, peak[0], peak[1], sum(cpu.values())


class Bench:
    def __init__(self, pages: int, workdir: Path) -> None:
        self.pages, self.workdir = pages, workdir
        self.port, self.edition, self.etags = Value("i", 0), Value("i", 1), Value("i", 1)
        self.close = Value("i", 0)
        self.server = Process(target=serve, daemon=True,
                              args=(self.port, self.edition, self.etags, self.close, pages))
        self.env = dict(os.environ, TRACKER_DATA_DIR=str(workdir / "data"))

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.port.value}/story/{n}" for n in range(self.pages)]

    def tracker(self, *args: str) -> Timing:
        db = f"sqlite:///{self.workdir / 'tracker.db'}"
        return timed([sys.executable, "-m", "tracker", "--db", db, *args], self.env)

    def snapshot(self) -> Timing:
        return self.tracker("snapshot", "--all", "--concurrency", "32", "--per-host", "32",
                            "--delay", "0")

    def extraction_paths(self) -> Counter[str]:
        """How the stories' last extraction went (their hints: fast, full, full: why)."""
        with sqlite3.connect(self.workdir / "tracker.db") as connection:
            rows = connection.execute("SELECT extraction_hint FROM stories").fetchall()
        return Counter(json.loads(hint)["last"] if hint else "full, no region" for hint, in rows)

    def urlwatch(self) -> Timing:
        urlwatch = shutil.which("urlwatch") or str(Path(sys.executable).parent / "urlwatch")
        return timed([urlwatch, "--urls", str(self.workdir / "urls.yaml"), "--config",
                      str(self.workdir / "urlwatch.yaml"), "--cache",
                      str(self.workdir / "cache.db")], self.env)

    def write_urlwatch_jobs(self) -> None:
        """urlwatch's jobs, each with its `html2text` filter for web pages. Without a
        method that filter is its `re` method: the tags stripped by a regular expression, no article
        extracted (bench_fastpath.py times it beside tracker's extraction)."""
        jobs = "---\n".join(f"name: s{n}\nurl: {url}\nfilter: html2text\n"
                            for n, url in enumerate(self.urls()))
        (self.workdir / "urls.yaml").write_text(jobs)


def figures(name: str, result: Timing) -> str:
    seconds, pss, rss, cpu = result
    return (f"{name:<36} {seconds:7.2f} s   CPU {cpu:7.2f} s   peak PSS {pss / 2**20:5.0f} MB"
            f"   RSS {rss / 2**20:5.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind (median)")
    parser.add_argument("--no-urlwatch", action="store_true")
    parser.add_argument("--replay-stories", type=int, default=200, help="0: no replay")
    parser.add_argument("--ticks", type=int, default=6)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.pages} real pages from a loopback server")
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(args.pages, Path(tmp))
        bench.server.start()
        while not bench.port.value:  # the server loads the pages first
            time.sleep(0.05)
        results = run_all(bench, args.repeat, not args.no_urlwatch)
        bench.server.terminate()
    report(results)
    if args.replay_stories:
        with tempfile.TemporaryDirectory() as tmp:
            replay(Bench(args.replay_stories, Path(tmp)), args.ticks)


Results = dict[str, list[Timing]]


def run_all(bench: Bench, repeat: int, with_urlwatch: bool) -> Results:
    results: Results = {}
    bench.tracker("add", *bench.urls())
    bench.snapshot()  # first versions
    if with_urlwatch:
        bench.write_urlwatch_jobs()
        bench.urlwatch()  # first snapshots (and its default config)
    for _ in range(repeat):
        bench.edition.value += 1
        bench.etags.value = 1
        results.setdefault("tracker: every page changed", []).append(bench.snapshot())
        print("  extraction paths:", dict(bench.extraction_paths().most_common()))
        results.setdefault("tracker: nothing changed, all 304", []).append(bench.snapshot())
        bench.etags.value = 0
        results.setdefault("tracker: nothing changed, same 200", []).append(bench.snapshot())
        bench.close.value, bench.etags.value = 1, 1
        results.setdefault("tracker: all 304, conn. closed", []).append(bench.snapshot())
        bench.etags.value = 0
        results.setdefault("tracker: same 200, conn. closed", []).append(bench.snapshot())
        bench.close.value = 0
        if with_urlwatch:
            bench.edition.value += 1
            results.setdefault("urlwatch: every page changed", []).append(bench.urlwatch())
            results.setdefault("urlwatch: nothing changed", []).append(bench.urlwatch())
            bench.close.value = 1
            results.setdefault("urlwatch: nothing changed, closed", []).append(bench.urlwatch())
            bench.close.value = 0
    return results


def report(results: Results) -> None:
    medians = {}
    for name, runs in results.items():
        median = (statistics.median(r[0] for r in runs), max(r[1] for r in runs),
                  max(r[2] for r in runs), statistics.median(r[3] for r in runs))
        medians[name] = median
        print(figures(name, median))
    pairs = [("every page changed", "every page changed"),
             ("nothing changed, same 200", "nothing changed"),
             ("nothing changed, all 304", "nothing changed"),
             ("same 200, conn. closed", "nothing changed, closed"),
             ("all 304, conn. closed", "nothing changed, closed")]
    for ours, theirs in pairs:
        if f"urlwatch: {theirs}" in medians:
            theirs_run, ours_run = medians[f"urlwatch: {theirs}"], medians[f"tracker: {ours}"]
            print(f"urlwatch / tracker time, {ours}: {theirs_run[0] / ours_run[0]:.1f}x"
                  f" (CPU time: {theirs_run[3] / ours_run[3]:.1f}x)")


def replay(bench: Bench, ticks: int) -> None:
    """`ticks` editions of every page through tracker's CLI, then through the bare loop."""
    bench.server.start()
    while not bench.port.value:
        time.sleep(0.05)
    bench.etags.value = 0
    bench.tracker("add", *bench.urls())
    ours, bare, found, last_hashes = [], [], [], [""] * bench.pages
    with ThreadPoolExecutor(32) as fetchers, ProcessPoolExecutor(os.cpu_count()) as extractors:
        for _ in range(ticks):
            bench.edition.value += 1
            ours.append(bench.snapshot()[0])
            started = time.perf_counter()
            hashes = bare_tick(bench.urls(), fetchers, extractors)
            bare.append(time.perf_counter() - started)
            found.append(sum(old != new for old, new in zip(last_hashes, hashes, strict=True)))
            last_hashes = hashes
        paths = bench.extraction_paths()
    bench.server.terminate()
    print(f"replay: {bench.pages} stories x {ticks} ticks, every page edited at each tick")
    print(f"  tracker snapshot (CLI)          total {sum(ours):6.1f} s, ticks "
          + " ".join(f"{t:.1f}" for t in ours))
    print(f"  bare fetch+trafilatura+hash     total {sum(bare):6.1f} s, ticks "
          + " ".join(f"{t:.1f}" for t in bare) + f"; changes seen {found}")
    print(f"  tracker / bare: {sum(ours) / sum(bare):.2f}x; last tick's extraction paths: "
          f"{dict(paths.most_common())}")


def bare_tick(urls: list[str], fetchers: ThreadPoolExecutor,
              extractors: ProcessPoolExecutor) -> list[str]:
    """One tick of the bare loop: fetch, extract, hash (to compare with the last tick's)."""
    import httpx

    with httpx.Client() as client:
        pages = list(fetchers.map(lambda url: client.get(url).text, urls))
    texts = extractors.map(bare_extract, pages, chunksize=4)
    return [hashlib.sha256((text or "").encode()).hexdigest() for text in texts]


def bare_extract(html: str) -> str | None:
    import trafilatura

    text: str | None = trafilatura.extract(html)
    return text


if __name__ == "__main__":
    main()
