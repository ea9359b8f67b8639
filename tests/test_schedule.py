"""The schedule: next-check times, backoff, gone and quiet stories, and claims with leases."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tracker.db.engine import Database
from tracker.db.models import Story, StoryStatus
from tracker.errors import InvalidInput
from tracker.sources.tracking import set_status, track_stories
from tracker.store.schedule import (
    Plan,
    Policy,
    StoryTimes,
    apply_plan,
    claim_stories,
    plan_after_check,
    plan_feed_check,
    release,
)
from tracker.text.timespec import parse_duration

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
POLICY = Policy()


def times(changed_minutes_ago: float | None, failures: int = 0, missing: int = 0) -> StoryTimes:
    changed = None if changed_minutes_ago is None else T0 - timedelta(minutes=changed_minutes_ago)
    return StoryTimes(T0 - timedelta(days=1), changed, failures, missing)


def interval(plan_times: StoryTimes, **flags: Any) -> timedelta:
    return plan_after_check(plan_times, T0, POLICY, **flags).next_check_at - T0


def test_a_story_that_just_changed_is_checked_every_few_minutes() -> None:
    assert interval(times(1)) == POLICY.min_interval


def test_the_interval_grows_while_a_story_stays_the_same() -> None:
    intervals = [interval(times(minutes)) for minutes in (30, 120, 600, 1200, 3000)]
    assert intervals == sorted(intervals) and intervals[0] < intervals[-1]
    assert intervals[-1] == POLICY.max_interval


def test_a_story_quiet_for_long_enough_stops_being_checked() -> None:
    plan = plan_after_check(times(7 * 24 * 60 + 1), T0, POLICY)
    assert plan.status == StoryStatus.QUIET


def test_failures_back_off_up_to_the_limit_and_report_once() -> None:
    plans = []
    state = times(10)
    for _ in range(12):
        plan = plan_after_check(state, T0, POLICY, failed=True)
        plans.append(plan)
        state = StoryTimes(state.first_seen_at, state.last_changed_at, plan.failure_count, 0)
    waits = [plan.next_check_at - T0 for plan in plans]
    assert waits[0] == 2 * POLICY.min_interval and waits[1] == 4 * POLICY.min_interval
    assert waits[-1] == POLICY.max_interval
    assert [plan.report_failure(POLICY) for plan in plans].count(True) == 1
    assert all(plan.status == StoryStatus.ACTIVE for plan in plans)


def test_a_persisting_404_marks_the_story_gone_and_a_success_resets_the_count() -> None:
    plan = plan_after_check(times(10, 2, 2), T0, POLICY, failed=True, missing=True)
    assert plan.status == StoryStatus.GONE
    assert plan_after_check(times(10, 1, 1), T0, POLICY, failed=True).missing_count == 0
    assert plan_after_check(times(10, 5, 2), T0, POLICY).failure_count == 0


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("10m", 600), ("2h", 7200),
                                                ("7d", 604800), ("45", 45), ("1.5h", 5400)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "ten minutes", "-5m", "0m", "5x"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="not a duration"):
        parse_duration(text)


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_MIN_INTERVAL", "2m")
    monkeypatch.setenv("TRACKER_GONE_AFTER", "5")
    policy = Policy.from_env()
    assert (policy.min_interval, policy.gone_after) == (timedelta(minutes=2), 5)
    assert policy.max_interval == Policy().max_interval


def add(db: Database, count: int) -> list[int]:
    urls = [f"https://example.org/story/{n}" for n in range(count)]
    return [story.story_id for story in track_stories(db, urls, T0)]


def claimed(db: Database, worker: str, at: datetime, limit: int = 100, **kw: object) -> list[int]:
    return [story.story_id for story in claim_stories(db, worker, at, POLICY, limit=limit,
                                                      **kw)]  # type: ignore[arg-type]


def test_claims_are_exclusive_until_the_lease_runs_out(any_db: Database) -> None:
    ids = add(any_db, 10)
    assert claimed(any_db, "a", T0, limit=4) == ids[:4]
    assert claimed(any_db, "b", T0 + timedelta(minutes=1)) == ids[4:]
    assert claimed(any_db, "c", T0 + timedelta(minutes=2)) == []
    after_lease = T0 + POLICY.lease + timedelta(seconds=1)
    assert claimed(any_db, "c", after_lease) == ids[:4]  # a's stories: a died, c takes them


def test_released_stories_can_be_claimed_again(any_db: Database) -> None:
    ids = add(any_db, 3)
    assert claimed(any_db, "a", T0) == ids
    release(any_db, "b", ids)  # not b's: nothing happens
    assert claimed(any_db, "b", T0) == []
    release(any_db, "a", ids[:1])
    assert claimed(any_db, "b", T0) == ids[:1]


def test_only_scheduled_active_due_stories_are_claimed(any_db: Database) -> None:
    ids = add(any_db, 3)
    set_status(any_db, ids[0], StoryStatus.PAUSED, T0)
    assert claimed(any_db, "a", T0 - timedelta(minutes=1)) == []  # not due yet
    assert claimed(any_db, "a", T0) == ids[1:]
    assert claimed(any_db, "b", T0, story_ids=[ids[0]]) == ids[:1]  # asked for by id


def test_every_ignores_the_schedule_but_not_the_claims(any_db: Database) -> None:
    ids = add(any_db, 2)
    early = T0 - timedelta(hours=1)
    assert claimed(any_db, "a", early, every=True, limit=1) == ids[:1]
    assert claimed(any_db, "b", early, every=True) == ids[1:]


def test_every_claims_batches_by_id_from_where_the_last_one_stopped(any_db: Database) -> None:
    """`--all` walks the primary key: a batch starts after the previous batch's last id, and
    skips the stories another worker holds."""
    ids = add(any_db, 6)
    assert claimed(any_db, "other", T0, story_ids=[ids[2]]) == [ids[2]]
    first = claimed(any_db, "a", T0, every=True, limit=2)
    second = claimed(any_db, "a", T0, every=True, limit=2, after=first[-1])
    third = claimed(any_db, "a", T0, every=True, limit=2, after=second[-1])
    assert (first, second, third) == (ids[:2], ids[3:5], ids[5:])
    assert claimed(any_db, "a", T0, every=True, limit=2, after=ids[-1]) == []


def test_feeds_back_off_like_stories_and_recover_at_once() -> None:
    first = plan_feed_check(0, T0, POLICY, failed=True)
    second = plan_feed_check(first.failure_count, T0, POLICY, failed=True)
    assert (first.failure_count, second.failure_count) == (1, 2)
    assert first.next_check_at - T0 == POLICY.min_interval * 2
    assert second.next_check_at - T0 == POLICY.min_interval * 4
    assert second.report_failure(POLICY) and not first.report_failure(POLICY)
    ok = plan_feed_check(second.failure_count, T0, POLICY, failed=False)
    assert (ok.failure_count, ok.next_check_at - T0) == (0, POLICY.min_interval)


def test_applying_a_plan_keeps_a_paused_row_paused_and_releases_only_its_own_claim() -> None:
    row = Story(url="http://x/", site="x", status=StoryStatus.PAUSED, failure_count=3,
                claimed_by="other", claimed_until=T0)
    apply_plan(row, Plan(T0, StoryStatus.GONE, 0, 0), "me")
    assert (row.status, row.failure_count, row.next_check_at) == (StoryStatus.PAUSED, 0, T0)
    assert row.claimed_by == "other"
    mine = Story(url="http://y/", site="y", status=StoryStatus.ACTIVE, failure_count=0,
                 claimed_by="me", claimed_until=T0)
    apply_plan(mine, Plan(T0, StoryStatus.QUIET, 0, 0), "me")
    assert (mine.status, mine.claimed_by, mine.claimed_until) == (StoryStatus.QUIET, None, None)
