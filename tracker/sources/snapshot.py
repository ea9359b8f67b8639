"""One snapshot run: claim the due stories, fetch them concurrently, store what really changed.

The event loop only fetches. Extraction (the costly part of a changed page) runs in a pool of
processes, one per core, with the page's decoding and compression and the diff against the
story's latest version and its analysis (read beforehand): the run holds a changed page only as
its fetched bytes, then compressed. Database writes run on one writer thread so they never
block fetching, and that writer, which all versions queue on, only stores.
A page whose bytes are those of the latest version, or a 304, costs no extraction, and such checks
are written together, one transaction per batch. A new version, its diff, its check and the
story's new schedule are one transaction (`tracker.store.write`), so a run killed at any moment
leaves each story either checked or still claimed, and a claim runs out after the lease.
"""

import asyncio
import contextlib
import hashlib
import os
import secrets
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from tracker.db.engine import Database
from tracker.db.models import Outcome, Source, StoryStatus
from tracker.errors import DatabaseError
from tracker.sources import extract
from tracker.sources.extractors import extractors
from tracker.sources.feeds import poll_feeds
from tracker.sources.fetch import Fetcher, FetchFailed, FetchLimits, Page
from tracker.sources.report import SnapshotReport as SnapshotReport  # re-exported
from tracker.sources.report import StoryResult as StoryResult
from tracker.store.schedule import Claimed, Plan, Policy, claim_stories, release, renew
from tracker.store.spacing import take_turn
from tracker.store.write import (
    Article,
    Candidate,
    CheckFacts,
    Observation,
    Prepared,
    Scheduling,
    StoreResult,
    latest_of,
    record_checks,
    store_candidate,
)

Clock = Callable[[], datetime]
MIN_RATIO = 0.2
"""A text under a fifth of the latest version's is an extraction failure, not an edit."""


@dataclass(frozen=True)
class SnapshotOptions:
    limits: FetchLimits = field(default_factory=FetchLimits)
    policy: Policy = field(default_factory=Policy)
    story_ids: tuple[int, ...] = ()
    every: bool = False
    """Ignore next-check times (`tracker snapshot --all`)."""
    batch_size: int = 64
    extract_processes: int | None = None
    """Processes for extraction; None is one per core, 0 extracts on a thread of this process."""
    worker: str = field(default_factory=lambda: worker_name())


