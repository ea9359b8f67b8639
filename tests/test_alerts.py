"""Alerts: rules, matching, batching, quiet hours and rate limits, messages a user can trust, and
delivery to real receivers on loopback (a webhook, an SMTP server, a target that hangs), once per
change even when two snapshot runs finish together."""

import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from tests.alerting import Mailbox, Webhook, smtp_server
from tests.hostile import T0, Snapshots, tracker
from tests.newssite import NewsSite, story_paragraphs
from tests.test_cli_json import cli_schema
from tracker.cli.notify import TAGS
from tracker.db.engine import Database
from tracker.db.models import AlertRule, Version
from tracker.notify import deliver, message, rules
from tracker.notify.matching import Change, Sentence
from tracker.notify.rules import RuleSpec, add_rule
from tracker.notify.send import BodyFormat
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.text.analysis import Fact, Tag

LEDE = "Officials said 12 people were hurt in the blast on Tuesday, the police said."


@pytest.fixture
def receiver() -> Iterator[Webhook]:
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield Webhook(server)
    server.clear()
    server.stop()


@pytest.fixture
def mail() -> Iterator[tuple[Mailbox, str]]:
    yield from smtp_server()


def _story(site: NewsSite, path: str, title: str) -> str:
    return site.add(path, title, [LEDE, *story_paragraphs(title, 3)], static=True)


def _rule(db: Database, target: str, **filters: object) -> int:
    return add_rule(db, RuleSpec(target, **filters), T0).id  # type: ignore[arg-type]


# --- rules, quiet hours and rate limits (no database) ---------------------------------------


@pytest.mark.parametrize(("quiet", "at", "held"), [
    ("22:00-07:00", "23:30", True), ("22:00-07:00", "06:59", True),
    ("22:00-07:00", "07:00", False), ("22:00-07:00", "12:00", False),
    ("12:00-13:00", "12:30", True), ("12:00-13:00", "13:30", False),
])
def test_quiet_hours_run_past_midnight(quiet: str, at: str, held: bool) -> None:
    hour, minute = (int(part) for part in at.split(":"))
    local = datetime(2026, 11, 25, hour, minute, tzinfo=UTC)
    assert rules.in_quiet_hours(quiet, local) is held


def test_quiet_hours_are_read_in_the_rules_zone_and_the_rate_limit_holds() -> None:
    berlin = rules.zone_of("Europe/Berlin")
    at_2230_berlin = datetime(2026, 11, 25, 21, 30, tzinfo=UTC)
    assert not rules.may_send("22:00-07:00", berlin, None, None, at_2230_berlin)
    assert rules.may_send("22:00-07:00", UTC, None, None, at_2230_berlin)
    sent = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert not rules.may_send(None, UTC, timedelta(minutes=30), sent, sent + timedelta(minutes=29))
    assert rules.may_send(None, UTC, timedelta(minutes=30), sent, sent + timedelta(minutes=30))


# --- the message --------------------------------------------------------------------------------

HOSTILE = Change(
    story_id=7, url="https://news.example.com/a?x=<b>&y=[z](javascript:alert(1))",
    title="<script>alert(1)</script> [click](javascript:alert(2)) **bold** \x1b[31mred",
    from_version=2, to_version=3, observed_at=datetime(2026, 11, 25, 9, 5, tzinfo=UTC),
    tags=("number", "silent"), significance=46.2,
    facts=(Fact(Tag.NUMBER, "changed", "12", "27"), Fact(Tag.QUOTE, "added", None, "<img src=x>")),
    sentences=(Sentence("Officials said 12 were hurt.", "Officials said 27 were hurt."),
               Sentence(None, "![pixel](https://tracker.invalid/p.png) <iframe>")),
    updated_at=None,
)


def test_the_plain_text_message_names_story_versions_tags_facts_and_sentences() -> None:
    text = message.compose([HOSTILE], "all stories").bodies[BodyFormat.TEXT]
    assert "v2 -> v3  2026-11-25 09:05 UTC  significance 46.2  [number, silent]" in text
    assert "number: 12 -> 27" in text and "quote: + <img src=x>" in text
    assert "- Officials said 12 were hurt.\n    + Officials said 27 were hurt." in text
    assert "tracker diff 7 2 3" in text and "\x1b" not in text


