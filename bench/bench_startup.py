"""Start-up: the commands people and cron run most, whole, beside another checkout of tracker.

Run from the repository root: python -m bench.bench_startup [--peer main] [--runs 11]

Builds a SQLite database (the large database of the TUI tests, `--stories N`), then runs, in
alternating order so that both feel the same load, this checkout's and the peer's (the git
revision `--peer`, extracted into a temporary folder and run by the same interpreter with
PYTHONPATH set to it):
- `tracker --version`;
- `tracker snapshot` with nothing due, on the SQLite file;
- `tracker tui` in a pseudo-terminal until the first frame with the list's rows is written
  (bench_tui's measure), and `tracker tui STORY` until the long story's newest diff;
and, as floors, `python -c pass` and `python -c "import textual.app"`. Every command is
`python -m tracker` for both checkouts (the console script of this venv names this one), so
the two differ only in their code. Prints medians, the spread and the machine's load.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import largedb
from bench.bench_tui import command_first_frame
from bench.common import machine
from tracker.db.engine import open_database

HERE = Path(__file__).resolve().parent.parent


def timed(command: list[str], env: dict[str, str]) -> float:
    """Seconds a command takes from start to exit; it must succeed."""
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def checkout_env(checkout: Path, folder: Path) -> dict[str, str]:
    """Run `python -m tracker` from `checkout`, with no TRACKER_* setting but the data dir."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("TRACKER_")}
    return {**env, "PYTHONPATH": str(checkout), "TRACKER_DATA_DIR": str(folder / "data")}


def extract(revision: str, folder: Path) -> Path:
    """The `tracker` package of a git revision of this repository, in `folder`. Its
    migrations come from this checkout's install (the same files unless a branch adds one)."""
    folder.mkdir()
    archive = subprocess.run(["git", "archive", revision, "tracker"], cwd=HERE, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def measures(url: str, info: largedb.LargeDb) -> dict[str, Callable[[dict[str, str]], float]]:
    python = [sys.executable]
    tracker = [*python, "-m", "tracker"]
    newest = f"v{info.big_versions - 1} -> v{info.big_versions}".encode()
    rows = f"{info.stories} stories".encode()
    return {
        "tracker --version": lambda env: timed([*tracker, "--version"], env),
        "tracker snapshot, nothing due": lambda env: timed([*tracker, "--db", url, "snapshot"],
                                                           env),
        "tracker tui, list with rows": lambda env: command_first_frame(
            url, [], rows, command=tracker, extra_env=env),
        "tracker tui STORY, newest diff": lambda env: command_first_frame(
            url, [str(info.big_story_id)], newest, command=tracker, extra_env=env),
        "floor: python -c pass": lambda env: timed([*python, "-c", "pass"], env),
        "floor: python -c 'import textual.app'": lambda env: timed(
            [*python, "-c", "import textual.app"], env),
    }


def load() -> str:
    return "load " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def run(args: argparse.Namespace, folder: Path) -> None:
    url = f"sqlite:///{folder / 'large.db'}"
    db = open_database(url)
    info = largedb.build(db, stories=args.stories, versions=args.versions, size=args.size)
    db.close()
    peer = extract(args.peer, folder / "peer")
    os.chdir(folder)  # `python -m` puts the working directory first on the path: neither tree
    trees = {"this": checkout_env(HERE, folder), "peer": checkout_env(peer, folder)}
    times: dict[tuple[str, str], list[float]] = {}
    print(f"{machine()}; {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC; {load()}")
    for name, measure in measures(url, info).items():
        for env in trees.values():
            measure(env)  # warm: bytecode written, files in the page cache
        for index in range(args.runs):
            order = list(trees.items()) if index % 2 == 0 else list(trees.items())[::-1]
            for tree, env in order:
                times.setdefault((name, tree), []).append(measure(env))
        mine, theirs = times[(name, "this")], times[(name, "peer")]
        print(f"{name:40} this {ms(mine)}   peer {ms(theirs)}   "
              f"ratio {statistics.median(mine) / statistics.median(theirs):.2f}   ({load()})")
    print(f"peer: {args.peer}; {args.runs} runs each, alternating; "
          f"{info.stories} stories, a story of {info.big_versions} versions")


def ms(values: list[float]) -> str:
    return (f"{statistics.median(values) * 1000:6.0f} ms "
            f"({min(values) * 1000:.0f}-{max(values) * 1000:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", default="main", help="a git revision to compare with")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--stories", type=int, default=500)
    parser.add_argument("--versions", type=int, default=60)
    parser.add_argument("--size", type=int, default=40_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(args, Path(folder))


if __name__ == "__main__":
    main()
