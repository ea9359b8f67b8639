"""What a snapshot run reports: one result per story, and the counts of the run.

Apart from the run itself (tracker.sources.snapshot), so that `tracker snapshot` with nothing due
can say so without loading the fetcher and the write path.
"""

from dataclasses import dataclass, field

from tracker.db.models import Outcome


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