def test_web_text_cannot_add_markup_to_the_html_message() -> None:
    body = message.compose([HOSTILE], "all stories").bodies[BodyFormat.HTML]
    tree = lxml_html.fragment_fromstring(body, create_parent="div")
    assert not tree.xpath("//script | //img | //iframe")
    assert [a.get("href") for a in tree.xpath("//a")] == [HOSTILE.url]
    assert "<script>alert(1)</script>" in tree.text_content()
    assert "number: 12 -> 27" in tree.text_content()


def test_web_text_cannot_add_markup_to_the_markdown_message() -> None:
    body = message.compose([HOSTILE], "all stories").bodies[BodyFormat.MARKDOWN]
    rendered = MarkdownIt("commonmark").render(body)
    tree = lxml_html.fragment_fromstring(rendered, create_parent="div")
    assert not tree.xpath("//script | //img | //iframe | //a | //strong//strong | //em")
    assert len(tree.xpath("//strong")) == 1  # the headline, which the message sets in bold
    assert "[click](javascript:alert(2)) **bold**" in tree.text_content()
    assert "number: 12 -> 27" in tree.text_content()


def test_a_plain_url_is_a_link_in_every_format() -> None:
    clean = replace(HOSTILE, url="https://news.example.com/2026/11/25/storm-toll")
    bodies = message.compose([clean], "all stories").bodies
    for body in (MarkdownIt("commonmark").render(bodies[BodyFormat.MARKDOWN]),
                 bodies[BodyFormat.HTML]):
        tree = lxml_html.fragment_fromstring(body, create_parent="div")
        assert [a.get("href") for a in tree.xpath("//a")] == [clean.url]
    assert clean.url in bodies[BodyFormat.TEXT]


# --- delivery to real receivers ---------------------------------------------------------------


def test_one_message_per_rule_and_run_for_every_story_that_changed(
    site: NewsSite, db: Database, receiver: Webhook
) -> None:
    runs = Snapshots(db)
    paths = [f"/s{n}" for n in range(3)]
    for n, path in enumerate(paths):
        runs.add(_story(site, path, f"Storm story {n}"))
    runs.run()
    _rule(db, receiver.url())
    _rule(db, receiver.url("/numbers"), tags=("number",))
    for path in paths:
        site.edit(path, "12 people", "27 people")
    report = runs.run()
    assert report.alerts_sent == 2 and report.errors == []
    assert len(receiver.messages) == 2
    everything, numbers = receiver.messages  # both rules match all three changes
    assert everything == numbers
    assert everything["title"] == "tracker: 3 stories changed (3 new versions)"
    body = everything["message"]
    assert all(f"Storm story {n}" in body for n in range(3))
    assert body.count("number: 12 -> 27") == 3 and "v1 -> v2" in body
    assert "- Officials said 12 people" in body and "+ Officials said 27 people" in body
    runs.run()  # nothing new: nothing sent
    assert len(receiver.messages) == 2


def test_filters_pick_the_changes_a_rule_wants(
    site: NewsSite, db: Database, receiver: Webhook
) -> None:
    runs = Snapshots(db)
    first = runs.add(_story(site, "/a", "Harbour story"))
    runs.add(_story(site, "/b", "Rail story"))
    runs.run()
    _rule(db, receiver.url("/story"), story_id=first)
    _rule(db, receiver.url("/quote"), tags=("quote",))
    _rule(db, receiver.url("/big"), min_significance=99.0)
    _rule(db, receiver.url("/site"), site="127.0.0.1")
    site.edit("/a", "12 people", "27 people")
    site.edit("/b", "12 people", "14 people")
    runs.run()
    by_path = Counter(m["title"] for m in receiver.messages)
    assert by_path == {"tracker: Harbour story (1 new version)": 1,
                       "tracker: 2 stories changed (2 new versions)": 1}


