"""Several snapshot workers, each its own process, sharing one PostgreSQL database.

Real parts throughout: worker processes (`python -m tracker --db URL snapshot`), a loopback HTTP
server that counts the requests for each page, and PostgreSQL. Every story is fetched once per
interval however the workers share them out; a worker killed with SIGKILL loses nothing, its
stories are taken again once its lease has run out and not before; writers racing on the same
content never store a version or a diff twice, because the schema refuses it; and
`tracker db upgrade` runs while workers do.
"""

import itertools
import multiprocessing
import re
import signal
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from pytest_httpserver import HTTPServer
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner
from werkzeug import Request, Response

from tests.fleet import CHECKED, Farm, Workers, make_due, per_story, track, wait_until
from tests.newssite import StoryPage, render, story_paragraphs
from tests.test_migrations import schema_differences
from tracker.cli import app
from tracker.db import migrate
from tracker.db.engine import Database, open_database
from tracker.db.models import Diff, Story, Version
from tracker.sources.importer import import_paths, seeds_dir
from tracker.sources.tracking import track_stories
from tracker.store.schedule import Policy, claim_stories, renew
from tracker.store.write import Article, Candidate, Observation, store_candidate

# Real worker processes against real servers, seconds each: `pytest -m 'not slow'` skips them.
pytestmark = pytest.mark.slow

T0 = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def workers(pg_url: str) -> Iterator[Workers]:
    started = Workers(pg_url)
    yield started
    started.stop_all()


def claims(db: Database) -> dict[int, tuple[str, datetime]]:
    with db.reading() as session:
        rows = session.execute(select(Story.id, Story.claimed_by, Story.claimed_until)
                               .where(Story.claimed_by.is_not(None)))
        # A claim always sets both columns; the filter says so to the type checker too.
        return {story_id: (worker, until) for story_id, worker, until in rows
                if worker is not None and until is not None}


def holders(db: Database) -> dict[int, str]:
    return {story_id: worker for story_id, (worker, _) in claims(db).items()}


def settled_holders(db: Database, quiet: float = 1.0, timeout: float = 60) -> dict[int, str]:
    """Who holds which story, once that has not changed for `quiet` seconds: workers that
    start late on a loaded machine must not look like claims taken during the upgrade."""
    deadline = time.monotonic() + timeout
    held, since = holders(db), time.monotonic()
    while time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, "the claims never settled"
        time.sleep(0.1)
        now = holders(db)
        if now != held:
            held, since = now, time.monotonic()
    return held


def test_four_workers_fetch_every_story_once_per_interval(
    farm: Farm, pg_db: Database, workers: Workers
) -> None:
    ids = track(pg_db, farm.serve(500))
    first = workers.run(4)
    assert sum(first) == 500
    assert sum(checked > 0 for checked in first) >= 2, f"one worker did all the work: {first}"
    assert set(farm.hits) == set(ids) and set(farm.hits.values()) == {1}
    assert per_story(pg_db, "versions") == Counter(dict.fromkeys(ids.values(), 1))

    make_due(pg_db)
    second = workers.run(4)
    assert sum(second) == 500
    assert set(farm.hits.values()) == {2}
    assert per_story(pg_db, "checks") == Counter(dict.fromkeys(ids.values(), 2))
    assert per_story(pg_db, "versions") == Counter(dict.fromkeys(ids.values(), 1))


