"""Keeping the garbage collector's full passes short while a reader steps through a story.

Python's full collection walks every tracked object, and by the time a story is on screen
Textual, rich and SQLAlchemy have made ~130,000 of them that live as long as the app. A full
pass then came every few steps (each prepared version promotes thousands of strips and
segments) and took 100-250 ms, the worst steps measured by bench/bench_tui.py. Once the
first story is painted, those objects are moved out of the collector's sight with
`gc.freeze()`; what is made afterwards (screens, versions, caches) is collected as before.
"""

import gc
import threading

_frozen = threading.Event()


def freeze_long_lived() -> None:
    """Move every object alive now out of the collector's passes, once per process.

    Once, not at every story: a second freeze would also keep for good the garbage of the
    screens closed in between, which no pass could then reclaim.
    """
    if not _frozen.is_set():
        _frozen.set()
        gc.freeze()
