"""The fetcher against a real loopback server: encodings, charsets, limits and politeness."""

import asyncio
import gzip
import socket
import time
from typing import Any

import brotli
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tracker.sources.encoding import decode_page
from tracker.sources.fetch import Fetcher, FetchFailed, FetchLimits

FAST = FetchLimits(host_delay=0, read_timeout=1, connect_timeout=1, total_timeout=3)
PAGE = "<html><body><p>Grüße aus Köln, café</p></body></html>"


@pytest.fixture
def server(web_server: HTTPServer) -> HTTPServer:
    web_server.clear()
    return web_server


async def fetch(url: str, limits: FetchLimits = FAST, **kw: Any) -> object:
    async with Fetcher(limits) as fetcher:
        return await fetcher.fetch(url, **kw)


@pytest.mark.parametrize(("encoding", "compress"), [("gzip", gzip.compress),
                                                    ("br", brotli.compress)])
async def test_compressed_pages_are_decoded(server: HTTPServer, encoding: str, compress) -> None:
    server.expect_request("/z").respond_with_response(Response(
        compress(PAGE.encode()), headers={"Content-Encoding": encoding},
        content_type="text/html; charset=utf-8"))
    page = await fetch(server.url_for("/z"))
    assert page.text == PAGE  # type: ignore[attr-defined]


async def test_the_charset_comes_from_the_page_when_the_header_has_none(server: HTTPServer) -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Grüße</p></body></html>'
    server.expect_request("/latin").respond_with_data(html.encode("latin-1"),
                                                     content_type="text/html")
    page = await fetch(server.url_for("/latin"))
    assert "Grüße" in page.text  # type: ignore[attr-defined]


def test_undeclared_non_utf8_text_is_detected() -> None:
    text = "Переговоры в Женеве зашли в тупик, заявил министр иностранных дел. " * 5
    assert decode_page(text.encode("cp1251"), None) == text


async def test_requests_name_tracker_and_are_conditional(server: HTTPServer) -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response(status=304)

    server.expect_request("/c").respond_with_handler(handler)
    page = await fetch(server.url_for("/c"), etag='"v1"',
                       last_modified="Wed, 25 Nov 2026 08:00:00 GMT")
    assert page.not_modified and page.text == ""  # type: ignore[attr-defined]
    headers = seen[0].headers
    assert headers["User-Agent"].startswith("tracker/")
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Wed, 25 Nov 2026 08:00:00 GMT"


async def test_a_compressed_bomb_is_cut_off_after_the_limit(server: HTTPServer) -> None:
    bomb = gzip.compress(b"<html>" + b" " * (30 * 1024 * 1024))
    server.expect_request("/bomb").respond_with_response(Response(
        bomb, headers={"Content-Encoding": "gzip"}, content_type="text/html"))
    with pytest.raises(FetchFailed, match="larger than 10 MB"):
        await fetch(server.url_for("/bomb"))


async def test_a_redirect_loop_fails_cleanly(server: HTTPServer) -> None:
    server.expect_request("/loop").respond_with_response(
        Response(status=302, headers={"Location": "/loop"}))
    with pytest.raises(FetchFailed, match="more than 5 redirects"):
        await fetch(server.url_for("/loop"))


async def test_a_refused_connection_is_a_fetch_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchFailed, match="ConnectError"):
        await fetch(f"http://127.0.0.1:{port}/")


async def test_requests_to_one_host_are_spaced_by_the_delay(server: HTTPServer) -> None:
    starts: list[float] = []

    def handler(_request: Request) -> Response:
        starts.append(time.monotonic())
        return Response(PAGE, content_type="text/html")

    server.expect_request("/polite").respond_with_handler(handler)
    limits = FetchLimits(per_host=4, host_delay=0.15, read_timeout=2)
    async with Fetcher(limits) as fetcher:
        await asyncio.gather(*(fetcher.fetch(server.url_for("/polite")) for _ in range(4)))
    # The server sees arrival times, which a loaded machine can bunch up a little; the span of
    # four requests still shows the three delays between them.
    assert starts[-1] - starts[0] >= 3 * 0.15 * 0.8