def test_the_delay_between_requests_to_a_site_holds_across_workers(
    web_server: HTTPServer, pg_db: Database, workers: Workers
) -> None:
    """Two workers, each given half of the stories of each of two sites (127.0.0.1 and
    localhost are two hosts to tracker): every request to a site starts at least `--delay`
    after the one before it, whichever worker sent them. Each worker's own spacing alone
    would let the two send together.

    The turns are exactly `delay` apart; a request reaches the server late by as long as its
    worker stalls (here, up to half a second while the first stored version loads the
    analysis' word lists), which brings it that much closer to the next one: the test
    allows half the delay for that."""
    delay, per_site = 1.5, 5
    starts: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()

    def handle(request: Request) -> Response:
        with lock:
            starts[request.host.rsplit(":", 1)[0]].append(time.time())
        page = StoryPage(f"Page {request.path}", story_paragraphs(request.path), static=True)
        return Response(render(page, 0), content_type="text/html; charset=utf-8")

    web_server.clear()
    web_server.expect_request(re.compile(r"^/site/\d+$")).respond_with_handler(handle)
    port = web_server.port
    urls = [f"http://{host}:{port}/site/{n}" for host in ("127.0.0.1", "localhost")
            for n in range(per_site)]
    ids = list(track(pg_db, urls[:per_site]).values()) + [
        story.story_id for story in track_stories(pg_db, urls[per_site:], datetime.now(UTC))]
    halves = [[f"--story={story}" for story in ids[start::2]] for start in (0, 1)]
    options = ("--per-host", "2", "--delay", f"{delay:g}")
    outputs = workers.finish([workers.start("snapshot", *half, *options) for half in halves])
    web_server.clear()

    assert [int(CHECKED.search(out).group(1)) for out in outputs] == [per_site] * 2  # type: ignore[union-attr]
    assert sorted(starts) == ["127.0.0.1", "localhost"]
    for host, times in starts.items():
        gaps = [later - earlier for earlier, later in itertools.pairwise(sorted(times))]
        assert len(times) == per_site and min(gaps) >= delay / 2, (host, gaps)
        assert sum(gaps) >= (per_site - 1) * delay - delay / 2, (host, gaps)


