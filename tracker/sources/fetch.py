"""Polite, bounded HTTP fetching of story pages and feeds (httpx), for an asyncio run.

`Fetcher.fetch` is a coroutine: a run awaits many at once, and the limits are asyncio semaphores.
The request itself is made with httpx's blocking client on a pool of `concurrency` threads: on
loopback, httpx's async connection pool cost about 2.8 ms a request here against 0.6 ms for the
blocking client in threads (300 pages of 36 KB: 0.83 s against 0.19 s; the async pool's
bookkeeping grows with the queue, see encode/httpx#3215), and a run where nothing changed is
almost nothing but requests. The network waits release the GIL, so threads lose nothing.

Every fetch is bounded: a global and a per-host concurrency limit with a delay between requests to
one host (across a whole fleet of workers when the run passes a `TakeTurn`, see
tracker.store.spacing), connect/read timeouts and an overall deadline, and a maximum body size
enforced while streaming (after decompression, so a gzip bomb is cut off too). Redirects are
followed and the final URL is reported. ETag and Last-Modified from the previous fetch make the
request conditional, and a 304 comes back as a page with `not_modified` set and no body.
"""

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from tracker import __version__
from tracker.errors import FetchError, InvalidInput
from tracker.sources.encoding import decode_page

if TYPE_CHECKING:  # httpx (with its rich) is imported by the first Fetcher: start-up time
    import httpx

USER_AGENT = f"tracker/{__version__} (news revision tracker; keeps the versions of stories)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
    "application/rdf+xml", "application/feed+json", "text/html",
)
_SNIFF_BYTES = 4096
MAX_CONNECTIONS = 1000
MAX_RETRY_AFTER = timedelta(days=30)
"""The longest Retry-After read as such; the schedule waits at most `stop_after` anyway."""
MAX_SECONDS = 3600.0
TakeTurn = Callable[[str, float], Awaitable[float]]
"""Reserve the next start of a request to a host, `delay` after the fleet's last one; the
seconds to wait before it (the run passes one that asks the database)."""
_OPTIONS = {"concurrency": "--concurrency", "per_host": "--per-host", "host_delay": "--delay"}


@dataclass(frozen=True)
class FetchLimits:
    """How hard tracker may pull on the web; the defaults suit a newsroom's cron job."""

    concurrency: int = 16
    per_host: int = 2
    host_delay: float = 1.0
    """Seconds between the starts of two requests to the same host."""
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 90.0
    """A whole fetch, so a server dripping one byte a second cannot hold a slot for ever."""
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5

    def __post_init__(self) -> None:
        """Refuse limits before a run claims anything: no free slot (`--per-host 0`) would hang
        it while it holds its claims, and a negative one would fail every story it took."""
        for name in ("concurrency", "per_host"):
            _check_limit(name, getattr(self, name), 1, MAX_CONNECTIONS)
        _check_limit("host_delay", self.host_delay, 0, MAX_SECONDS)
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            _check_limit(name, getattr(self, name), 0.001, MAX_SECONDS)
        _check_limit("max_bytes", self.max_bytes, 1, 2**40)
        _check_limit("max_redirects", self.max_redirects, 0, 100)


@dataclass(frozen=True)
class Page:
    """One HTTP answer; `text` is empty for a 304."""

    url: str
    final_url: str
    status: int
    body: bytes
    charset: str | None
    """The charset the HTTP headers declared, if any."""
    content_type: str
    etag: str | None
    last_modified: str | None
    duration_ms: int

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @cached_property
    def text(self) -> str:
        """The decoded page, decoded only when asked: an unchanged page never needs it."""
        return decode_page(self.body, self.charset) if self.body else ""


