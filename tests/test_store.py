"""The write path on real databases: versions, diffs and checks, idempotence and races."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tracker.db import queries
from tracker.db.engine import Database, open_database
from tracker.db.models import Check, Diff, Outcome, Source, Version
from tracker.errors import InvalidInput
from tracker.history import compare
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.text.analysis import Fact, Tag
from tracker.text.normalise import stored_page

URL = "https://example.org/news/story"
T0 = datetime(2020, 1, 7, 23, 0, tzinfo=UTC)


def candidate(text: str, minutes: int = 0, title: str = "Headline",
              html: str | None = None, byline: str | None = None) -> Candidate:
    stored_html = stored_page(html) if html is not None else None
    return Candidate(URL, Article(text, title=title, byline=byline, stored_html=stored_html),
                     Observation(T0 + timedelta(minutes=minutes), Source.SNAPSHOT))


def count(db: Database, model: type) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_first_candidate_creates_story_and_version_one(any_db: Database) -> None:
    result = store_candidate(any_db, candidate("One paragraph.\nTwo paragraph."))
    assert result.outcome is Outcome.NEW_VERSION and result.version_number == 1
    story = queries.find_story(any_db, URL)
    assert (story.site, story.title, story.version_count) == ("example.org", "Headline", 1)


def test_identical_content_is_a_check_not_a_version(any_db: Database) -> None:
    store_candidate(any_db, candidate("Same text."))
    result = store_candidate(any_db, candidate("Same  text.\n\n", minutes=5))
    assert result.outcome is Outcome.UNCHANGED
    assert count(any_db, Version) == 1 and count(any_db, Check) == 2


def test_changed_text_stores_version_and_its_diff(any_db: Database) -> None:
    store_candidate(any_db, candidate("Iran launched at least 10 missiles."))
    result = store_candidate(any_db, candidate("Iran launched more than a dozen missiles.", 5))
    assert result.outcome is Outcome.NEW_VERSION and result.version_number == 2
    assert result.stats is not None
    assert (result.stats.words_added, result.stats.words_removed) == (4, 3)
    view = compare.get_diff(any_db, result.story_id, 1, 2)
    assert view.stored
    assert "".join(t for op, t in view.ops if op == -1).strip() == "at least 10"


def test_headline_change_alone_is_a_new_version(db: Database) -> None:
    store_candidate(db, candidate("Body.", title="Iran fires missiles"))
    result = store_candidate(db, candidate("Body.", 5, title="Iran fires rockets"))
    assert result.outcome is Outcome.NEW_VERSION
    view = compare.get_diff(db, result.story_id, 1, 2)
    assert view.headline_changed and not view.stats.changed
    assert (-1, "missiles") in view.title_ops and (1, "rockets") in view.title_ops


def test_revert_is_a_new_version_marked_as_such(db: Database) -> None:
    for minutes, body in enumerate(["80 killed.", "No casualties.", "80 killed."]):
        result = store_candidate(db, candidate(body, minutes))
    assert result.version_number == 3
    assert queries.list_versions(db, result.story_id)[-1].reverts_to == 1


def test_empty_text_is_refused_and_nothing_is_written(db: Database) -> None:
    with pytest.raises(InvalidInput, match="no text"):
        store_candidate(db, candidate(" \n\u200b\n "))
    assert count(db, Version) == 0 and queries.count_stories(db) == 0


def test_idempotent_store_skips_a_version_seen_at_the_same_time(db: Database) -> None:
    store_candidate(db, candidate("Text one."), idempotent=True)
    again = store_candidate(db, candidate("Text one."), idempotent=True)
    assert again.outcome is Outcome.ALREADY_STORED
    assert count(db, Check) == 1


def test_idempotent_store_refuses_to_insert_before_the_latest(db: Database) -> None:
    store_candidate(db, candidate("Text one.", 10), idempotent=True)
    with pytest.raises(InvalidInput, match="older than the stored version 1"):
        store_candidate(db, candidate("Text zero.", 0), idempotent=True)


def test_raw_html_is_kept_compressed(db: Database) -> None:
    html = "<html><body><p>Text</p></body></html>" * 50
    store_candidate(db, candidate("Text.", html=html))
    with db.reading() as session:
        stored = session.scalars(select(Version.raw_html)).one()
    assert stored is not None and len(stored) < len(html) / 5


def test_racing_writers_store_one_version(db_url: str, any_db: Database) -> None:
    """Eight threads with their own engines store the same new content: exactly one wins."""
    store_candidate(any_db, candidate("Base text."))
    barrier = threading.Barrier(8)
    outcomes: list[Outcome] = []

    def write() -> None:
        own = open_database(any_db.url)
        barrier.wait()
        outcomes.append(store_candidate(own, candidate("Changed text.", 5)).outcome)
        own.close()

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes).count(Outcome.NEW_VERSION) == 1
    assert outcomes.count(Outcome.UNCHANGED) == 7
    assert count(any_db, Version) == 2 and count(any_db, Diff) == 1


def test_a_byline_only_edit_is_a_version_tagged_byline(any_db: Database) -> None:
    store_candidate(any_db, candidate("Same text.", byline="By Sarah Jones"))
    result = store_candidate(any_db, candidate("Same text.", 5, byline="By Amit Patel"))
    assert result.outcome is Outcome.NEW_VERSION and result.version_number == 2
    again = store_candidate(any_db, candidate("Same text.", 10, byline="By Amit Patel"))
    assert again.outcome is Outcome.UNCHANGED
    versions = queries.list_versions(any_db, result.story_id)
    assert versions[1].tags == ("byline",) and versions[1].reverts_to is None
    view = compare.get_diff(any_db, result.story_id, 1, 2)
    assert view.byline_changed and not view.stats.changed
    assert view.analysis is not None and view.analysis.facts == (
        Fact(Tag.BYLINE, "changed", "By Sarah Jones", "By Amit Patel"),)


#: A diff's analysis as the rules before issue 12 stored it: a flat headline score.
OLD_RULES_ANALYSIS = (
    '{"edits":[{"kind":"edited","old":[0],"new":[0],"old_text":"Letters were sent.",'
    '"new_text":"Letters were not sent.","similarity":0.857,"ops":[[0,"Letters were "],'
    '[1,"not "],[0,"sent."]],"tags":["lede"],"facts":[],"significance":3.643}],'
    '"unchanged":0,"tags":["headline","lede"],"facts":[{"tag":"headline","change":"changed",'
    '"old":"One dead in fire","new":"Two dead in fire","who":null}],"significance":52.2,'
    '"complete":true}'
)


def test_reindex_recomputes_stored_analyses_with_the_current_rules(any_db: Database) -> None:
    from sqlalchemy import text

    from tracker.store.reindex import reindex
    from tracker.text.analysis import from_json

    store_candidate(any_db, candidate("Letters were sent.", title="One dead in fire"))
    result = store_candidate(any_db, candidate("Letters were not sent.", 5,
                                               title="Two dead in fire"))
    with any_db.writing() as session:
        session.execute(text("UPDATE diffs SET analysis = :a, significance = 52.2"),
                        {"a": OLD_RULES_ANALYSIS})
        session.execute(text("DELETE FROM diff_tags"))
        session.execute(text("INSERT INTO diff_tags (diff_id, tag) SELECT id, 'headline' "
                             "FROM diffs"))
    old = compare.get_diff(any_db, result.story_id, 1, 2).analysis
    assert old == from_json(OLD_RULES_ANALYSIS) and old.tags == (Tag.HEADLINE, Tag.LEDE)
    assert reindex(any_db) == 1
    versions = queries.list_versions(any_db, result.story_id)
    assert set(versions[1].tags) == {"number", "negation", "headline", "lede"}
    new = compare.get_diff(any_db, result.story_id, 1, 2).analysis
    assert new is not None and Fact(Tag.NUMBER, "changed", "one", "two") in new.facts
    assert new.significance == versions[1].significance != 52.2


@pytest.mark.parametrize(("old", "new", "tag", "word"), [
    ("Four arrested after stabbing", "Five arrested after stabbing", "number", "five"),
    ("Airport chaos 'to last all summer'", "Airport chaos expected to last all summer", "quote",
     "expected"),
    ("Bridge shut until spring, police say", "Bridge shut until spring, officials say",
     "attribution", "officials"),
    ("Council will close library", "Council will never close library", "negation", "never"),
    ("Goverment to review fares", "Government to review fares", "minor", "government"),
])
def test_each_kind_of_headline_change_is_stored_and_searchable_by_tag(
    any_db: Database, old: str, new: str, tag: str, word: str
) -> None:
    from tracker.search import Field, SearchFilter, search

    store_candidate(any_db, candidate("Body text.", title=old))
    result = store_candidate(any_db, candidate("Body text.", 5, title=new))
    assert set(queries.list_versions(any_db, result.story_id)[1].tags) == {"headline", tag}
    where = SearchFilter(fields=(Field.ADDED, Field.REMOVED), tag=tag)
    assert [hit.to_version for hit in search(any_db, word, where)] == [2]


def test_checks_of_a_batch_cost_the_same_statements_for_one_or_forty(db: Database) -> None:
    """A batch of quick checks is a fixed number of statements however many stories it holds:
    loaded one by one, each story flushed the previous one's check on its own, and a run of
    304s waited on its writer thread (issue 17)."""
    from sqlalchemy import event

    from tracker.store.schedule import Policy
    from tracker.store.write import CheckFacts, Scheduling, record_checks

    ids = [store_candidate(db, Candidate(f"{URL}/{n}", Article("Text."), Observation(
        T0, Source.SNAPSHOT))).story_id for n in range(40)]
    statements: list[str] = []
    event.listen(db._write_engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    facts = CheckFacts(T0 + timedelta(minutes=5), Source.SNAPSHOT, Outcome.NOT_MODIFIED, 304)
    scheduling = Scheduling(Policy(), "test")
    counts = []
    for batch in (ids[:1], ids[1:]):
        statements.clear()
        plans = record_checks(db, [(story_id, facts) for story_id in batch], scheduling)
        assert all(plan is not None for plan in plans)
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert count(db, Check) == 80
