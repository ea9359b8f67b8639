"""The processes that extract changed pages for a snapshot run: few, lean, and never orphaned.

Extraction is the costly part of a changed page, so it runs in a pool of processes, one per
core, forked from a forkserver that has trafilatura loaded (the workers share its memory and
start fast, and none inherits the run's threads or event loop).

Two things the plain ProcessPoolExecutor does not do, done here:
- Every child dies with the run. A SIGKILLed run (cron's timeout, the OOM killer) used to leave
  the forkserver, the workers and the resource tracker alive for good, holding the run's output
  pipe open. Each worker and the forkserver watch the run's process through a pidfd and exit as
  soon as it is gone; the resource tracker exits by itself once they have.
- Workers are recycled: a worker grows with the pages it parses (~15 MB of its own after its
  first page, 40-50 MB by its hundredth: lxml's and the allocator's, and the caches of the
  date and URL libraries; `malloc_trim` after every page gives back 5 MB), and
  `max_tasks_per_child` hangs ProcessPoolExecutor on Python 3.11. So every `RECYCLE_AFTER`
  tasks the pool is replaced by a fresh one, forked from the forkserver in milliseconds, once
  the old one has finished its last tasks.
"""

import contextlib
import gc
import multiprocessing
import os
import select
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import (
    CancelledError,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, ParamSpec, TypeVar

RECYCLE_AFTER = 60
"""Tasks per pool: each worker extracts about this many divided by the pool's size. On 300
dev-set pages with 2 workers, dateparser's locales preloaded and no overlap of the old and
fresh pools, the run's peak PSS was 293 MB recycling every 200 tasks and 277 MB every 60
(bench/README.md); before, the fresh pool started beside the old one at its largest, and
recycling more often raised the peak instead (200 pages: 279 MB never recycled, 308 MB every
50 tasks, 356 MB every 20)."""
PRELOAD = ["tracker.sources.extractors", "tracker.sources.extract", "tracker.text.analysis",
           "trafilatura", "w3lib.url"]
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
    """A process pool that replaces itself with a fresh one every `recycle_after` tasks.

    At most two tasks a worker are handed to the pool at a time; the others wait here, so no
    more pages than that sit pickled in the pool's queue. When the pool is due for replacement,
    nothing more is handed over until its last tasks are done: the fresh workers start only
    then, never beside old ones at their largest (the overlap was the run's peak of memory). A
    pool broken by a crashed worker is replaced at once.
    """

    def __init__(self, workers: int, recycle_after: int = RECYCLE_AFTER) -> None:
        os.environ[_WATCHED_ENV] = str(os.getpid())  # read by the forkserver's preload
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._workers, self._recycle_after = workers, recycle_after
        self._lock = threading.RLock()  # a done callback may run inside `submit`
        self._waiting: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()
        self._running = self._handed = 0
        self._retired: list[ProcessPoolExecutor] = []
        self._pool = self._new_pool()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            self._waiting.append((future, partial(fn, **kwargs), args))
            self._hand_over()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            if cancel_futures:
                for future, _, _ in self._waiting:
                    future.cancel()
                self._waiting.clear()
            pools = [*self._retired, self._pool]
        for pool in pools:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def _hand_over(self) -> None:
        """Hand waiting tasks to the pool while fewer than two a worker are running."""
        while self._waiting and self._running < 2 * self._workers:
            if self._handed >= self._recycle_after:
                if self._running:  # the old pool's last tasks first (see the class docstring)
                    return
                self._recycle()
            future, call, args = self._waiting.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            self._running, self._handed = self._running + 1, self._handed + 1
            try:
                task = self._pool.submit(call, *args)
            except BrokenProcessPool as exc:
                self._running -= 1
                self._recycle()
                future.set_exception(exc)
                continue
            task.add_done_callback(partial(self._finished, future))

    def _finished(self, future: Future[Any], task: Future[Any]) -> None:
        error = CancelledError() if task.cancelled() else task.exception()
        with self._lock:
            self._running -= 1
            if isinstance(error, BrokenProcessPool):
                self._recycle()
            self._hand_over()
        if error is None:
            future.set_result(task.result())
        else:
            future.set_exception(error)

    def _recycle(self) -> None:
        self._pool.shutdown(wait=False)  # its few tasks finish, then its workers exit
        self._retired = [pool for pool in self._retired if _busy(pool)] + [self._pool]
        self._pool, self._handed = self._new_pool(), 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self._workers, mp_context=self._context,
                                   initializer=die_with, initargs=(os.getpid(),))


def _busy(pool: ProcessPoolExecutor) -> bool:
    """Whether a retired pool may still have workers (its manager thread is still running)."""
    thread = getattr(pool, "_executor_manager_thread", None)
    return thread is not None and thread.is_alive()


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


def _prepare_forkserver() -> None:
    """In the forkserver, which preloads this module: die with the run that started it, and
    load what every worker needs once, here (`extract.warm_up`), then freeze it out of the
    garbage collector's sight, so the workers' collections do not copy the pages they share.
    The run names itself in the environment the forkserver inherits; its workers (the
    forkserver's children) and the run itself import this module too, and are not the run's
    children."""
    parent = os.environ.get(_WATCHED_ENV, "")
    if parent.isdigit() and os.getppid() == int(parent):
        die_with(int(parent))
        from tracker.sources import extract

        extract.warm_up()
        gc.freeze()


_prepare_forkserver()
