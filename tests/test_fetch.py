"""fetch against the local feed server: headers sent, limits held, errors in one sentence."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest
from feedserver import FeedServer, Reply, rss_document, rss_item

from bot.config import load_settings
from bot.errors import FetchError, UnsafeFeedError
from bot.ingest.fetch import FetchLimits, StatusError, create_client, fetch_feed
from bot.ingest.safety import ensure_public_url, is_public_address

LIMITS = FetchLimits(connect_seconds=2, total_seconds=1.5)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(CLAIMWATCH_CONTACT_URL="https://ops.example.org/claimwatch")
    async with create_client(settings, limits=LIMITS) as http:
        yield http


async def test_user_agent_names_a_contact_and_validators_are_sent(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.feed("/f.xml", items=2)
    first = await fetch_feed(client, server.url("/f.xml"), limits=LIMITS)
    assert first.status == 200 and first.body and first.etag and first.last_modified

    second = await fetch_feed(
        client,
        server.url("/f.xml"),
        etag=first.etag,
        last_modified=first.last_modified,
        limits=LIMITS,
    )

    assert second.status == 304 and second.body is None
    request = server.hits("/f.xml")[1]
    assert "https://ops.example.org/claimwatch" in request.headers["user-agent"]
    assert request.headers["if-none-match"] == first.etag
    assert request.headers["if-modified-since"] == first.last_modified
    assert "gzip" in request.headers["accept-encoding"]


async def test_deflate_bodies_with_and_without_zlib_header(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    document = rss_document(title="d", items=[rss_item(1)]).encode()
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    server.routes["/zlib.xml"] = lambda _r: _reply(zlib.compress(document), "deflate")
    server.routes["/raw.xml"] = lambda _r: _reply(raw.compress(document) + raw.flush(), "deflate")
    for path in ("/zlib.xml", "/raw.xml"):
        result = await fetch_feed(client, server.url(path), limits=LIMITS)
        assert result.body == document


def _reply(body: bytes, encoding: str) -> Reply:
    return Reply(200, {"Content-Encoding": encoding, "Content-Type": "application/xml"}, body)


async def test_corrupt_gzip_is_an_error(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.routes["/bad.gz"] = lambda _r: _reply(b"\x1f\x8b not really gzip", "gzip")
    with pytest.raises(FetchError, match="the gzip body is corrupt"):
        await fetch_feed(client, server.url("/bad.gz"), limits=LIMITS)


async def test_body_cap_holds_for_plain_and_compressed_bodies(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    small = FetchLimits(total_seconds=5, max_bytes=64 * 1024)
    server.raw("/big.xml", b"x" * (100 * 1024))
    server.gzip_bomb("/bomb.xml", size=1024 * 1024)
    for path in ("/big.xml", "/bomb.xml"):
        with pytest.raises(FetchError, match=r"larger than 0\.0625 MiB"):
            await fetch_feed(client, server.url(path), limits=small)


async def test_status_errors_carry_status_and_retry_after(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.status("/limited.xml", 429, {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})
    with pytest.raises(StatusError) as caught:
        await fetch_feed(client, server.url("/limited.xml"), limits=LIMITS)
    assert caught.value.status == 429
    assert caught.value.retry_after == "Wed, 21 Oct 2026 07:28:00 GMT"
    assert str(caught.value) == "fetch: HTTP 429 Too Many Requests"


async def test_connection_refused_is_one_sentence(client: httpx.AsyncClient) -> None:
    with FeedServer() as gone:
        url = gone.url("/feed.xml")
    with pytest.raises(FetchError, match=r"^fetch: cannot connect"):
        await fetch_feed(client, url, limits=LIMITS)


async def test_redirect_to_another_scheme_is_refused(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.redirect("/ftp.xml", "ftp://files.example.org/feed.xml")
    with pytest.raises(FetchError, match="unsupported address"):
        await fetch_feed(client, server.url("/ftp.xml"), limits=LIMITS)


async def test_redirect_without_location_is_an_error_not_a_feed(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.status("/moved.xml", 302, body=b"<rss><channel><title>x</title></channel></rss>")
    with pytest.raises(FetchError, match=r"^fetch: HTTP 302 redirect without a Location$"):
        await fetch_feed(client, server.url("/moved.xml"), limits=LIMITS)


async def test_private_addresses_are_refused_at_every_hop(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.feed("/f.xml")
    with pytest.raises(UnsafeFeedError, match="local or private address"):
        await fetch_feed(client, server.url("/f.xml"), limits=LIMITS, allow_private=False)
    assert server.requests == []


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://127.0.0.1/feed", True),
        ("http://localhost:8080/feed", True),
        ("http://10.1.2.3/feed", True),
        ("http://192.168.0.10/feed", True),
        ("http://169.254.169.254/latest/meta-data", True),
        ("http://[::1]/feed", True),
        ("http://[::ffff:127.0.0.1]/feed", True),
        ("http://224.0.0.1/feed", True),
        ("http://0.0.0.0/feed", True),
        ("http://8.8.8.8/feed", False),
        ("http://[2606:4700::1111]/feed", False),
    ],
)
async def test_address_safety(url: str, refused: bool) -> None:
    if refused:
        with pytest.raises(UnsafeFeedError):
            await ensure_public_url(url)
    else:
        await ensure_public_url(url)


def test_public_address_table() -> None:
    assert is_public_address(ipaddress.ip_address("93.184.216.34"))
    assert not is_public_address(ipaddress.ip_address("fd00::1"))


# --- hostile response headers -----------------------------------------------------------------
# The feed server writes its own Content-Length, so these answers are sent byte for byte.


@contextlib.asynccontextmanager
async def answering(head: bytes, body: bytes = b"") -> AsyncIterator[str]:
    """A local server that answers every request with `head` + CRLF CRLF + `body`."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(head + b"\r\n\r\n" + body)
            await writer.drain()
        writer.close()

    listener = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/feed.xml"
    finally:
        listener.close()


