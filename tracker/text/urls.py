"""Story URLs: which URLs tracker accepts, and the one form each story is known by.

A story is one row per canonical URL, so every URL that enters tracker (`tracker add`, a feed's
entries, an import, the URL a fetch was redirected to, a lookup on the command line) goes
through `canonical_url` first. The form:

- scheme and host in lower case, the host in IDNA (punycode) form, an IPv6 address compressed;
- no default port (:80 for http, :443 for https);
- no fragment: the server never sees it, so `/a#comments` is the page `/a`;
- no tracking parameters (utm_*, fbclid, gclid and the others in TRACKING_PARAMETERS); the
  other parameters sorted, so `?b=2&a=1` and `?a=1&b=2` are one page;
- percent-encoding normalised (`%7e` is `~`, `%2f` is `%2F`, non-ASCII is UTF-8 encoded) and
  dot segments resolved;
- no trailing slash on a path other than `/`: news sites serve `/a` and `/a/` as one article
  (one redirects to the other), so they are one story. The root keeps its slash.

w3lib (Scrapy's URL library) does the percent-encoding, sorting, host and dot-segment work;
tracker adds the ports, the tracking parameters and the trailing slash. courlan, which comes
with trafilatura, was the other candidate and is not used: it lower-cases the user-info (a
password) with the host, keeps fragments unless in a strict mode that drops every parameter not
on its list, matches trackers loosely enough to drop `?gallery=2` or `?region=` (its pattern
takes any name starting with "ga" or "ref"), and percent-encodes `;` inside paths.

Stored URLs are in this form (migration 0005_story_identity rewrote older ones), so changing
these rules needs a migration that rewrites the stored URLs and merges what becomes one story.
"""

import ipaddress
import re
import socket
from enum import StrEnum
from urllib.parse import SplitResult, unquote_plus, urlsplit, urlunsplit

from tracker.errors import InvalidInput

MAX_URL_LENGTH = 2048
"""The stories.url column; longer URLs are also refused by most servers."""
TRACKING_PARAMETERS = frozenset((
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "ttclid", "igshid", "li_fat_id", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi",
    "mkt_tok", "ocid", "cmpid", "ns_mchannel", "ns_source", "ns_campaign",
    "ns_linkname", "ns_fee",
))
"""Query parameters that say who shared a link or which campaign it came from, never which page
it is. Names starting with utm_ are tracking parameters too."""
TRACKING_PREFIXES = ("utm_",)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_IPV4_LENIENT = re.compile(r"[0-9a-fx.]+")


def check_url(url: str, *, where: str = "URL") -> str:
    """Accept absolute http(s) URLs only: anything else cannot be fetched or linked safely.

    Refused too, with one line that says why: control characters (a newline would split a
    request or a log line), a malformed host or IPv6 literal, an impossible port, and URLs too
    long to store. Returns the URL without surrounding spaces.
    """
    url = url.strip()
    shown = url if len(url) <= 100 else url[:100] + "..."
    if _CONTROL.search(url):
        raise InvalidInput(f"{where}: {shown!r} contains control characters (a newline?)")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"{where}: {shown!r} is longer than {MAX_URL_LENGTH} characters")
    parts = _split(url, where, shown)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{where}: {shown!r} is not an http(s) URL")
    return url


def canonical_url(url: str, *, where: str = "URL") -> str:
    """The one form of a story URL (see the module docstring); refuses what `check_url` does."""
    parts = urlsplit(check_url(url, where=where))
    # w3lib.url costs 80 ms to import (measured): only commands that take a URL pay for it.
    from w3lib.url import canonicalize_url

    cleaned = urlunsplit(parts._replace(query=_without_tracking(parts.query), fragment=""))
    result = _tidy(urlsplit(canonicalize_url(cleaned, keep_blank_values=True)))
    if len(result) > MAX_URL_LENGTH:
        raise InvalidInput(f"{where}: longer than {MAX_URL_LENGTH} characters once encoded")
    return result


def story_key(url: str) -> str:
    """How a story URL is stored and looked up: its canonical form, or the URL as given when it
    has none (the file: URL that loose imported files without --url get)."""
    try:
        return canonical_url(url)
    except InvalidInput:
        return url.strip()


def _split(url: str, where: str, shown: str) -> SplitResult:
    """urlsplit, with its errors (a bad IPv6 literal, a port out of range) as InvalidInput."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"{where}: {shown!r} is not a valid URL ({exc})") from None
    if port == 0:
        raise InvalidInput(f"{where}: {shown!r} names port 0, which nothing listens on")
    return parts


def _without_tracking(query: str) -> str:
    """The query without tracking parameters, the others untouched and in their order."""
    kept = [pair for pair in query.split("&") if pair and not _is_tracking(pair)]
    return "&".join(kept)


def _is_tracking(pair: str) -> bool:
    name = unquote_plus(pair.split("=", 1)[0]).strip().lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def _tidy(parts: SplitResult) -> str:
    """What w3lib leaves: the default port, and a trailing slash after a path."""
    netloc = parts.netloc
    if parts.port is not None and _DEFAULT_PORTS.get(parts.scheme) == parts.port:
        netloc = netloc.rsplit(":", 1)[0]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))


def site_of(url: str) -> str:
    """The site a URL belongs to, for grouping and filtering: its host without 'www.'."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def same_site(url: str, other: str) -> bool:
    """True when both URLs are on one site: the same registrable domain (www.bbc.co.uk and
    bbc.co.uk, by the public suffix list), or the same host where there is no such domain (an
    IP address, localhost)."""
    from tld import get_fld  # its public suffix list loads on first use, with a canonical link

    first, second = (get_fld(u, fail_silently=True) for u in (url, other))
    if first is not None and second is not None:
        return bool(first == second)
    return urlsplit(url).hostname == urlsplit(other).hostname


def without_credentials(url: str) -> str:
    """The URL without a user name or password in it, for anything that leaves tracker (an
    export, a cron line): a password must not travel with a shared report."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class AddressKind(StrEnum):
    """Where a URL's host is, as far as its name says, for what a feed may send tracker to."""

    PUBLIC = "public"
    LOOPBACK = "loopback"
    PRIVATE = "private"
    LINK_LOCAL = "link-local"


def address_kind(url: str) -> AddressKind:
    """Loopback, private (RFC 1918, unique local, shared and reserved ranges), link-local, or
    public. An IP literal in any form a resolver accepts (127.1, 0x7f000001, ::ffff:10.0.0.1)
    counts as its address; localhost names are loopback; other names are public, since they
    are not resolved here."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return AddressKind.LOOPBACK
    address = _ip_address(host)
    if address is None:
        return AddressKind.PUBLIC
    if address.is_loopback:
        return AddressKind.LOOPBACK
    if address.is_link_local:
        return AddressKind.LINK_LOCAL
    return AddressKind.PUBLIC if address.is_global else AddressKind.PRIVATE


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return _lenient_ipv4(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _lenient_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The shorthand and hex forms of IPv4 that resolvers accept (127.1, 0x7f.0.0.1)."""
    if not _IPV4_LENIENT.fullmatch(host) or not any(c.isdigit() for c in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None