class FetchFailed(FetchError):
    """A fetch that produced no usable page; `status` is the HTTP status when there was one,
    `retry_after` how long the server asked tracker to wait (429, 503 with Retry-After)."""

    def __init__(
        self, message: str, status: int | None = None, retry_after: timedelta | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    @property
    def missing(self) -> bool:
        """404 and 410: the page is not there (it may come back; several in a row mean gone)."""
        return self.status in (404, 410)


class Fetcher:
    """An HTTP client with tracker's limits; use as `async with Fetcher(limits) as fetcher`."""

    def __init__(self, limits: FetchLimits | None = None, take_turn: TakeTurn | None = None
                 ) -> None:
        self.limits = limits or FetchLimits()
        self._take_turn = take_turn
        self._closing = threading.Event()
        self._global = asyncio.Semaphore(self.limits.concurrency)
        self._hosts: dict[str, _HostGate] = {}
        self._threads = ThreadPoolExecutor(self.limits.concurrency, "tracker-fetch")
        import httpx

        self._client = httpx.Client(
            follow_redirects=True, max_redirects=self.limits.max_redirects,
            timeout=httpx.Timeout(self.limits.read_timeout, connect=self.limits.connect_timeout),
            limits=httpx.Limits(max_connections=self.limits.concurrency,
                                max_keepalive_connections=self.limits.concurrency),
            headers={"User-Agent": USER_AGENT},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._closing.set()  # threads waiting for a turn give it up instead of sending
        self._threads.shutdown(wait=kind is None, cancel_futures=True)
        self._client.close()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None,
        accept: tuple[str, ...] = HTML_TYPES,
    ) -> Page:
        """Fetch `url` within the limits; raise FetchFailed for anything but a usable page."""
        host = urlsplit(url).hostname or ""
        gate = self._hosts.get(host) or self._hosts.setdefault(host, self._gate(host))
        async with self._global, gate as start_at:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._threads, self._fetch, url, _conditional(etag, last_modified), accept,
                start_at)

    def _gate(self, host: str) -> "_HostGate":
        delay = self.limits.host_delay
        turn = self._take_turn
        fleet = (lambda: turn(host, delay)) if turn is not None and delay > 0 else None
        return _HostGate(self.limits.per_host, delay, fleet)

    def _fetch(
        self, url: str, headers: dict[str, str], accept: tuple[str, ...], start_at: float
    ) -> Page:
        """The blocking request, on a fetch thread, sent at `start_at` (time.monotonic(): the
        thread waits for the turn itself, so an event loop busy elsewhere at that moment
        cannot make it late); httpx's errors become FetchFailed."""
        if self._closing.wait(max(start_at - time.monotonic(), 0)):
            raise FetchFailed("not sent: the run is stopping")
        import httpx

        started = time.perf_counter()
        try:
            return self._get(url, headers, accept, started)
        except httpx.TimeoutException as exc:
            raise FetchFailed(f"timed out ({type(exc).__name__})") from None
        except httpx.TooManyRedirects:
            raise FetchFailed(f"more than {self.limits.max_redirects} redirects") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FetchFailed(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None

    def _get(
        self, url: str, headers: dict[str, str], accept: tuple[str, ...], started: float
    ) -> Page:
        with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return _page(url, response, b"", started)
            if response.status_code >= 400:
                raise _http_error(response)
            content_type = _media_type(response)
            body = self._read_body(response, started)
        if not _acceptable(content_type, body, accept):
            raise FetchFailed(f"not a page tracker can read ({content_type or 'no type'})",
                              response.status_code)
        return _page(url, response, body, started)

    def _read_body(self, response: "httpx.Response", started: float) -> bytes:
        """The decompressed body, cut off as soon as it passes the size or time limit."""
        limit, deadline = self.limits.max_bytes, started + self.limits.total_timeout
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchFailed(_too_large(limit), response.status_code)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchFailed(_too_large(limit), response.status_code)
            if time.perf_counter() > deadline:
                raise FetchFailed(f"timed out after {self.limits.total_timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


class _HostGate:
    """At most `slots` requests in flight to one host, their starts `delay` seconds apart;
    with `fleet`, apart from every other worker's too (it says how long to wait for a turn)."""

    def __init__(self, slots: int, delay: float,
                 fleet: Callable[[], Awaitable[float]] | None = None) -> None:
        self._slots = asyncio.Semaphore(slots)
        self._turn = asyncio.Lock()
        self._delay = delay
        self._fleet = fleet
        self._last_start = float("-inf")

    async def __aenter__(self) -> float:
        """Take a slot and a turn; returns when (time.monotonic()) the request may start."""
        await self._slots.acquire()
        try:
            async with self._turn:
                return await self._next_start()
        except BaseException:  # cancelled, or the database failed: the slot is not used
            self._slots.release()
            raise

    async def _next_start(self) -> float:
        """This worker's own spacing first; then the fleet's turn, taken only once this
        worker could send, so that its own wait never delays a turn already taken."""
        wait = self._last_start + self._delay - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        fleet_wait = await self._fleet() if self._fleet is not None else 0.0
        self._last_start = time.monotonic() + fleet_wait
        return self._last_start

    async def __aexit__(self, *exc: object) -> None:
        self._slots.release()


def _http_error(response: "httpx.Response") -> FetchFailed:
    """An HTTP error status; a date in Retry-After counts from the answer's own Date, so a
    server whose clock is off from ours still gets the wait it asked for."""
    sent = _http_date(response.headers.get("date"))
    wait = retry_after(response.headers.get("retry-after"), sent)
    said = f" (retry after {wait.total_seconds():g} s)" if wait is not None else ""
    return FetchFailed(f"HTTP {response.status_code}{said}", response.status_code, wait)


def retry_after(value: str | None, now: datetime | None = None) -> timedelta | None:
    """A Retry-After header (seconds, or an HTTP date) as a wait, at most MAX_RETRY_AFTER; None
    when there is none or it cannot be read."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        seconds = int(value) if len(value) < 12 else MAX_RETRY_AFTER.total_seconds()
        return min(timedelta(seconds=seconds), MAX_RETRY_AFTER)
    when = _http_date(value)
    if when is None:
        return None
    wait = when - (now or datetime.now(UTC))
    return min(max(wait, timedelta(0)), MAX_RETRY_AFTER)


def _http_date(value: str | None) -> datetime | None:
    try:
        when = parsedate_to_datetime(value or "")
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when  # RFC 9110 dates are GMT


def _check_limit(name: str, value: float, low: float, high: float) -> None:
    """`value` must be a number from `low` to `high` (a NaN is neither, so it fails too)."""
    if not low <= value <= high:
        raise InvalidInput(f"{_OPTIONS.get(name, name)} must be from {low:g} to {high:g}, "
                           f"not {value}")


def _conditional(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _media_type(response: "httpx.Response") -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower()


def _acceptable(content_type: str, body: bytes, accept: tuple[str, ...]) -> bool:
    """Declared types must be one we read; an undeclared body must look like markup."""
    if content_type:
        return content_type in accept
    return body[:_SNIFF_BYTES].lstrip().startswith(b"<")


def _too_large(limit: int) -> str:
    return f"page larger than {limit // (1024 * 1024)} MB: not read"


def _page(url: str, response: "httpx.Response", body: bytes, started: float) -> Page:
    return Page(
        url=url, final_url=str(response.url), status=response.status_code, body=body,
        charset=response.charset_encoding,
        content_type=_media_type(response), etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        duration_ms=round((time.perf_counter() - started) * 1000),
    )
