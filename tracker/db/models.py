"""The ORM models: stories, their versions, the stored diffs between them, and every check.

The schema itself enforces the invariants that concurrent writers rely on: one version number per
story (two writers racing to append the same version cannot both win) and one diff per pair.
"""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tracker.db.enums import Outcome as Outcome
from tracker.db.enums import Source as Source
from tracker.db.enums import StoryStatus as StoryStatus
from tracker.db.types import EnumText, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations can name every constraint."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Story(Base):
    """A page tracker follows; `title` mirrors the newest version's headline for listing.

    `status` is active (checked on schedule), paused (by the user), quiet (unchanged for so long
    that checking stopped) or gone (404/410 several times in a row). Snapshot workers find due
    stories through the index on (status, next_check_at); `tracker status` reads the leases,
    the failures and the last check through the other three, the first two partial so that
    they hold only the few stories under a lease or failing.
    """

    __tablename__ = "stories"
    __table_args__ = (
        Index("ix_stories_status_next_check_at", "status", "next_check_at"),
        Index("ix_stories_claimed_until", "claimed_until",
              postgresql_where=sql_text("claimed_until IS NOT NULL"),
              sqlite_where=sql_text("claimed_until IS NOT NULL")),
        Index("ix_stories_failure_count", "failure_count",
              postgresql_where=sql_text("failure_count > 0"),
              sqlite_where=sql_text("failure_count > 0")),
        Index("ix_stories_last_checked_at", "last_checked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    """The story's URL in tracker.text.urls' canonical form: one story per canonical URL."""
    canonical_url: Mapped[str | None] = mapped_column(String(2048), index=True)
    """The URL the page itself declares (<link rel="canonical"> or og:url, on its own site),
    in canonical form; two stories that declare the same one are merged (tracker.store.merge)."""
    site: Mapped[str] = mapped_column(String(255), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[StoryStatus] = mapped_column(
        EnumText(StoryStatus), default=StoryStatus.ACTIVE
    )
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    """The feed that brought the story in, if any."""

    # The schedule: when the story is due, and which snapshot worker holds it until when.
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failure_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Failed checks in a row; drives the backoff and reporting an error once."""
    missing_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """404/410 answers in a row; enough of them and the story is gone."""
    last_error: Mapped[str | None] = mapped_column(Text)

    # HTTP facts kept between fetches: conditional GET, and what the URL redirects to.
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    final_url: Mapped[str | None] = mapped_column(String(2048))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    """Hash of the raw page last extracted: the same bytes again need no extraction."""
    extraction_hint: Mapped[str | None] = mapped_column(Text)
    """Where the article was in the page last extracted (tracker.sources.regions, JSON): the
    next changed page is extracted from that region alone when it still fits."""

    versions: Mapped[list["Version"]] = relationship(
        back_populates="story", order_by="Version.number", passive_deletes=True
    )


class StoryAlias(Base):
    """A URL that was a story of its own until it was merged into `story_id`: looking it up,
    adding it again or a feed listing it again finds that story instead of a new one."""

    __tablename__ = "story_aliases"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), index=True
    )


class Feed(Base):
    """An RSS/Atom feed whose new entries become tracked stories; scheduled like a story."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[StoryStatus] = mapped_column(
        EnumText(StoryStatus), default=StoryStatus.ACTIVE
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failure_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(64))


class SiteSpacing(Base):
    """When the fleet's next request to a host may start, so that `--delay` spaces the
    requests of every worker together (tracker.store.spacing takes the turns).

    Seconds since the epoch on the database's clock (PostgreSQL's, shared by every machine;
    SQLite's workers share one machine's), a plain number so that one atomic statement can
    compare and add to it on both databases.
    """

    __tablename__ = "site_spacing"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    next_request_at: Mapped[float] = mapped_column(Float)


class Version(Base):
    """One distinct text of a story, numbered 1, 2, 3... in the order tracker saw them.

    `text` is the normalised article text, one paragraph per line. `content_hash` covers the
    normalised title and text: a candidate with the latest version's hash and byline is not a new
    version (the byline is compared beside the hash, so a byline-only edit is a version too).
    A story that goes back to an earlier text gets a new version with `reverts_to` set, because a
    silent revert is itself news.
    """

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("story_id", "number"),
        Index("ix_versions_story_id_content_hash", "story_id", "content_hash"),
        # --since and feeds of changes: versions by observation time, newest first.
        Index("ix_versions_observed_at_id", "observed_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    title: Mapped[str | None] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the page declared it was last modified (tracker.sources.timestamps): a substantive
    edit under the same declared time is a silent one (tracker.text.analysis)."""
    updated_by: Mapped[str | None] = mapped_column(String(64))
    """The sources that state `updated_at`, space-separated: json-ld, meta, visible, header."""
    correction: Mapped[str | None] = mapped_column(Text)
    """The text's correction and editor's notes, one per line (tracker.text.corrections)."""
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    word_count: Mapped[int] = mapped_column(Integer)
    char_count: Mapped[int] = mapped_column(Integer)
    source: Mapped[Source] = mapped_column(EnumText(Source))
    reverts_to: Mapped[int | None] = mapped_column(Integer)
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    """The fetched page, zlib-compressed, so extraction can be redone later."""

    story: Mapped[Story] = relationship(back_populates="versions")


