"""`tracker notify add|list|remove|test`: alert rules, sent after each snapshot run.

The domain modules are imported inside the commands, so that every other command's start-up
does not load them.
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli import JsonOption, _Group, app, command, out, print_table, state
from tracker.errors import InvalidInput, TrackerError
from tracker.text import display
from tracker.text.serialize import to_json

if TYPE_CHECKING:
    from tracker.notify.rules import Rule

TAGS = ("number, quote, attribution, negation, headline, lede, byline, correction, silent, "
        "minor")
"""tracker.text.analysis.Tag, written out so that help does not load the analysis
(tests/test_alerts.py checks that the two agree)."""

notify_app = typer.Typer(cls=_Group, no_args_is_help=True, rich_markup_mode=None,
                         help="Alerts: messages to mail, chat or webhooks when stories change.")
app.add_typer(notify_app, name="notify")
RuleArg = Annotated[int, typer.Argument(
    metavar="ID", help="A rule id (see `tracker notify list`).")]


@command(notify_app, "add")
def add(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(
        metavar="TARGET", help="An apprise URL: mailto://..., json://..., ntfy://..., slack://...")],
    story: Annotated[str | None, typer.Option(
        metavar="STORY", help="Only this story (id or URL).")] = None,
    site: Annotated[str | None, typer.Option(
        metavar="SITE", help="Only stories of this site (e.g. bbc.co.uk).")] = None,
    every_story: Annotated[bool, typer.Option(
        "--all", help="Every story (the default when neither --story nor --site is given).")
    ] = False,
    tag: Annotated[list[str] | None, typer.Option(
        metavar="TAG", help=f"Only changes with this tag (repeatable: any of them): {TAGS}.")
    ] = None,
    min_significance: Annotated[float | None, typer.Option(
        metavar="N", help="Only changes at least this significant (0-100).")] = None,
    headline: Annotated[bool, typer.Option(
        "--headline", help="Only changes of the headline.")] = False,
    quiet_hours: Annotated[str | None, typer.Option(
        metavar="HH:MM-HH:MM", help="Hold messages back at these hours (e.g. 22:00-07:00); "
        "what matched is sent after them.")] = None,
    zone: Annotated[str | None, typer.Option(
        metavar="ZONE", help="Time zone of --quiet-hours (default: this machine's).")] = None,
    at_most_every: Annotated[str | None, typer.Option(
        metavar="DURATION", help="Rate limit: at most one message per DURATION (e.g. 30m); "
        "what matches meanwhile goes in the next one.")] = None,
    json: JsonOption = False,
) -> None:
    """Send a message to TARGET when a snapshot stores a change that matches."""
    from tracker.db import queries
    from tracker.notify.rules import RuleSpec, add_rule
    from tracker.text.timespec import parse_duration
    from tracker.text.urls import site_of

    if every_story and (story or site):
        raise InvalidInput("give one of --story, --site and --all")
    db = state(ctx).database(create=True)  # rules may come before the first story
    spec = RuleSpec(
        target=target, story_id=queries.find_story(db, story).id if story else None,
        site=site_of(site.strip().lower()) if site else None, tags=tuple(tag or ()),
        min_significance=min_significance, headline=headline, quiet_hours=quiet_hours,
        zone=zone, min_interval=parse_duration(at_most_every) if at_most_every else None,
    )
    rule = add_rule(db, spec, datetime.now(UTC))
    if json:
        typer.echo(to_json(rule))
        return
    typer.echo(f"alert rule {rule.id}: {rule.scope} -> {display.safe(rule.target)}")
    typer.echo("Changes are sent after each `tracker snapshot`; try the target with "
               f"`tracker notify test {rule.id}`.", err=True)


@command(notify_app, "list")
def list_command(ctx: typer.Context, json: JsonOption = False) -> None:
    """List alert rules (targets with their passwords and tokens hidden)."""
    from tracker.notify.rules import list_rules

    found = list_rules(state(ctx).db)
    if json:
        typer.echo(to_json(found))
        return
    if not found:
        typer.echo("No alert rules: add one with `tracker notify add TARGET`.", err=True)
        return
    print_table(out(), ["id", "follows", "only", "last sent", "target"], [
        [str(rule.id), rule.scope, _filters(rule), _last_sent(rule), display.safe(rule.target)]
        for rule in found
    ])


def _last_sent(rule: "Rule") -> str:
    sent = display.format_time(rule.last_sent_at)
    return f"{sent} (failing: {display.safe(rule.failing)})" if rule.failing else sent


@command(notify_app, "remove")
def remove(ctx: typer.Context, rule_id: RuleArg) -> None:
    """Remove an alert rule."""
    from tracker.notify.rules import remove_rule

    remove_rule(state(ctx).db, rule_id)
    typer.echo(f"alert rule {rule_id}: removed")


@command(notify_app, "test")
def test(ctx: typer.Context, rule_id: RuleArg) -> None:
    """Send a test message to a rule's target now, to see that it arrives."""
    from tracker.notify import deliver

    error = deliver.test_rule(state(ctx).db, rule_id)
    if error is not None:
        raise TrackerError(f"alert rule {rule_id}: the test message was not sent: {error}")
    typer.echo(f"alert rule {rule_id}: test message sent")


def _filters(rule: "Rule") -> str:
    parts = [f"tags {','.join(rule.tags)}"] if rule.tags else []
    parts += [f"significance >= {rule.min_significance:g}"] if rule.min_significance else []
    parts += ["headline"] if rule.headline else []
    parts += [f"quiet {rule.quiet_hours}"] if rule.quiet_hours else []
    parts += [f"at most every {rule.min_interval_s}s"] if rule.min_interval_s else []
    return "; ".join(parts) or "-"