def test_a_target_that_is_down_is_retried_next_run_and_reported_once(
    site: NewsSite, db: Database, db_url: str, receiver: Webhook
) -> None:
    runs = Snapshots(db)
    runs.add(_story(site, "/a", "Harbour story"))
    runs.run()
    _rule(db, receiver.url())
    receiver.status = 503
    site.edit("/a", "12 people", "27 people")
    first = runs.run()
    assert first.new_versions == 1 and first.alerts_sent == 0
    assert len(first.errors) == 1 and "could not send" in first.errors[0]
    site.edit("/a", "on Tuesday", "on Wednesday")
    second = runs.run()
    assert second.new_versions == 1 and second.errors == []  # reported once
    failing = tracker(db_url, "notify", "list").stdout
    assert "(failing: failure: " in failing and "503" in failing
    receiver.status = 200
    third = runs.run()
    assert third.alerts_sent == 1 and third.errors == ["alert rule 1: sent after 2 failed attempts"]
    assert json.loads(tracker(db_url, "notify", "list", "--json").stdout)[0]["failing"] is None
    [sent] = receiver.messages
    assert "v1 -> v2" in sent["message"] and "v2 -> v3" in sent["message"]


def test_a_target_that_hangs_does_not_hold_up_the_run(
    site: NewsSite, db: Database, receiver: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_NOTIFY_TIMEOUT", "1")
    runs = Snapshots(db)
    runs.add(_story(site, "/a", "Harbour story"))
    runs.run()
    _rule(db, receiver.url())
    receiver.delay = 4
    site.edit("/a", "12 people", "27 people")
    report = runs.run()
    assert report.new_versions == 1 and report.alerts_sent == 0
    assert "timeout" in report.errors[0]


def test_quiet_hours_and_the_rate_limit_hold_changes_for_a_later_message(
    site: NewsSite, db: Database, receiver: Webhook
) -> None:
    runs = Snapshots(db)  # runs at 09:00, 10:00, 11:00... UTC
    runs.add(_story(site, "/a", "Harbour story"))
    runs.run()
    _rule(db, receiver.url("/quiet"), quiet_hours="09:30-10:30", zone="UTC")
    _rule(db, receiver.url("/limited"), min_interval=timedelta(minutes=90))
    site.edit("/a", "12 people", "27 people")
    runs.run()  # 10:00: quiet for the first rule; the second sends
    assert [m["title"] for m in receiver.messages] == ["tracker: Harbour story (1 new version)"]
    site.edit("/a", "on Tuesday", "on Wednesday")
    runs.run()  # 11:00: the first sends both changes; the second waits until 11:30
    assert len(receiver.messages) == 2
    assert "v1 -> v2" in receiver.messages[1]["message"]
    assert "v2 -> v3" in receiver.messages[1]["message"]
    runs.run()  # 12:00: the second sends what it held
    assert len(receiver.messages) == 3 and "v2 -> v3" in receiver.messages[2]["message"]


def test_mail_to_a_local_smtp_server_is_html_with_web_text_escaped(
    site: NewsSite, db: Database, mail: tuple[Mailbox, str]
) -> None:
    mailbox, url = mail
    runs = Snapshots(db)
    runs.add(site.add("/a", "Blast <b>update</b>", [LEDE, *story_paragraphs("Blast", 3)],
                      static=True))
    runs.run()
    _rule(db, url)
    site.edit("/a", "12 people", "27 people")
    assert runs.run().alerts_sent == 1
    [sent] = mailbox.messages
    assert sent["Subject"].startswith("tracker: Blast")
    assert sent["To"] == "desk@example.org"
    html_part = sent.get_body(preferencelist=("html",))
    assert html_part is not None
    page = html_part.get_content()
    assert "number: 12 -&gt; 27" in page and "<b>update</b>" not in page


# --- overlapping runs ---------------------------------------------------------------------------


def test_two_overlapping_snapshots_send_each_change_once(
    site: NewsSite, any_db: Database, receiver: Webhook
) -> None:
    site.latency = 0.2
    runs = Snapshots(any_db)
    paths = [f"/s{n}" for n in range(6)]
    for n, path in enumerate(paths):
        runs.add(_story(site, path, f"Storm story {n}"))
    runs.run()
    _rule(any_db, receiver.url())
    for path in paths:
        site.edit(path, "12 people", "27 people")
    runs.now += timedelta(hours=1)
    start = threading.Barrier(2)

    def snapshot() -> None:
        start.wait()
        runs.run(batch_size=2)

    threads = [threading.Thread(target=snapshot) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    carried = [line for m in receiver.messages for line in m["message"].splitlines()
               if line.startswith("Storm story")]
    assert sorted(carried) == [f"Storm story {n}" for n in range(6)]


def test_workers_alerting_at_the_same_moment_send_one_message(
    any_db: Database, receiver: Webhook
) -> None:
    """Three workers reach the rule together, while the first one to take it is still sending."""
    url = "https://news.example.com/harbour"
    texts = [f"{LEDE} {story_paragraphs('Harbour', 1)[0]}",
             f"{LEDE.replace('12', '27')} {story_paragraphs('Harbour', 1)[0]}"]
    _store(any_db, url, texts[0], T0)
    _rule(any_db, receiver.url())
    _store(any_db, url, texts[1], T0 + timedelta(hours=1))
    receiver.delay = 0.5
    start = threading.Barrier(3)
    reports: list[deliver.AlertReport] = []

    def alert(worker: str) -> None:
        start.wait()
        reports.append(deliver.after_run(any_db, worker, lambda: T0 + timedelta(hours=2)))

    threads = [threading.Thread(target=alert, args=(f"w{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [report.errors for report in reports] == [[], [], []]
    assert sum(report.sent for report in reports) == 1 and len(receiver.messages) == 1


def _store(db: Database, url: str, text: str, at: datetime) -> None:
    store_candidate(db, Candidate(url, Article(text, "Harbour"), Observation(at)))


# --- the command line ---------------------------------------------------------------------------


def test_notify_add_list_test_and_remove(db_url: str, receiver: Webhook) -> None:
    target = receiver.url()
    added = tracker(db_url, "notify", "add", target, "--tag", "number", "--tag", "silent",
                    "--quiet-hours", "22:00-07:00", "--zone", "Europe/Berlin",
                    "--at-most-every", "30m", "--min-significance", "20", "--json")
    assert added.exit_code == 0, added.stderr
    rule = json.loads(added.stdout)
    assert (rule["id"], rule["tags"], rule["min_interval_s"]) == (1, ["number", "silent"], 1800)
    listed = json.loads(tracker(db_url, "notify", "list", "--json").stdout)
    jsonschema.Draft202012Validator(cli_schema("alert-rules")).validate(listed)
    assert listed == [rule]
    table = tracker(db_url, "notify", "list").stdout
    assert "all stories" in table and "tags number,silent" in table
    tested = tracker(db_url, "notify", "test", "1")
    assert tested.exit_code == 0 and receiver.messages[0]["title"] == "tracker: test alert"
    assert tracker(db_url, "notify", "remove", "1").stdout == "alert rule 1: removed\n"
    assert json.loads(tracker(db_url, "notify", "list", "--json").stdout) == []


def test_secrets_in_targets_are_not_listed(db_url: str) -> None:
    added = tracker(db_url, "notify", "add", "mailto://desk:hunter2@127.0.0.1:2525"
                    "?from=tracker@example.org&to=a@example.org&mode=insecure")
    assert added.exit_code == 0 and "hunter2" not in added.stdout + added.stderr
    listed = tracker(db_url, "notify", "list").stdout + tracker(db_url, "notify", "list",
                                                                 "--json").stdout
    assert "hunter2" not in listed and "127.0.0.1" in listed


def test_a_target_that_is_down_fails_notify_test_with_one_line(
    db_url: str, receiver: Webhook
) -> None:
    tracker(db_url, "notify", "add", receiver.url())
    receiver.status = 500
    result = tracker(db_url, "notify", "test", "1")
    assert result.exit_code == 1
    assert result.stderr.startswith("tracker: error: alert rule 1: the test message was not sent")


@pytest.mark.parametrize(("args", "message"), [
    (["notify", "add", "nonsense://x"], "not a notification URL"),
    (["notify", "add", "json://127.0.0.1:9", "--tag", "sports"], "unknown --tag 'sports'"),
    (["notify", "add", "json://127.0.0.1:9", "--quiet-hours", "late"], "HH:MM-HH:MM"),
    (["notify", "add", "json://127.0.0.1:9", "--zone", "Mars/Olympus"], "unknown time zone"),
    (["notify", "add", "json://127.0.0.1:9", "--at-most-every", "often"], "not a duration"),
    (["notify", "add", "json://127.0.0.1:9", "--site", "a.org", "--all"], "one of --story"),
    (["notify", "add", "json://127.0.0.1:9", "--min-significance", "200"], "between 0 and 100"),
    (["notify", "add", "json://127.0.0.1:9", "--story", "99"], "99"),
    (["notify", "remove", "5"], "no alert rule 5"),
    (["notify", "test", "5"], "no alert rule 5"),
])
def test_bad_rules_are_refused_with_one_line(db_url: str, args: list[str], message: str) -> None:
    tracker(db_url, "db", "upgrade")
    result = tracker(db_url, *args)
    assert result.exit_code != 0
    assert result.stderr.startswith("tracker: error: ") and message in result.stderr, result.stderr
    assert json.loads(tracker(db_url, "notify", "list", "--json").stdout) == []


def test_apprise_is_loaded_only_to_send(db_url: str) -> None:
    """It takes a third of a second to import: `tracker --version` and a snapshot run with no
    rule to send never pay for it."""
    code = ("import sys; from tracker.cli import app; from tracker.db.engine import open_database; "
            "from tracker.sources.snapshot import run_snapshot; "
            f"run_snapshot(open_database({db_url!r}, create=True)); "
            "assert 'apprise' not in sys.modules, 'apprise loaded'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_help_names_every_tag() -> None:
    assert TAGS.split(", ") == [str(tag) for tag in Tag]


def test_matching_starts_from_the_versions_of_the_last_minutes(db: Database) -> None:
    """A rule's window moves up to what was stored more than SETTLE ago, so an old rule does
    not look through every version stored since it was made; a version inside the window is
    still matched on the next run."""
    url = "https://news.example.com/harbour"
    texts = [f"{LEDE.replace('12', str(n))} {story_paragraphs('Harbour', 1)[0]}"
             for n in (12, 27, 31)]
    _store(db, url, texts[0], T0)
    rule = _rule(db, "json://127.0.0.1:9/never", tags=("quote",))  # matches none of these
    _store(db, url, texts[1], T0 + timedelta(hours=1))
    _store(db, url, texts[2], T0 + timedelta(hours=2, minutes=55))
    deliver.after_run(db, "w", lambda: T0 + timedelta(hours=3))
    with db.reading() as session:
        window = session.scalars(select(AlertRule.after_version_id)
                                 .where(AlertRule.id == rule)).one()
        ids = list(session.scalars(select(Version.id).order_by(Version.id)))
    assert window == ids[1]  # version 3 was seen 5 minutes ago: still looked at next time


def test_a_bad_timeout_setting_is_reported_and_the_run_goes_on(
    site: NewsSite, db: Database, receiver: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = Snapshots(db)
    runs.add(_story(site, "/a", "Harbour story"))
    _rule(db, receiver.url())
    monkeypatch.setenv("TRACKER_NOTIFY_TIMEOUT", "soon")
    report = runs.run()
    assert report.new_versions == 1
    assert report.errors == ["alerts: not sent: TRACKER_NOTIFY_TIMEOUT='soon': give seconds, "
                             "e.g. 15"]


def test_a_message_owed_for_a_removed_story_is_dropped(
    site: NewsSite, db: Database, db_url: str, receiver: Webhook
) -> None:
    runs = Snapshots(db)
    story = runs.add(_story(site, "/a", "Harbour story"))
    runs.run()
    _rule(db, receiver.url())
    receiver.status = 503
    site.edit("/a", "12 people", "27 people")
    runs.run()
    assert tracker(db_url, "remove", str(story), "--yes").exit_code == 0
    receiver.status = 200
    assert runs.run().errors == []
    assert receiver.messages == []
    assert json.loads(tracker(db_url, "notify", "list", "--json").stdout)[0]["failing"] is None


def test_the_snapshot_summary_counts_the_alerts_sent(
    site: NewsSite, db: Database, db_url: str, receiver: Webhook
) -> None:
    url = _story(site, "/a", "Harbour story")
    tracker(db_url, "add", url)
    tracker(db_url, "snapshot", "--delay", "0")
    tracker(db_url, "notify", "add", receiver.url())
    site.edit("/a", "12 people", "27 people")
    summary = tracker(db_url, "snapshot", "--all", "--delay", "0")
    assert "checked 1: 1 changed, 0 unchanged, 0 failed, 1 alert sent;" in summary.stdout
    assert len(receiver.messages) == 1


def test_the_cron_line_keeps_the_alert_time_out(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_NOTIFY_TIMEOUT", "5")
    line = tracker(db_url, "cron", "--every", "15m", "--log", "/var/log/t.log").stdout
    assert " TRACKER_NOTIFY_TIMEOUT=5 " in line
