"""Feed URLs in canonical form: one feed per canonical URL, as one story per canonical URL.

`tracker add --feed` stored a feed's URL as given, so `https://News.example/rss?utm_source=x`
and `https://news.example/rss` were two feeds, read twice a run. Now the URL goes through
tracker.text.urls.canonical_url like a story's. This rewrites the stored ones, and folds the
feeds that become one into the feed added first (lowest id): the stories the others brought in
point to it, it stays active if any of them was, and the others are deleted. A URL that is not
a valid http(s) URL (none should be: `add --feed` has always checked) is left as it is.
Downgrading changes nothing back; folded feeds stay folded.

Frozen like 0005_story_identity: the URL rules are that revision's copy (tracker.text.urls may
change its rules with a migration of its own), and the SQL names only this revision's tables.

Revision ID: 0012_feed_urls
Revises: 0011_extraction_hints
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op

revision: str = "0012_feed_urls"
down_revision: str | None = "0011_extraction_hints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKING = frozenset((
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "ttclid", "igshid", "li_fat_id", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi",
    "mkt_tok", "ocid", "cmpid", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname",
    "ns_fee",
))
DEFAULT_PORTS = {"http": 80, "https": 443}


def upgrade() -> None:
    bind = op.get_bind()
    groups: dict[str, list[int]] = {}
    for feed_id, url in bind.execute(sa.text("SELECT id, url FROM feeds ORDER BY id")):
        groups.setdefault(_canonical(url), []).append(feed_id)
    for url, (survivor, *others) in groups.items():
        if others:
            _fold(bind, survivor, others)
        bind.execute(sa.text("UPDATE feeds SET url = :url WHERE id = :id AND url <> :url"),
                     {"url": url, "id": survivor})


def _fold(bind: sa.Connection, survivor: int, others: list[int]) -> None:
    """Point the stories of `others` to `survivor`, keep it active if any was, delete them."""
    ids = sa.bindparam("ids", expanding=True)
    bind.execute(sa.text("UPDATE stories SET feed_id = :survivor WHERE feed_id IN :ids")
                 .bindparams(ids), {"survivor": survivor, "ids": others})
    bind.execute(sa.text(
        "UPDATE feeds SET status = 'active' WHERE id = :survivor AND EXISTS "
        "(SELECT 1 FROM feeds WHERE id IN :ids AND status = 'active')").bindparams(ids),
        {"survivor": survivor, "ids": others})
    bind.execute(sa.text("DELETE FROM feeds WHERE id IN :ids").bindparams(ids), {"ids": others})


def _canonical(url: str) -> str:
    """tracker.text.urls.canonical_url as of this revision, for an http(s) URL; any other
    value as it is."""
    from w3lib.url import canonicalize_url

    try:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
            return url
    except ValueError:
        return url
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _tracking(pair))
    cleaned = canonicalize_url(urlunsplit(parts._replace(query=query, fragment="")),
                               keep_blank_values=True)
    tidy = urlsplit(cleaned)
    netloc = tidy.netloc
    if tidy.port is not None and DEFAULT_PORTS.get(tidy.scheme) == tidy.port:
        netloc = netloc.rsplit(":", 1)[0]
    result = urlunsplit((tidy.scheme, netloc, tidy.path.rstrip("/") or "/", tidy.query, ""))
    return result if len(result) <= 2048 else url


def _tracking(pair: str) -> bool:
    name = unquote_plus(pair.split("=", 1)[0]).strip().lower()
    return name in TRACKING or name.startswith("utm_")


def downgrade() -> None:
    """Nothing to undo: canonical URLs are valid URLs for the previous code too."""