def worker_name() -> str:
    """Who holds a claim: host, process and a random tag, so a restarted pid differs."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def run_snapshot(
    db: Database, options: SnapshotOptions | None = None, *, clock: Clock | None = None,
    on_result: Callable[[StoryResult], None] | None = None,
) -> SnapshotReport:
    """Check every due story (or `options.story_ids`) once; see the module docstring."""
    from tracker.notify.deliver import after_run  # start-up of every command stays lean

    run = _Run(db, options or SnapshotOptions(), clock or (lambda: datetime.now(UTC)), on_result)
    report = asyncio.run(run.main())
    alerts = after_run(db, run.options.worker, run.clock)  # never raises: see tracker.notify
    report.alerts_sent = alerts.sent
    report.errors.extend(alerts.errors)
    return report


class _Run:
    """The state of one run: its executors, its fetcher and its report."""

    def __init__(self, db: Database, options: SnapshotOptions, clock: Clock,
                 on_result: Callable[[StoryResult], None] | None) -> None:
        self.db, self.options, self.clock, self.on_result = db, options, clock, on_result
        self.scheduling = Scheduling(options.policy, options.worker)
        self.report = SnapshotReport()
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="tracker-writer")
        self.held: set[int] = set()
        self.claimed_up_to = 0
        """The last story id claimed, where the next `--all` batch starts (see claim_stories)."""

    async def write(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a database call on the writer thread, so the loop keeps fetching meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.writer, partial(function, *args, **kwargs))

    async def main(self) -> SnapshotReport:
        started = self.clock()
        renewal = asyncio.create_task(self._keep_leases())
        try:
            with extractors(self.options.extract_processes) as pool:
                async with Fetcher(self.options.limits, self._take_turn) as fetcher:
                    if not self.options.story_ids:
                        await self._feeds(fetcher)
                    await self._check_all(started, fetcher, pool)
        except DatabaseError as exc:
            raise DatabaseError(exc.message + self._give_back_after_failure()) from exc
        finally:
            renewal.cancel()
            self.writer.shutdown()  # a claim being made is committed and counted as held first
            release(self.db, self.options.worker, sorted(self.held))
        return self.report

    async def _take_turn(self, host: str, delay: float) -> float:
        """The fleet's next turn to fetch from `host` (tracker.store.spacing), taken on the
        writer thread like every other database call of the run, on its one connection."""
        wait: float = await self.write(take_turn, self.db, host, delay)
        return wait

    def _give_back_after_failure(self) -> str:
        """Give back the stories still held after the database failed, and say so: the run
        stops (the next story would fail alike), and no story's backoff counts the failure."""
        held, self.held = sorted(self.held), set()
        if not held:
            return ""
        stories = "1 story" if len(held) == 1 else f"{len(held)} stories"
        try:
            release(self.db, self.options.worker, held)
        except DatabaseError:
            minutes = self.options.policy.lease.total_seconds() / 60
            return (f"; the {stories} this run held will be checked again when its lease runs "
                    f"out ({minutes:g} minutes)")
        return f"; the {stories} this run held were given back unchecked"

    async def _keep_leases(self) -> None:
        """Renew the lease on the stories in hand every third of it (see `schedule.renew`)."""
        policy = self.options.policy
        while True:
            await asyncio.sleep(policy.lease.total_seconds() / 3)
            if self.held:
                with contextlib.suppress(DatabaseError):  # the run's own writes report it
                    await self.write(renew, self.db, self.options.worker, sorted(self.held),
                                     self.clock(), policy)

    async def _feeds(self, fetcher: Fetcher) -> None:
        feeds = await poll_feeds(self.db, fetcher, self.scheduling, self.clock, self.write)
        self.report.feeds_checked, self.report.stories_added = feeds.checked, feeds.stories_added
        self.report.skipped_entries = feeds.skipped
        self.report.errors.extend(feeds.errors)

    async def _claim(self, started: datetime) -> list[Claimed]:
        batch: list[Claimed] = await self.write(self._claim_now, started)
        self.claimed_up_to = max([self.claimed_up_to, *(story.story_id for story in batch)])
        return batch

    def _claim_now(self, started: datetime) -> list[Claimed]:
        """Claim the next batch on the writer thread and count it as held there: a run
        interrupted while awaiting the claim (SIGTERM, Ctrl-C) still gives the batch back."""
        batch = claim_stories(
            self.db, self.options.worker, self.clock(), self.options.policy,
            limit=self.options.batch_size, story_ids=self.options.story_ids,
            every=self.options.every, checked_before=started, after=self.claimed_up_to,
        )
        self.held.update(story.story_id for story in batch)
        return batch

    async def _check_all(self, started: datetime, fetcher: Fetcher, pool: Executor) -> None:
        """Check batch after batch, the database work of one batch beside the fetching of the
        next: the next batch is claimed while this one is fetched, and this one's quick checks
        are written while the next is fetched. Awaited in turn, a run of 304s spent most of its
        time with every fetch thread idle, waiting on its writer thread."""
        pending: list[asyncio.Future[Any]] = []
        try:
            batch = await self._claim(started)
            while batch:
                pending.append(asyncio.ensure_future(self._claim(started)))
                quick = await self._check_batch(batch, fetcher, pool)
                await _settle(pending[:-1])  # the previous batch's record: one write at a time
                pending = [pending[-1], asyncio.ensure_future(self._record(quick))]
                batch = await pending[0]
            await _settle(pending)
        finally:
            await _cancel(pending)

    async def _check_batch(self, batch: list[Claimed], fetcher: Fetcher,
                           pool: Executor) -> list[tuple[Claimed, CheckFacts]]:
        """Check the batch's stories at once; returns the checks that stored nothing."""
        quick: list[tuple[Claimed, CheckFacts]] = []
        checks = [asyncio.ensure_future(self._check(story, fetcher, pool, quick))
                  for story in batch]
        try:
            await asyncio.gather(*checks)
        except DatabaseError:  # stop the others now: each would wait for the same database
            await _cancel(checks)
            raise
        return quick

    async def _record(self, quick: list[tuple[Claimed, CheckFacts]]) -> None:
        """Write the checks that stored nothing, one transaction for the batch."""
        plans = await self.write(record_checks, self.db,
                                 [(story.story_id, facts) for story, facts in quick],
                                 self.scheduling)
        for (story, facts), plan in zip(quick, plans, strict=True):
            self._done(story, facts.outcome, error=facts.error, plan=plan)

    async def _check(self, story: Claimed, fetcher: Fetcher, pool: Executor,
                     quick: list[tuple[Claimed, CheckFacts]]) -> None:
        """Check one story; whatever goes wrong with it becomes its error check, nothing more."""
        status: int | None = None
        try:
            page = await fetcher.fetch(story.url, etag=story.etag,
                                       last_modified=story.last_modified)
            status = page.status
            body_hash = hashlib.sha256(page.body).hexdigest()
            if page.not_modified or body_hash == story.body_hash:
                outcome = Outcome.NOT_MODIFIED if page.not_modified else Outcome.UNCHANGED
                quick.append((story, self._facts(outcome, page.status, page.duration_ms)))
                return
            result, title = await self._store(story, page, body_hash, pool)
        except FetchFailed as exc:
            facts = replace(self._facts(Outcome.ERROR, exc.status, error=exc.message),
                            retry_after=exc.retry_after)
            quick.append((story, facts))
        except DatabaseError:  # not the story's fault: the run stops (see main)
            raise
        except Exception as exc:  # one bad page (extractor crash, odd markup) stops only itself
            error = f"{type(exc).__name__}: {exc}"
            quick.append((story, self._facts(Outcome.ERROR, status, error=error)))
        else:
            self._done(story, result.outcome, version=result.version_number, plan=result.plan,
                       title=title)

    async def _store(self, story: Claimed, page: Page, body_hash: str,
                     pool: Executor) -> tuple[StoreResult, str | None]:
        """Extract and store the page; the result, with the headline found for the summary."""
        loop = asyncio.get_running_loop()
        latest = await self.write(latest_of, self.db, story.story_id)
        done: extract.FetchedPage = await loop.run_in_executor(
            pool, extract.extract_fetched, page.body, page.charset, page.final_url,
            story.extraction_hint, latest.side if latest else None)
        found = done.found
        article = Article(found.text, found.title, found.byline, found.published_at,
                          found.updated_at, found.updated_by, stored_html=done.stored_html,
                          canonical_url=found.canonical_url)
        seen = replace(_observation(page, body_hash, self.clock()), extraction_hint=done.hint)
        prepared = (Prepared(latest.version_id, done.revision)
                    if latest and done.revision else None)
        candidate = Candidate(story.url, article, seen, min_ratio=MIN_RATIO, prepared=prepared)
        result: StoreResult = await self.write(store_candidate, self.db, candidate,
                                               scheduling=self.scheduling)
        return result, found.title

    def _facts(self, outcome: Outcome, status: int | None, duration_ms: int | None = None,
               error: str | None = None) -> CheckFacts:
        return CheckFacts(checked_at=self.clock(), source=Source.SNAPSHOT, outcome=outcome,
                          http_status=status, duration_ms=duration_ms, error=error)

    def _done(self, story: Claimed, outcome: Outcome, *, version: int | None = None,
              error: str | None = None, plan: Plan | None = None,
              title: str | None = None) -> None:
        self.held.discard(story.story_id)
        result = StoryResult(story.story_id, story.url, outcome, version, error,
                             _to_report(story, error, plan, self.options.policy), title)
        if plan is not None and plan.status == StoryStatus.GONE:
            self.report.gone += 1
        self.report.count(result)
        if self.on_result is not None:
            self.on_result(result)


async def _settle(tasks: Sequence[asyncio.Future[Any]]) -> None:
    """Wait for each task, raising the first failure."""
    for task in tasks:
        await task


async def _cancel(tasks: Sequence[asyncio.Future[Any]]) -> None:
    """Cancel what is not done and wait until it has stopped."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _observation(page: Page, body_hash: str, at: datetime) -> Observation:
    """The fetch as the check row records it, with the validators the next fetch sends."""
    return Observation(
        at, Source.SNAPSHOT, http_status=page.status, duration_ms=page.duration_ms,
        etag=page.etag, last_modified=page.last_modified, final_url=page.final_url,
        body_hash=body_hash,
    )


def _to_report(story: Claimed, error: str | None, plan: Plan | None, policy: Policy) -> str | None:
    """The line to show for a failure, only the first time it counts (not on every run)."""
    if error is None or plan is None:
        return None
    if plan.status == StoryStatus.GONE:
        return f"story {story.story_id} {story.url}: gone ({error} {plan.missing_count} times)"
    if plan.report_failure(policy):
        return f"story {story.story_id} {story.url}: {error} ({plan.failure_count} times in a row)"
    return None
