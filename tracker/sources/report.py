"""What a snapshot run reports: one result per story, and the counts of the run.

Apart from the run itself (tracker.sources.snapshot), so that `tracker snapshot` with nothing due
can say so without loading the fetcher and the write path, or SQLAlchemy (tracker.launch).
"""

from dataclasses import dataclass, field
from datetime import datetime

from tracker.db.enums import Outcome

NAMED_IN_SUMMARY = 3
"""How many changed stories the summary line names."""


@dataclass(frozen=True)
class StoryResult:
    """What one story's check came to; `report` is set for errors to show now (once)."""

    story_id: int
    url: str
    outcome: Outcome
    version_number: int | None = None
    error: str | None = None
    report: str | None = None
    title: str | None = None
    """The new version's headline, so a summary can say which stories changed."""


@dataclass(frozen=True)
class SkippedEntry:
    """A feed entry that became no story, and why: whoever reads the run should see that the
    feed listed more than tracker follows (a mailto: link, a page on a private address)."""

    feed: str
    link: str
    why: str


@dataclass
class SnapshotReport:
    """What a run did: counts, and the stories that changed, failed or looked suspect by name,
    for the summary line and `tracker snapshot --json`."""

    checked: int = 0
    unchanged: int = 0
    not_modified: int = 0
    gone: int = 0
    feeds_checked: int = 0
    stories_added: int = 0
    changed: list[StoryResult] = field(default_factory=list)
    suspects: list[StoryResult] = field(default_factory=list)
    """Extractions that came back empty or collapsed (kept out of the versions)."""
    failures: list[StoryResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Errors to show: each failure is reported once, when it has repeated (see schedule)."""
    alerts_sent: int = 0
    """Alert messages sent after the run (tracker.notify)."""
    skipped_entries: list[SkippedEntry] = field(default_factory=list)
    """Feed entries read this run that became no story."""

    @property
    def new_versions(self) -> int:
        return len(self.changed)

    @property
    def suspect(self) -> int:
        return len(self.suspects)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def all_failed(self) -> bool:
        """True when there was something to check and no check got an answer: the network,
        the DNS or the proxy is down, not one site (cron should hear of it)."""
        return self.checked > 0 and self.failed == self.checked

    def count(self, result: StoryResult) -> None:
        self.checked += 1
        if result.outcome is Outcome.UNCHANGED:
            self.unchanged += 1
        elif result.outcome is Outcome.NOT_MODIFIED:
            self.not_modified += 1
        else:
            {Outcome.NEW_VERSION: self.changed, Outcome.SUSPECT: self.suspects,
             Outcome.ERROR: self.failures}[result.outcome].append(result)
        if result.report:
            self.errors.append(result.report)


def summary_line(report: SnapshotReport, now: datetime) -> str:
    """The line a run ends with: its counts, then the first few stories that changed."""
    unchanged = report.unchanged + report.not_modified
    parts = [f"{report.new_versions} changed", f"{unchanged} unchanged",
             f"{report.failed} failed"]
    if report.suspect:
        parts.append(f"{report.suspect} suspect")
    if report.gone:
        parts.append(f"{report.gone} gone")
    if report.stories_added:
        parts.append(f"{report.stories_added} new from feeds")
    if report.skipped_entries:
        count = len(report.skipped_entries)
        parts.append(f"{count} feed entr{'ies' if count > 1 else 'y'} skipped (--json says why)")
    if report.alerts_sent:
        parts.append(f"{report.alerts_sent} alert{'s' if report.alerts_sent > 1 else ''} sent")
    return (f"{now:%Y-%m-%d %H:%M:%S} UTC checked {report.checked}: {', '.join(parts)}"
            + _changed_names(report.changed))


def _changed_names(changed: list[StoryResult]) -> str:
    """'; changed: 12 "Storm hits coast", 15 "Minister resigns" and 4 more' (or nothing)."""
    if not changed:
        return ""
    from tracker.text import display  # web text, made safe: not needed when nothing changed

    names = [f'{result.story_id} "{display.safe(result.title or result.url)}"'
             for result in changed[:NAMED_IN_SUMMARY]]
    more = len(changed) - len(names)
    return f"; changed: {', '.join(names)}" + (f" and {more} more" if more else "")
