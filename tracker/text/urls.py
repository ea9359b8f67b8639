"""URL checks shared by every source: only absolute http(s) URLs are tracked."""

from urllib.parse import urlsplit

from tracker.errors import InvalidInput


def check_url(url: str, *, where: str = "URL") -> str:
    """Accept absolute http(s) URLs only: anything else cannot be fetched or linked safely."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{where}: {url!r} is not an http(s) URL")
    return url


def site_of(url: str) -> str:
    """The site a URL belongs to, for grouping and filtering: its host without 'www.'."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")