@pytest.mark.parametrize(
    "length",
    [
        "\u0661\u0662".encode(),  # Arabic-Indic digits: isdigit() but not a length
        b"9" * 5000,  # past the digits Python's int() takes
        b"-1",
        b"12, 13",
        b"0x10",
    ],
)
async def test_a_malformed_content_length_is_one_fetch_error(
    client: httpx.AsyncClient, length: bytes
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: " + length
    async with answering(head, b"<rss/>") as url:
        with pytest.raises(
            FetchError, match=r"^fetch: (bad|conflicting) Content-Length( headers)?$"
        ):
            await fetch_feed(client, url, limits=LIMITS)


async def test_a_huge_content_length_is_refused_before_the_body_is_read(
    client: httpx.AsyncClient,
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 999999999999"
    async with answering(head, b"<rss/>") as url:  # the body never comes: no read may wait
        with pytest.raises(FetchError, match=r"^fetch: the feed is larger than 10 MiB$"):
            await fetch_feed(client, url, limits=LIMITS)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        (b"http://[::1", r"^fetch: Invalid URL in location header: Invalid port"),
        (b"http://exa\x01mple.org/", r"^fetch: Invalid URL in location header: Invalid non-"),
        (b"http://" + b"a" * 8000 + b".org/", r"^fetch: invalid host name$"),
        (b"http://xn--zz.example.org/", r"^fetch: invalid host name$"),
        # httpx takes any port number: refused before a lookup, not "cannot resolve"
        (b"http://example.org:99999999/", r"^fetch: redirected to an invalid address http"),
        (
            b"file:///etc/passwd",
            r"^fetch: redirected to an unsupported address file:///etc/passwd$",
        ),
    ],
)
async def test_a_malformed_location_is_one_fetch_error(
    client: httpx.AsyncClient, location: bytes, message: str
) -> None:
    head = b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\nLocation: " + location
    async with answering(head) as url:
        with pytest.raises(FetchError, match=message) as caught:
            await fetch_feed(client, url, limits=LIMITS)
    assert len(str(caught.value)) <= 250 and str(caught.value).isprintable()
