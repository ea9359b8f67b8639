"""How quick the TUI is on a large database, measured through Textual's pilot.

Run from the repository root: python -m bench.bench_tui [--stories N] [--steps N]

Builds the large database of the TUI tests (5,000 stories and a story of 300 versions of about
40 KB, through the real write path), then prints:
- time to first screen as a person waits for it: the real `tracker tui` command started in a
  pseudo-terminal (120x36, TERM=xterm), interpreter start and imports included, until the
  first frame with the list's rows, or the long story's newest diff, is written to the
  terminal; the same measured in-process through the pilot, without the start-up;
- the median and worst time to step to the previous version and have its diff painted, first
  for versions not shown yet (read in a worker, or already prefetched while the previous one
  was on screen, as a reader stepping through gets them) and then stepping back (cached),
  with keys posted as the terminal driver posts them; new versions again at a reader's pace
  (when prefetching has had time to work); then the same through `pilot.press`, and
  the cost of `pilot.press` itself (an unbound key), since its idle waits take 40 ms or more;
- as a peer in the same process, the domain work of one step alone (read the diff and build its
  text), so the ratio shows what the UI adds;
- the time to switch to side by side and to blame on the newest version.
The aims (issue 13): first screen under 1 s, a step under 50 ms median and 100 ms worst, mode
switches under 100 ms.
"""

import argparse
import asyncio
import fcntl
import os
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable

from bench import largedb
from bench.common import machine
from tracker.db.engine import Database, open_database
from tracker.history import compare
from tracker.tui import texts
from tracker.tui.app import TrackerApp
from tracker.tui.widgets.diff_pane import DiffPane

SIZE = (120, 36)
POLL = 0.001
READING_PACE = 0.15
"""Seconds between keys in the paced pass: a quick reader, slow enough for prefetching."""


async def until(pilot: Pilot[None], condition: Callable[[], bool], limit: float = 30) -> None:
    """Let the app run until `condition` holds, then have the pilot paint the screen."""
    deadline = time.perf_counter() + limit
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(POLL)
    await pilot.pause(0)  # processes what is pending and paints, without the pilot's idle waits


async def step(pilot: Pilot[None], key: str, want: str, through_press: bool) -> float:
    """Seconds from a key to the pane showing text that starts with `want`, painted.

    `through_press` uses `pilot.press`, whose idle waits add at least 40 ms; otherwise the key
    is posted the way the terminal driver posts it (`App.simulate_key`).
    """
    started = time.perf_counter()
    if through_press:
        await pilot.press(key)
    else:
        pilot.app.simulate_key(key)
    await until(pilot, lambda: pane(pilot).startswith(want))
    return time.perf_counter() - started


def showing(pilot: Pilot[None], text: str) -> Callable[[], bool]:
    """A condition: the diff pane shows `text` somewhere."""
    return lambda: text in pane(pilot)


def pane(pilot: Pilot[None]) -> str:
    screen = pilot.app.screen
    return screen.query_one(DiffPane).plain if screen.query(DiffPane) else ""


def tracker_command() -> list[str]:
    """The installed `tracker` script beside this interpreter, as a person would run it."""
    script = Path(sys.executable).with_name("tracker")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tracker"]


