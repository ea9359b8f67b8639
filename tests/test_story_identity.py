"""One story per article: every spelling of a URL is one story, whatever brings it in (add,
feeds, imports, redirects, lookups), pages that declare one canonical URL are one story, and a
URL that names no story exactly is not found, never a near miss."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner
from werkzeug import Request, Response

from tests.newssite import NewsSite, StoryPage, render, story_paragraphs
from tests.test_snapshot import Runner
from tracker.cli import app
from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.models import Story, StoryAlias
from tracker.errors import ExitCode, NotFoundError
from tracker.sources.importer import import_paths
from tracker.sources.tracking import track_feed, track_stories
from tracker.text.urls import canonical_url

SPELLINGS = ["http://h.example/a", "http://h.example/a/", "http://h.example/a#comments",
             "HTTP://H.EXAMPLE/a", "http://h.example/a?utm_source=x",
             "http://h.example:80/a?fbclid=1&gclid=2&utm_medium=rss"]


@pytest.fixture
def runner(any_db: Database) -> Runner:
    """Snapshot runs at a test's clock, on SQLite and on PostgreSQL."""
    return Runner(any_db)


def test_every_spelling_of_a_url_has_one_canonical_form() -> None:
    assert {canonical_url(url) for url in SPELLINGS} == {"http://h.example/a"}
    assert canonical_url("https://H.example:443/x/y/?b=2&a=1&a=0#top") == \
        "https://h.example/x/y?a=0&a=1&b=2"
    assert canonical_url("http://h.example/caf%c3%a9/%7euser") == "http://h.example/caf%C3%A9/~user"
    assert canonical_url("http://h.example") == "http://h.example/"


def test_different_pages_stay_different() -> None:
    """Only what cannot name another page goes: not the path, not a real parameter."""
    forms = {canonical_url(url) for url in (
        "http://h.example/a", "http://h.example/b", "http://h.example/a?id=1",
        "http://h.example/a?id=2", "http://h.example/a?gallery=2", "http://h.example/a?ref=x",
        "https://h.example/a", "http://h.example/A", "http://h.example:8080/a")}
    assert len(forms) == 9
    assert canonical_url("http://user:PaSS@h.example/a") == "http://user:PaSS@h.example/a"


def test_adding_every_spelling_tracks_one_story(run, db: Database) -> None:
    result = run("add", *SPELLINGS)
    assert result.exit_code == 0
    assert [story.url for story in queries.list_stories(db)] == ["http://h.example/a"]
    again = run("add", "http://h.example/a/?utm_campaign=later")
    assert "already tracked" in again.stdout and queries.count_stories(db) == 1


def test_feed_links_lose_their_tracking_parameters(site: NewsSite, runner: Runner) -> None:
    page = site.add("/feed-entry", "Feed entry", static=True)

    def feed(_request: Request) -> Response:
        items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in (
            f"{page}?utm_source=rss&utm_medium=feed", f"{page}/#comments", page))
        return Response(f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
                        f"{items}</channel></rss>", content_type="application/rss+xml")

    site.server.expect_request("/feed.xml").respond_with_handler(feed)
    track_feed(runner.db, site.server.url_for("/feed.xml"), runner.clock.now)
    report = runner.run()
    assert (report.stories_added, report.new_versions) == (1, 1)
    assert [story.url for story in queries.list_stories(runner.db)] == [page]
    assert site.hits["/feed-entry"] == 1


def test_imports_under_two_spellings_are_one_story(db: Database, tmp_path: Path) -> None:
    first, second = tmp_path / "v1.txt", tmp_path / "v2.txt"
    first.write_text("observed: 2026-11-25T08:00:00Z\ntitle: A\n\nThe first text.\n")
    second.write_text("observed: 2026-11-25T09:00:00Z\ntitle: A\n\nThe second text.\n")
    import_paths(db, [first], url="https://news.example/story/?utm_source=share")
    import_paths(db, [second], url="HTTPS://NEWS.EXAMPLE/story#top")
    [story] = queries.list_stories(db)
    assert (story.url, story.version_count) == ("https://news.example/story", 2)


def test_the_redirect_target_is_stored_in_canonical_form(
    site: NewsSite, runner: Runner
) -> None:
    target = site.add("/new-home", "Moved story", static=True)
    site.server.expect_request("/old-home").respond_with_response(Response(
        status=301, headers={"Location": "/new-home?utm_source=redirect#top"}))
    [story_id] = runner.add(site.server.url_for("/old-home"))
    assert runner.run().new_versions == 1
    with runner.db.reading() as session:
        assert session.get_one(Story, story_id).final_url == target


def test_a_lookup_matches_the_canonical_form_exactly(run, db: Database) -> None:
    run("add", "http://h.example/x")
    assert queries.find_story(db, "HTTP://h.example/x/#top").url == "http://h.example/x"
    for near_miss in ("https://h.example/x", "http://www.h.example/x", "http://h.example/x/y",
                      "h.example/x", "99999999999999999999999"):
        with pytest.raises(NotFoundError):
            queries.find_story(db, near_miss)
    result = run("log", "https://www.h.example/x")
    assert result.exit_code == ExitCode.NOT_FOUND


def test_remove_deletes_only_the_story_it_names(run, db: Database) -> None:
    """`tracker remove https://www.H/x --yes` used to delete http://H/x."""
    run("add", "http://h.example/x")
    result = run("remove", "https://www.h.example/x/", "--yes")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert [story.url for story in queries.list_stories(db)] == ["http://h.example/x"]
    assert run("remove", "http://h.example/x/", "--yes").exit_code == 0
    assert queries.count_stories(db) == 0


