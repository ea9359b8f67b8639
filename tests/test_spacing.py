"""Fleet-wide spacing of the requests to one site (tracker.store.spacing), on both databases:
turns for a host come `delay` apart whoever takes them, hosts do not wait for each other, and
many workers asking at once each get a turn of their own. The end-to-end test, two worker
processes against a loopback server, is in test_workers.py."""

import threading

from sqlalchemy import select

from tracker.db.engine import Database, open_database
from tracker.db.models import SiteSpacing
from tracker.store.spacing import take_turn


def test_turns_for_one_host_come_the_delay_apart(any_db: Database) -> None:
    waits = [take_turn(any_db, "news.example.com", 0.5) for _ in range(4)]
    assert waits[0] == 0
    for n, wait in enumerate(waits):
        assert n * 0.5 - 0.2 <= wait <= n * 0.5 + 0.01, waits
    assert take_turn(any_db, "other.example.org", 0.5) == 0  # another host is free


def test_a_host_free_again_gives_its_turn_at_once(any_db: Database) -> None:
    assert take_turn(any_db, "news.example.com", 0.0) == 0
    assert take_turn(any_db, "news.example.com", 0.0) == 0


def test_workers_asking_at_once_each_get_a_turn_of_their_own(any_db: Database) -> None:
    """Eight workers, each with its own connection, take three turns each at the same moment:
    the 24 waits are 24 different turns, a delay apart (the delay is long enough that no turn
    is free again before the last one is taken, on a loaded machine too)."""
    delay, barrier, waits = 10.0, threading.Barrier(8), []
    lock = threading.Lock()

    def worker() -> None:
        db = open_database(any_db.url)
        barrier.wait()
        for _ in range(3):
            wait = take_turn(db, "news.example.com", delay)
            with lock:
                waits.append(wait)
        db.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(waits) == 24
    for n, wait in enumerate(sorted(waits)):
        assert n * delay - delay / 2 <= wait <= n * delay + 0.01, sorted(waits)
    with any_db.reading() as session:
        assert session.scalars(select(SiteSpacing.host)).all() == ["news.example.com"]
