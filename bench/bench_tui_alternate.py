"""The TUI's steps and mode switches, this tree's code against another's, in alternating runs.

Run from the repository root: python -m bench.bench_tui_alternate --against DIR [--rounds N]

DIR holds another version of the `tracker` package (with its migrations as
`tracker/migrations`), for example main's: `git archive main tracker migrations | tar -x -C DIR
&& mv DIR/migrations DIR/tracker/`. Each round runs bench_tui's step passes once on each tree,
in a fresh process, the order swapped every round (ABBA), on one large database built once
(`--db`, kept between invocations). On a shared machine a single run of each says little:
the load moves by 2x within minutes, and alternating puts both trees under the same load.
Prints, for each tree, the median of every step pooled over its runs and each run's worst.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("cold", "cached", "paced", "side", "blame", "domain")
LABELS = {"cold": "step, never shown", "cached": "step, shown before",
          "paced": "step, a key every 150 ms", "side": "switch to side by side",
          "blame": "switch to blame", "domain": "peer: domain work of a step"}


def child(db_path: Path, count: int) -> None:
    """One run of the step passes with whatever `tracker` this interpreter imports."""
    sys.path.append(str(ROOT))  # bench's own modules, after the tree that `tracker` comes from
    from bench import bench_tui, largedb
    from tracker.db.engine import open_database

    info = largedb.LargeDb(**json.loads(db_path.with_suffix(".json").read_text()))
    db = open_database(f"sqlite:///{db_path}")
    figures = asyncio.run(bench_tui.steps(db, info, count))
    figures["domain"] = bench_tui.domain_step(db, info, count)
    db.close()
    print(json.dumps(figures))


def build(db_path: Path, stories: int) -> None:
    """The large database of bench_tui, once; its facts beside it as JSON."""
    from bench import largedb
    from tracker.db.engine import open_database

    db = open_database(f"sqlite:///{db_path}")
    info = largedb.build(db, stories=stories)
    db.close()
    db_path.with_suffix(".json").write_text(json.dumps(info.__dict__))


def run_once(tree: Path, db_path: Path, count: int) -> dict[str, list[float]]:
    """bench_tui's passes in a fresh process whose `tracker` is the one in `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree), "TRACKER_DATA_DIR": str(db_path.parent)}
    output = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", "--db", str(db_path),
         "--steps", str(count)], env=env, cwd=db_path.parent, check=True, capture_output=True,
        text=True).stdout
    figures: dict[str, list[float]] = json.loads(output.splitlines()[-1])
    return figures


def load() -> str:
    return "load " + " ".join(f"{value:.1f}" for value in os.getloadavg())


def summary(name: str, runs: list[dict[str, list[float]]]) -> None:
    print(f"{name}:")
    for kind in KINDS:
        pooled = [value for run in runs for value in run[kind]]
        worsts = " ".join(f"{max(run[kind]) * 1000:.0f}" for run in runs)
        print(f"  {LABELS[kind]:<30} median {statistics.median(pooled) * 1000:7.1f} ms"
              f"   worst of each run: {worsts} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="a folder holding another `tracker`")
    parser.add_argument("--db", type=Path, default=Path("/tmp/tracker-bench-tui/large.db"))
    parser.add_argument("--stories", type=int, default=500)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.db, args.steps)
        return
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        build(args.db, args.stories)
    trees = {"this tree": ROOT, f"against {args.against}": args.against.resolve()}
    runs: dict[str, list[dict[str, list[float]]]] = {name: [] for name in trees}
    for round_number in range(args.rounds):
        order = list(trees) if round_number % 2 == 0 else list(reversed(trees))
        for name in order:
            started = time.perf_counter()
            runs[name].append(run_once(trees[name], args.db, args.steps))
            print(f"round {round_number + 1}, {name}: {time.perf_counter() - started:.0f} s, "
                  f"{load()}", flush=True)
    for name in trees:
        summary(name, runs[name])


if __name__ == "__main__":
    main()