def command_first_frame(url: str, args: list[str], want: bytes, limit: float = 30,
                        command: list[str] | None = None,
                        extra_env: dict[str, str] | None = None) -> float:
    """Seconds from starting `tracker --db URL tui ARGS` in a pseudo-terminal to the first
    write to the terminal that contains `want` (text drawn in one style, so unbroken by
    escape sequences). `command` and `extra_env` run another tracker (bench_startup's peer)."""
    main, child = os.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = {**os.environ, "TERM": "xterm", "COLUMNS": str(SIZE[0]), "LINES": str(SIZE[1]),
           **(extra_env or {})}
    started = time.perf_counter()
    process = subprocess.Popen([*(command or tracker_command()), "--db", url, "tui", *args],
                               stdin=child,
                               stdout=child, stderr=child, env=env, start_new_session=True,
                               preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(child)
    seen = b""
    try:
        while want not in seen:
            if time.perf_counter() - started > limit:
                raise TimeoutError(f"{want!r} never appeared")
            if select.select([main], [], [], 0.5)[0]:
                seen = seen[-len(want):] + os.read(main, 1 << 16)
        return time.perf_counter() - started
    finally:
        stop(process, main)


def stop(process: subprocess.Popen[bytes], main: int) -> None:
    """Quit as a person would (q), reading what the app writes meanwhile; kill it if stuck."""
    os.write(main, b"q")
    deadline = time.perf_counter() + 10
    while process.poll() is None and time.perf_counter() < deadline:
        if select.select([main], [], [], 0.1)[0]:
            try:
                os.read(main, 1 << 16)
            except OSError:
                break
    if process.poll() is None:
        process.kill()
    process.wait()
    os.close(main)


def import_floor() -> float:
    """The peer of the command's times: starting Python and importing Textual and SQLAlchemy's
    ORM, which any Textual app over this database pays before drawing anything."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import textual.app, sqlalchemy.orm"], check=True)
    return time.perf_counter() - started


async def first_list(db: Database) -> float:
    started = time.perf_counter()
    app = TrackerApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.screen.query(DataTable))
                    and app.screen.query_one(DataTable).row_count > 0)
        return time.perf_counter() - started


async def first_story(db: Database, info: largedb.LargeDb) -> float:
    started = time.perf_counter()
    async with TrackerApp(db, story_id=info.big_story_id).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: pane(pilot).startswith(f"v{info.big_versions - 1} -> "))
        return time.perf_counter() - started


async def steps(db: Database, info: largedb.LargeDb, count: int) -> dict[str, list[float]]:
    """Step back `count` versions from the newest, forward again (cached), back through
    `pilot.press`, then further back at a reader's pace; then switch modes."""
    figures: dict[str, list[float]] = {}
    async with TrackerApp(db, story_id=info.big_story_id).run_test(size=SIZE) as pilot:
        await until(pilot, lambda: pane(pilot).startswith(f"v{info.big_versions - 1} -> "))
        shown_number = info.big_versions
        plan = (("cold", "left", False, 0.0), ("cached", "right", False, 0.0),
                ("press", "left", True, 0.0), ("paced", "left", False, READING_PACE))
        for kind, key, through_press, pace in plan:
            figures[kind] = []
            for _ in range(count):
                shown_number += -1 if key == "left" else 1
                await asyncio.sleep(pace)
                want = f"v{shown_number - 1} -> v{shown_number}"
                figures[kind].append(await step(pilot, key, want, through_press))
        figures["unbound"] = []
        for _ in range(count):
            started = time.perf_counter()
            await pilot.press("z")  # bound to nothing: the pilot's own cost
            figures["unbound"].append(time.perf_counter() - started)
        for kind, key, marker in (("side", "s", " | "), ("blame", "b", "Each paragraph")):
            started = time.perf_counter()
            pilot.app.simulate_key(key)
            await until(pilot, showing(pilot, marker))
            figures[kind] = [time.perf_counter() - started]
    return figures


def domain_step(db: Database, info: largedb.LargeDb, count: int) -> list[float]:
    """The peer: what one step costs without the UI (read the diff, build the pane's text)."""
    times = []
    for number in range(info.big_versions, info.big_versions - count, -1):
        started = time.perf_counter()
        texts.inline_diff(compare.get_diff(db, info.big_story_id, number - 1, number))
        times.append(time.perf_counter() - started)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def report(name: str, times: list[float]) -> None:
    print(f"  {name:<34} median {ms(statistics.median(times))}   worst {ms(max(times))}"
          f"   (n={len(times)})")


async def run(args: argparse.Namespace, folder: Path) -> None:
    db = open_database(f"sqlite:///{folder / 'large.db'}")
    started = time.perf_counter()
    info = largedb.build(db, stories=args.stories, versions=args.versions)
    print(f"built {info.stories} stories and a story of {info.big_versions} versions "
          f"in {time.perf_counter() - started:.1f} s (through store_candidate)")
    url = f"sqlite:///{folder / 'large.db'}"
    newest = f"v{info.big_versions - 1} -> v{info.big_versions}".encode()
    command_lists = [command_first_frame(url, [], f"{info.stories} stories".encode())
                     for _ in range(args.repeat)]
    command_stories = [command_first_frame(url, [str(info.big_story_id)], newest)
                       for _ in range(args.repeat)]
    floor = [import_floor() for _ in range(args.repeat)]
    lists = [await first_list(db) for _ in range(args.repeat)]
    stories = [await first_story(db, info) for _ in range(args.repeat)]
    figures = await steps(db, info, args.steps)
    peer = domain_step(db, info, args.steps)
    print(f"time to first screen: `{' '.join(tracker_command())} tui` in a "
          "pseudo-terminal, start-up included")
    report("story list with rows", command_lists)
    report("long story with its newest diff", command_stories)
    report("peer: python, import textual + sqlalchemy", floor)
    print(f"  list / peer (medians): "
          f"{statistics.median(command_lists) / statistics.median(floor):.2f}x")
    print("time to first screen in-process (pilot), start-up excluded")
    report("story list with rows", lists)
    report("long story with its newest diff", stories)
    print("step to the previous version: key to its diff painted on screen")
    report("first pass (read or prefetched)", figures["cold"])
    report("shown before (cached)", figures["cached"])
    report(f"first pass, a key every {READING_PACE * 1000:.0f} ms", figures["paced"])
    report("peer: domain work of a step, no UI", peer)
    ratio = statistics.median(figures["cold"]) / statistics.median(peer)
    print(f"  UI step / domain step (medians): {ratio:.2f}x")
    print("the same steps through pilot.press (its idle waits included)")
    report("pilot.press step", figures["press"])
    report("pilot.press of an unbound key", figures["unbound"])
    print("mode switches on the newest version")
    report("side by side", figures["side"])
    report("blame (reads all 300 texts)", figures["blame"])
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=5000)
    parser.add_argument("--versions", type=int, default=300)
    parser.add_argument("--steps", type=int, default=50, help="steps in each pass (< versions / 2)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each first-screen timing")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["TRACKER_DATA_DIR"] = folder
        asyncio.run(run(args, Path(folder)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