def serve_with_canonical(site: NewsSite, path: str, title: str, canonical: str) -> str:
    """A page whose <head> declares `canonical` (relative or absolute) as its URL."""
    html = render(StoryPage(title, story_paragraphs(title), static=True), 0).replace(
        "<head>", f'<head><link rel="canonical" href="{canonical}">', 1)
    site.server.expect_request(path).respond_with_data(html, content_type="text/html")
    return site.server.url_for(path)


def test_pages_that_declare_one_canonical_url_are_one_story(
    site: NewsSite, runner: Runner
) -> None:
    """The story added first keeps its id; the other's URL becomes an alias of it."""
    main = serve_with_canonical(site, "/story", "One story", "/story")
    amp = serve_with_canonical(site, "/amp/story", "One story", "/story?utm_source=amp")
    first, second = runner.add(main, amp)
    report = runner.run()
    assert report.checked == 2
    [story] = queries.list_stories(runner.db)
    assert (story.id, story.url, story.version_count) == (first, main, 1)
    assert queries.find_story(runner.db, amp).id == first
    assert [t.story_id for t in track_stories(runner.db, [amp], runner.clock.now)] == [first]
    runner.run()
    assert queries.count_stories(runner.db) == 1
    with runner.db.reading() as session:
        assert session.scalars(select(StoryAlias.url)).all() == [amp]
        assert session.get(Story, second) is None
    assert len(queries.list_checks(runner.db, first)) == 3  # both URLs' checks, on one story
    removing = CliRunner().invoke(app, ["--db", runner.db.url, "remove", amp, "--yes"])
    assert removing.exit_code == ExitCode.NOT_FOUND  # an alias is not the story's own URL
    assert queries.count_stories(runner.db) == 1


def test_a_later_story_whose_page_declares_a_tracked_url_joins_it(
    site: NewsSite, runner: Runner
) -> None:
    main = serve_with_canonical(site, "/live", "Live blog", "/live")
    [first] = runner.add(main)
    runner.run()
    print_page = serve_with_canonical(site, "/print/live", "Live blog", main)
    runner.add(print_page)
    runner.run()
    [story] = queries.list_stories(runner.db)
    assert (story.id, story.version_count) == (first, 1)
    assert queries.find_story(runner.db, print_page).id == first


def test_a_canonical_url_on_another_site_or_the_front_page_is_ignored(
    site: NewsSite, runner: Runner
) -> None:
    port = site.server.port
    one = serve_with_canonical(site, "/one", "First", f"http://localhost:{port}/two")
    two = serve_with_canonical(site, "/two", "Second", "/")
    three = serve_with_canonical(site, "/three", "Third", "/")
    runner.add(one, two, three)
    runner.run()
    stories = {story.url: story for story in queries.list_stories(runner.db)}
    assert set(stories) == {one, two, three}
    assert all(story.canonical_url is None for story in stories.values())


def test_merging_two_stories_keeps_every_text_in_the_order_seen(
    site: NewsSite, runner: Runner
) -> None:
    """Two stories with versions of their own: after the merge the versions are renumbered by
    time, repeats folded into the version they repeat, and every consecutive pair has a diff."""
    paragraphs = story_paragraphs("Merged story")
    first_page = StoryPage("Merged story", list(paragraphs), static=True)
    second_page = StoryPage("Merged story", list(paragraphs), static=True)
    declare = {"/m/first": "", "/m/second": ""}

    def handler(path: str, page: StoryPage):
        def handle(_request: Request) -> Response:
            head = f'<head><link rel="canonical" href="{declare[path]}">' if declare[path] else \
                "<head>"
            return Response(render(page, 0).replace("<head>", head, 1), content_type="text/html")
        return handle

    site.server.expect_request("/m/first").respond_with_handler(handler("/m/first", first_page))
    site.server.expect_request("/m/second").respond_with_handler(
        handler("/m/second", second_page))
    first, second = runner.add(site.server.url_for("/m/first"), site.server.url_for("/m/second"))
    runner.run()  # both v1, the same text
    second_page.paragraphs[1] = second_page.paragraphs[1].replace("two", "2")
    runner.run(story_ids=(second,))  # second v2
    first_page.paragraphs[1] = second_page.paragraphs[1]
    first_page.paragraphs[2] = first_page.paragraphs[2].replace("three", "3")
    runner.run(story_ids=(first,))  # first v2: differs from second v2
    second_page.paragraphs[:] = first_page.paragraphs  # the site shows one text at both URLs
    declare["/m/second"] = site.server.url_for("/m/first")
    runner.run(story_ids=(second,))  # second declares the first: merged, its text unchanged
    [story] = queries.list_stories(runner.db)
    versions = queries.list_versions(runner.db, story.id)
    assert story.id == first and [v.number for v in versions] == [1, 2, 3]
    assert [v.observed_at for v in versions] == sorted(v.observed_at for v in versions)
    assert [(v.words_added, v.words_removed) for v in versions[1:]] == [(1, 1), (1, 1)]
    deltas = queries.stored_deltas(runner.db, story.id)
    assert sorted(deltas) == [2, 3]
    assert len(queries.list_checks(runner.db, story.id)) == 5
    with runner.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Story)) == 1