class Diff(Base):
    """The edit script from one version to another, computed once when the newer one is stored.

    `delta` is diff-match-patch's delta format: it refers to the old text by length, so it stays
    small and is decoded against the from-version's text.
    """

    __tablename__ = "diffs"
    __table_args__ = (UniqueConstraint("from_version_id", "to_version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    to_version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), index=True
    )
    delta: Mapped[str] = mapped_column(Text)
    title_delta: Mapped[str] = mapped_column(Text)
    words_added: Mapped[int] = mapped_column(Integer)
    words_removed: Mapped[int] = mapped_column(Integer)
    chars_added: Mapped[int] = mapped_column(Integer)
    chars_removed: Mapped[int] = mapped_column(Integer)
    headline_changed: Mapped[bool] = mapped_column(Boolean)
    byline_changed: Mapped[bool] = mapped_column(Boolean)
    engine: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    analysis: Mapped[str | None] = mapped_column(Text)
    """tracker.text.analysis.Analysis as JSON: sentence edits, fact changes; NULL until analysed."""
    significance: Mapped[float | None] = mapped_column(Float, index=True)
    """0-100, how substantive the change is (tracker.analysis), for sorting timelines."""
    added_text: Mapped[str | None] = mapped_column(Text)
    """The text this diff inserted (headline and body), one run per line: what
    `tracker search --added` searches, through the full-text index over this column."""
    removed_text: Mapped[str | None] = mapped_column(Text)

    tags: Mapped[list["DiffTag"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="DiffTag.tag"
    )


class DiffTag(Base):
    """One kind of fact a diff changes (tracker.analysis.Tag), for `search --tag` and filters."""

    __tablename__ = "diff_tags"

    diff_id: Mapped[int] = mapped_column(
        ForeignKey("diffs.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)


class Check(Base):
    """Every time tracker looked at a story, whatever came of it, for `tracker checks`."""

    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_story_id_checked_at", "story_id", "checked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[Source] = mapped_column(EnumText(Source))
    outcome: Mapped[Outcome] = mapped_column(EnumText(Outcome))
    http_status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)


class SeenMark(Base):
    """The newest version of a story that the person has looked at, so lists can say what is new.

    One row per story: tracker is a one-person tool on SQLite, and on a shared PostgreSQL the
    team shares one reading position, like a shared inbox.
    """

    __tablename__ = "seen_marks"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    version_number: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertRule(Base):
    """A standing request to be told when stories change (`tracker notify add`).

    The rule names an apprise URL and which changes it wants: a story, a site or every story;
    tags (any of them), a least significance, only headline changes. Only changes stored after
    the rule was made count (`after_version_id`). Quiet hours hold messages back, and
    `min_interval_s` is the rate limit: what matches meanwhile goes out in the next message.
    """

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(Text)
    """An apprise URL; it may hold a password or token, so listings show apprise's masked form."""
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    site: Mapped[str | None] = mapped_column(String(255))
    tags: Mapped[str | None] = mapped_column(String(255))
    """Space-separated tag names; a change matches with any one of them."""
    min_significance: Mapped[float | None] = mapped_column(Float)
    headline: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_hours: Mapped[str | None] = mapped_column(String(11))
    """"HH:MM-HH:MM" in `zone` (the sending machine's local time when NULL)."""
    zone: Mapped[str | None] = mapped_column(String(64))
    min_interval_s: Mapped[int | None] = mapped_column(Integer)
    after_version_id: Mapped[int] = mapped_column(Integer)
    """Only versions above this id can still match: the newest version when the rule was made,
    then moved up as runs match what was stored (tracker.notify.matching.settled_through)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertDelivery(Base):
    """One message of a rule: the changes it carries (`AlertItem`), sent or still owed.

    At most one delivery per rule is unsent (a partial unique index), so two snapshot workers
    finishing together cannot both start one; a worker holds it while sending (`claimed_by`
    until `claimed_until`), and a failed one is released and retried, with what matched since,
    by the next run.
    """

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        Index("uq_alert_deliveries_unsent", "rule_id", unique=True,
              postgresql_where=sql_text("sent_at IS NULL"),
              sqlite_where=sql_text("sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(
        ForeignKey("alert_rules.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertItem(Base):
    """A version a rule has alerted on (or owes an alert for): one per rule and version, so no
    change is ever put in two messages of the same rule, whichever worker gets there first."""

    __tablename__ = "alert_items"

    rule_id: Mapped[int] = mapped_column(
        ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("alert_deliveries.id", ondelete="CASCADE"), index=True)