def test_a_worker_holds_one_connection(
    farm: Farm, pg_db: Database, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Claims, turns for the site, renewals and stores all go through the worker's one
    connection, so a hundred workers hold a hundred (docs/deploy.md). Its connections are
    told apart by the application name libpq takes from PGAPPNAME."""
    ids = track(pg_db, farm.serve(40))
    name = f"tracker-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PGAPPNAME", name)
    monkeypatch.setenv("TRACKER_LEASE", "3s")  # a renewal every second while pages hang
    counter = create_engine(pg_db.engine.url, connect_args={"application_name": "counter"})
    farm.gate.clear()
    worker = workers.start("snapshot", "--per-host", "8", "--delay", "0.05")
    farm.wait_for_requests(8)
    held = []
    with counter.connect() as connection:
        for _ in range(30):
            held.append(connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": name}).scalar_one())
            time.sleep(0.1)
    farm.gate.set()
    workers.finish([worker])
    counter.dispose()
    assert max(held) == 1, held
    assert per_story(pg_db, "checks") == Counter(dict.fromkeys(ids.values(), 1))


def test_a_killed_workers_stories_are_taken_again_after_its_lease(
    farm: Farm, pg_db: Database, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long enough that the first run below (the other stories) ends before the lease does, also
    # on a loaded machine: a run that outlasts it takes the victim's stories itself.
    monkeypatch.setenv("TRACKER_LEASE", "15s")
    ids = track(pg_db, farm.serve(200))
    farm.gate.clear()
    victim = workers.snapshot()
    farm.wait_for_requests(1)
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    held = claims(pg_db)
    assert 0 < len(held) < 200 and len({worker for worker, _ in held.values()}) == 1
    time.sleep(0.5)  # requests the victim sent before it died are all counted by now
    by_victim = Counter(farm.hits)
    farm.gate.set()

    workers.run(3)  # the other stories, at once
    lease_end = max(until for _, until in held.values())
    time.sleep(max(0.0, lease_end.timestamp() - time.time()) + 0.2)
    workers.run(3)  # the victim's, now that its lease has run out

    assert per_story(pg_db, "checks") == Counter(dict.fromkeys(ids.values(), 1))
    assert per_story(pg_db, "versions") == Counter(dict.fromkeys(ids.values(), 1))
    assert claims(pg_db) == {}
    for path, story_id in ids.items():
        after = farm.hits[path] - by_victim[path]
        assert after == 1, f"{path} fetched {after} times after the kill"
        if story_id in held:
            taken = farm.arrivals[path][-1]
            assert taken > held[story_id][1].timestamp(), f"{path} taken before the lease end"
        else:
            assert by_victim[path] == 0


def test_a_batch_that_outlasts_the_lease_is_not_taken_over(
    farm: Farm, pg_db: Database, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker renews its lease while its pages hang, so another finds nothing to take."""
    monkeypatch.setenv("TRACKER_LEASE", "2s")
    ids = track(pg_db, farm.serve(30))
    farm.gate.clear()
    slow = workers.snapshot()
    farm.wait_for_requests(1)
    time.sleep(5)  # two and a half leases
    assert workers.run(1) == [0]
    farm.gate.set()
    assert workers.finish([slow]) and set(farm.hits.values()) == {1}
    assert per_story(pg_db, "checks") == Counter(dict.fromkeys(ids.values(), 1))


def test_a_worker_stopped_with_sigterm_gives_its_stories_back_at_once(
    farm: Farm, pg_db: Database, workers: Workers
) -> None:
    track(pg_db, farm.serve(100))
    farm.gate.clear()
    worker = workers.snapshot()
    farm.wait_for_requests(1)
    assert claims(pg_db)
    worker.send_signal(signal.SIGTERM)
    wait_until(lambda: not claims(pg_db), "its stories to be given back before the lease ends")
    assert per_story(pg_db, "checks") == Counter()  # given back, not checked: the pages never came
    farm.gate.set()  # its fetch threads finish their requests, and the process exits
    worker.communicate(timeout=60)
    assert worker.returncode != 0  # interrupted, as with Ctrl-C


def test_db_upgrade_runs_while_workers_do(farm: Farm, pg_db: Database, workers: Workers) -> None:
    ids = track(pg_db, farm.serve(100))
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    head = scripts.get_revision(migrate.head_revision())
    assert head is not None and isinstance(head.down_revision, str)
    migrate.downgrade(pg_db.engine, head.down_revision)
    farm.gate.clear()
    # Workers and an upgrade starting together: the advisory lock lets one of them upgrade.
    running = [workers.snapshot() for _ in range(4)] + [workers.start("db", "upgrade")]
    farm.wait_for_requests(16)
    # The workers hold claims and wait on pages: an upgrade now must not wait for them. Who
    # holds what is compared, not until when: a loaded machine may see a lease renewed.
    held = settled_holders(pg_db)
    workers.finish([workers.start("db", "upgrade")], timeout=60)
    assert holders(pg_db) == held and not per_story(pg_db, "checks"), "it waited for them"
    farm.gate.set()
    workers.finish(running)

    assert per_story(pg_db, "checks") == Counter(dict.fromkeys(ids.values(), 1))
    assert set(farm.hits.values()) == {1}
    with pg_db.engine.connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()
    assert schema_differences(pg_db) == []


def _open_together(url: str, barrier: Any) -> None:
    barrier.wait()
    open_database(url).close()


def test_processes_creating_the_same_postgres_schema_at_once_all_succeed(pg_url: str) -> None:
    """The advisory lock in migrations/env.py: the first creates the schema, the others wait
    and find it done (without it, two of them would create the same tables)."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    processes = [context.Process(target=_open_together, args=(pg_url, barrier))
                 for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [process.exitcode for process in processes] == [0] * 4
    database = open_database(pg_url, upgrade=False)
    with database.engine.connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()
    assert schema_differences(database) == []
    database.close()


def test_the_schema_refuses_a_second_version_number_or_diff(pg_db: Database) -> None:
    """The invariants racing writers rely on are constraints, not only checks in the code."""
    with pg_db.engine.connect() as connection:
        schema = inspect(connection)
        assert ["story_id", "number"] in [uq["column_names"] for uq in
                                          schema.get_unique_constraints("versions")]
        assert ["from_version_id", "to_version_id"] in [uq["column_names"] for uq in
                                                        schema.get_unique_constraints("diffs")]
    import_paths(pg_db, [seeds_dir()])
    with pytest.raises(IntegrityError), pg_db.writing() as session:
        version = session.scalars(select(Version).where(Version.number == 2)).one()
        session.add(Version(**_copy(version, "id", "story")))
    with pytest.raises(IntegrityError), pg_db.writing() as session:
        diff = session.scalars(select(Diff).limit(1)).one()
        session.add(Diff(**_copy(diff, "id")))


def _copy(row: Any, *leave_out: str) -> dict[str, Any]:
    columns = inspect(type(row)).columns.keys()
    return {name: getattr(row, name) for name in columns if name not in leave_out}


def _store_in_step(url: str, rounds: int, barrier: Any) -> None:
    """One racing writer: in each round, store the same text as every other writer at once."""
    db = open_database(url)
    for n in range(rounds):
        barrier.wait()
        # Each text comes twice: the first round races to add it, the second to repeat it.
        text = f"Text number {n // 2}.\n\n{' '.join(['word'] * (n // 2 + 5))}"
        store_candidate(db, Candidate("https://example.org/race", Article(text, title="Race"),
                                      Observation(datetime.now(UTC))))
    db.close()


def test_writers_racing_on_the_same_content_store_it_once(pg_url: str, pg_db: Database) -> None:
    writers, rounds = 4, 12
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(writers)
    processes = [context.Process(target=_store_in_step, args=(pg_url, rounds, barrier))
                 for _ in range(writers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [process.exitcode for process in processes] == [0] * writers
    with pg_db.reading() as session:
        versions = session.execute(select(Version.number, Version.content_hash)
                                   .order_by(Version.number)).all()
        pairs = session.execute(select(Diff.from_version_id, Diff.to_version_id)).all()
        outcomes = Counter(session.scalars(text("SELECT outcome FROM checks")))
    assert [number for number, _ in versions] == list(range(1, rounds // 2 + 1))
    assert len({digest for _, digest in versions}) == rounds // 2
    assert len(pairs) == len(set(pairs)) == rounds // 2 - 1
    assert outcomes == {"new_version": rounds // 2, "unchanged": writers * rounds - rounds // 2}


def test_renewing_keeps_a_lease_only_for_its_holder(any_db: Database) -> None:
    policy = Policy(lease=timedelta(minutes=1))
    urls = [f"https://example.org/lease/{n}" for n in range(3)]
    ids = [story.story_id for story in track_stories(any_db, urls, T0)]
    assert [c.story_id for c in claim_stories(any_db, "a", T0, policy, limit=10)] == ids
    later = T0 + timedelta(seconds=50)
    assert renew(any_db, "a", ids[:2], later, policy) == 2
    assert renew(any_db, "b", ids, later, policy) == 0  # not b's to renew
    after_first_lease = T0 + timedelta(seconds=70)
    taken = claim_stories(any_db, "b", after_first_lease, policy, limit=10)
    assert [claimed.story_id for claimed in taken] == ids[2:]


def test_status_names_the_workers_holding_stories_and_the_backlog(any_db: Database) -> None:
    now = datetime.now(UTC)
    urls = [f"https://example.org/status/{n}" for n in range(5)]
    track_stories(any_db, urls, now - timedelta(minutes=30))
    claim_stories(any_db, "newsroom-2:4242:9f1c2a", now, Policy(), limit=3)
    result = CliRunner().invoke(app, ["--db", any_db.url, "status"])
    assert result.exit_code == 0, result.stderr
    assert "due now: 5; being checked: 3" in result.stdout
    waiting = (now - timedelta(minutes=30)).strftime("%H:%M")
    assert "oldest due story waiting since" in result.stdout and waiting in result.stdout
    assert "workers: newsroom-2:4242:9f1c2a (3 stories)" in result.stdout
