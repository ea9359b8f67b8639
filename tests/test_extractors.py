"""The extraction processes: they die with their run, and a recycled pool loses no task.

A SIGKILLed snapshot run (cron's timeout, the OOM killer) used to leave its forkserver, its
extraction workers and the resource tracker alive for good, holding the run's output pipe
open (issue 16). Only the run is killed here, never its process group, as the OOM killer does.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.newssite import NewsSite
from tracker.db.engine import Database
from tracker.sources.extractors import RecyclingPool
from tracker.sources.tracking import track_stories


def descendants(pid: int) -> set[int]:
    """Every living process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_a_sigkilled_run_leaves_no_child_behind(
    site: NewsSite, db: Database, tmp_path: Path
) -> None:
    urls = [site.add(f"/orphan/{n}", f"Orphan story {n}") for n in range(40)]
    site.latency = 0.2
    track_stories(db, urls, datetime.now(UTC))
    command = [sys.executable, "-m", "tracker", "--db", db.url, "snapshot", "--quiet",
               "--per-host", "2", "--delay", "0"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    children: set[int] = set()
    deadline = time.monotonic() + 60
    while len(children) < 3 and time.monotonic() < deadline:  # tracker, forkserver, a worker
        children |= descendants(process.pid)
        time.sleep(0.05)
    assert len(children) >= 3, "the run never started its extraction processes"
    os.kill(process.pid, signal.SIGKILL)  # the run alone: its children must notice
    process.wait()
    deadline = time.monotonic() + 30
    while any(alive(child) for child in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [child for child in children if alive(child)]
    for child in left:
        os.kill(child, signal.SIGKILL)
    assert left == []
    assert process.stdout is not None and process.stdout.read() == b""  # the pipe was let go


def square(number: int) -> tuple[int, int]:
    return number * number, os.getpid()


def test_a_recycled_pool_runs_every_task_on_fresh_workers() -> None:
    pool = RecyclingPool(2, recycle_after=5)
    try:
        results = [future.result(timeout=60)
                   for future in [pool.submit(square, n) for n in range(23)]]
    finally:
        pool.shutdown()
    assert [value for value, _ in results] == [n * n for n in range(23)]
    first, last = {pid for _, pid in results[:5]}, {pid for _, pid in results[-3:]}
    assert not first & last  # the last tasks ran in processes started after the first ones


def timed_task(seconds: float) -> tuple[int, float, float]:
    started = time.monotonic()  # one clock for every process of the machine
    time.sleep(seconds)
    return os.getpid(), started, time.monotonic()


def test_a_fresh_pool_starts_only_once_the_old_one_has_finished() -> None:
    """A recycled pool's workers never run beside the fresh pool's: at their largest, both
    together were the run's peak of memory. The old pool's last task is a long one."""
    pool = RecyclingPool(2, recycle_after=4)
    try:
        runs = [future.result(timeout=60) for future in
                [pool.submit(timed_task, seconds) for seconds in [0.05] * 3 + [2] + [0.05] * 4]]
    finally:
        pool.shutdown()
    old, fresh = runs[:4], runs[4:]  # tasks are handed over in order
    assert max(end for _, _, end in old) <= min(start for _, start, _ in fresh)
    assert not {pid for pid, _, _ in old} & {pid for pid, _, _ in fresh}


def fail_or_crash(how: str) -> int:
    if how == "crash":
        os._exit(3)  # a worker dying in C code (a segfault in a parser) looks like this
    if how == "fail":
        raise ValueError("bad page")
    return os.getpid()


def test_a_failing_task_fails_alone_and_a_crashed_worker_is_replaced() -> None:
    from concurrent.futures.process import BrokenProcessPool

    pool = RecyclingPool(2, recycle_after=1000)
    try:
        assert pool.submit(fail_or_crash, "ok").result(timeout=60) > 0
        with pytest.raises(ValueError, match="bad page"):
            pool.submit(fail_or_crash, "fail").result(timeout=60)
        with pytest.raises(BrokenProcessPool):
            pool.submit(fail_or_crash, "crash").result(timeout=60)
        after = [pool.submit(fail_or_crash, "ok") for _ in range(6)]
        assert all(future.result(timeout=60) > 0 for future in after)
    finally:
        pool.shutdown()
