"""The processes that extract changed pages for a snapshot run: few, lean, and never orphaned.

Extraction is the costly part of a changed page, so it runs in a pool of processes, one per
core, forked from a forkserver that has trafilatura loaded (the workers share its memory and
start fast, and none inherits the run's threads or event loop).

Two things the plain ProcessPoolExecutor does not do, done here:
- Every child dies with the run. A SIGKILLed run (cron's timeout, the OOM killer) used to leave
  the forkserver, the workers and the resource tracker alive for good, holding the run's output
  pipe open. Each worker and the forkserver watch the run's process through a pidfd and exit as
  soon as it is gone; the resource tracker exits by itself once they have.
- Workers are recycled: a worker grows with the pages it parses (about 60 MB over 300 pages,
  not fragmentation: `malloc_trim` gives little back), and `max_tasks_per_child` hangs
  ProcessPoolExecutor on Python 3.11. So every `RECYCLE_AFTER` tasks the pool is replaced by a
  fresh one, forked from the forkserver in milliseconds, while the old one finishes its tasks.
"""

import contextlib
import multiprocessing
import os
import select
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

RECYCLE_AFTER = 100
"""Tasks per pool: each worker handles about this many divided by the pool's size."""
PRELOAD = ["tracker.sources.extractors", "tracker.sources.extract", "trafilatura", "w3lib.url"]
_WATCHED_ENV = "TRACKER_EXTRACTION_PARENT"

P = ParamSpec("P")
T = TypeVar("T")


@contextlib.contextmanager
def extractors(processes: int | None) -> Iterator[Executor]:
    """Processes for extraction, started on first use; with 0, a thread of this process."""
    count = (os.cpu_count() or 1) if processes is None else processes
    if count <= 0:
        with ThreadPoolExecutor(1, thread_name_prefix="tracker-extract") as thread:
            yield thread
        return
    pool = RecyclingPool(count)
    try:
        yield pool
    finally:
        pool.shutdown()


class RecyclingPool(Executor):
    """A process pool that replaces itself with a fresh one every `RECYCLE_AFTER` tasks."""

    def __init__(self, workers: int, recycle_after: int = RECYCLE_AFTER) -> None:
        os.environ[_WATCHED_ENV] = str(os.getpid())  # read by the forkserver's preload
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._workers, self._recycle_after = workers, recycle_after
        self._lock = threading.Lock()
        self._retired: list[ProcessPoolExecutor] = []
        self._pool, self._submitted = self._new_pool(), 0

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._lock:
            if self._submitted >= self._recycle_after:
                self._pool.shutdown(wait=False)  # its tasks finish, then its workers exit
                self._retired.append(self._pool)
                self._pool, self._submitted = self._new_pool(), 0
            self._submitted += 1
            return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            for pool in [*self._retired, self._pool]:
                pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self._workers, mp_context=self._context,
                                   initializer=die_with, initargs=(os.getpid(),))


def die_with(pid: int) -> None:
    """Exit this process as soon as process `pid` has exited (a daemon thread waits on a pidfd;
    no polling). A process that is already gone ends this one at once."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # not Linux 5.3+: the pool's own checks must do
        return
    threading.Thread(target=_exit_when_readable, args=(pidfd,), daemon=True,
                     name="tracker-parent-watch").start()


def _exit_when_readable(pidfd: int) -> None:
    select.select([pidfd], [], [])
    os._exit(1)


def _watch_from_forkserver() -> None:
    """In the forkserver, which preloads this module: die with the run that started it. The
    run names itself in the environment the forkserver inherits; its workers (the forkserver's
    children) and the run itself import this module too, and are not the run's children."""
    parent = os.environ.get(_WATCHED_ENV, "")
    if parent.isdigit() and os.getppid() == int(parent):
        die_with(int(parent))


_watch_from_forkserver()
