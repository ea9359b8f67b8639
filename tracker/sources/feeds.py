"""RSS/Atom feeds: each entry's link becomes a tracked story the first time a run sees it."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from tracker.db.engine import Database
from tracker.errors import InvalidInput
from tracker.sources.fetch import FEED_TYPES, Fetcher, FetchFailed, Page
from tracker.sources.report import SkippedEntry
from tracker.sources.tracking import record_feed_check, track_stories
from tracker.store.schedule import claim_feeds
from tracker.store.write import Scheduling
from tracker.text.urls import AddressKind, address_kind, canonical_url


@dataclass
class FeedReport:
    """What reading the due feeds did in one run; `errors` holds only those to report now."""

    checked: int = 0
    stories_added: int = 0
    errors: list[str] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    links: list[str]
    skipped: list[SkippedEntry] = field(default_factory=list)


def parse_feed(page: Page) -> ParsedFeed:
    """The feed's title and its entries' http(s) links, resolved against the final URL and in
    canonical form (feeds add tracking parameters to their links: utm_source=rss and the like).

    A link to a loopback, private or link-local address is dropped, without any request to it,
    unless the feed itself is at such an address (`allowed_entry`): a public feed must not make
    tracker fetch pages from the machine it runs on or from its network.

    feedparser is imported here, when a feed is read: most runs track no feed, and every
    `tracker snapshot` imports this module.
    """
    import feedparser

    parsed = feedparser.parse(page.body, response_headers={"content-location": page.final_url})
    if parsed.bozo and not parsed.entries:
        raise FetchFailed(f"not a readable feed: {parsed.get('bozo_exception', 'unknown')}",
                          page.status)
    links: list[str] = []
    skipped: list[SkippedEntry] = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        try:
            url = canonical_url(urljoin(page.final_url, link), where="entry")
        except InvalidInput as exc:  # a mailto: or javascript: entry: nothing to follow
            skipped.append(SkippedEntry(page.url, link, str(exc)))
            continue
        if allowed_entry(url, page.url):
            links.append(url)
        else:
            skipped.append(SkippedEntry(page.url, url, (
                f"on a {address_kind(url)} address, which a feed on a {address_kind(page.url)} "
                "address may not send tracker to")))
    return ParsedFeed(parsed.feed.get("title"), links, skipped)


def allowed_entry(url: str, feed_url: str) -> bool:
    """An entry may be on a public address, or on the same kind of address as the feed (a feed
    on loopback may list loopback pages, an intranet feed intranet pages)."""
    kind = address_kind(url)
    return kind is AddressKind.PUBLIC or kind is address_kind(feed_url)


async def poll_feeds(
    db: Database, fetcher: Fetcher, scheduling: Scheduling, clock: Callable[[], datetime],
    write: Callable[..., Awaitable[Any]],
) -> FeedReport:
    """Read every due feed and schedule its new entries; `write` runs a DB call off the loop."""
    report = FeedReport()
    feeds = await write(claim_feeds, db, scheduling.worker, clock(), scheduling.policy)
    for feed in feeds:
        report.checked += 1
        try:
            page = await fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified,
                                       accept=FEED_TYPES)
            parsed = ParsedFeed(None, []) if page.not_modified else parse_feed(page)
        except FetchFailed as exc:
            if await write(record_feed_check, db, feed.id, clock(), scheduling, error=exc.message,
                           retry_after=exc.retry_after):
                report.errors.append(f"feed {feed.url}: {exc.message}")
            continue
        now = clock()
        report.skipped.extend(parsed.skipped)
        tracked = await write(track_stories, db, parsed.links, now, feed_id=feed.id)
        report.stories_added += sum(1 for story in tracked if story.added)
        await write(record_feed_check, db, feed.id, now, scheduling, title=parsed.title,
                    etag=page.etag, last_modified=page.last_modified)
    return report
