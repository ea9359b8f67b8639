"""What one claim costs at a million stories: `snapshot --all` batches by id (keyset) against
the previous claim that ordered every story by its next check, and the cron path's due claim.

Run: python -m bench.bench_claims [--stories 1000000] [--postgres URL]

The stories are generated in a throw-away PostgreSQL schema by set-returning SQL (as
tests/test_plans.py does), with next checks spread over a day and last checks in the past,
then VACUUM ANALYZE. Each figure is the median and worst of `--batches` claims of 64 stories
by `tracker.store.schedule.claim_stories`, each batch starting after the last one (the first
batches of a run, near the start of the id range, and batches at the middle and end). The
previous `--all` statement is timed in the same run on the same table, in a transaction
rolled back each time, as the peer.
"""

import argparse
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import text

from bench.common import machine, scratch_schema
from tracker.db.engine import Database, open_database
from tracker.store.schedule import Policy, claim_stories, release

FILL = """
INSERT INTO stories (id, url, site, title, status, first_seen_at, next_check_at,
                     last_checked_at, failure_count, missing_count)
SELECT i, 'https://s' || i % 40 || '.example.com/' || i, 's' || i % 40 || '.example.com',
       'Story ' || i, CASE WHEN i % 10 = 0 THEN 'quiet' ELSE 'active' END,
       TIMESTAMPTZ '2024-01-01', now() + (i % 1440) * INTERVAL '1 minute',
       now() - INTERVAL '1 day' - (i % 1440) * INTERVAL '1 minute', 0, 0
FROM generate_series(1, :stories) AS i
"""
PREVIOUS = """
UPDATE stories SET claimed_by = 'bench', claimed_until = now() + INTERVAL '15 minutes'
WHERE id IN (SELECT id FROM stories
             WHERE (claimed_until IS NULL OR claimed_until < now())
               AND status IN ('active', 'quiet') AND next_check_at IS NOT NULL
               AND (last_checked_at IS NULL OR last_checked_at < now())
             ORDER BY next_check_at, id LIMIT 64 FOR UPDATE SKIP LOCKED)
RETURNING id
"""


def timed_claims(db: Database, batches: int, start: int, **options: object) -> list[float]:
    """Milliseconds for each of `batches` claims, walking on from `start`; given back after."""
    times, after = [], start
    for _ in range(batches):
        began = time.perf_counter()
        claimed = claim_stories(db, "bench", datetime.now(UTC), Policy(), limit=64,
                                checked_before=datetime.now(UTC), after=after,
                                **options)  # type: ignore[arg-type]
        times.append((time.perf_counter() - began) * 1000)
        release(db, "bench", [story.story_id for story in claimed])
        after = claimed[-1].story_id if claimed else after
    return times


def timed_previous(db: Database, batches: int) -> list[float]:
    times = []
    with db.engine.connect() as connection:
        for _ in range(batches):
            began = time.perf_counter()
            with connection.begin() as transaction:
                connection.execute(text(PREVIOUS)).all()
                transaction.rollback()
            times.append((time.perf_counter() - began) * 1000)
    return times


def line(name: str, times: list[float]) -> str:
    return f"{name}: median {statistics.median(times):.2f} ms, worst {max(times):.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with scratch_schema(args.postgres) as url:
        db = open_database(url)
        began = time.perf_counter()
        with db.engine.begin() as connection:
            connection.execute(text(FILL), {"stories": args.stories})
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE stories"))
        print(f"machine: {machine()}")
        print(f"{args.stories:,} stories generated in {time.perf_counter() - began:.0f} s; "
              f"claims of 64 stories, {args.batches} each:")
        keyset = [*timed_claims(db, args.batches, 0, every=True),
                  *timed_claims(db, args.batches, args.stories // 2, every=True),
                  *timed_claims(db, args.batches, args.stories - 64 * args.batches,
                                every=True)]
        previous = timed_previous(db, args.batches)
        print("  " + line("--all by id (keyset), start, middle and end of the table", keyset))
        print("  " + line("--all as before (ORDER BY next_check_at, id)", previous))
        print(f"  ratio of medians: {statistics.median(previous) / statistics.median(keyset):.0f}x")
        print("  " + line("due stories (cron path)", timed_claims(db, args.batches, 0)))
        db.close()


if __name__ == "__main__":
    main()
