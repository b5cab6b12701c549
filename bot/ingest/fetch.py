"""fetch: one polite, bounded conditional GET of a feed, following redirects by hand."""

from __future__ import annotations

import asyncio
import errno
import re
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from bot.config import Settings
from bot.errors import FetchError
from bot.ingest.network import TRUSTED, FeedTransport
from bot.ingest.safety import HOST_ERRORS, Resolver, host_error, lookup_host, resolve_host

MiB = 1024 * 1024
PERMANENT = frozenset({301, 308})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Bounds on one fetch; tests shrink them to stay quick."""

    connect_seconds: float = 10.0
    total_seconds: float = 30.0
    max_bytes: int = 10 * MiB
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched feed; `body` is None when the server answered 304 Not Modified."""

    url: str
    final_url: str
    status: int
    body: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str | None
    moved_to: str | None = None  # the new address after only permanent redirects
    max_age: int | None = None
    wire_bytes: int = 0


class StatusError(FetchError):
    """fetch: the server answered with an error status."""

    def __init__(self, url: str, status: int, *, retry_after: str | None = None) -> None:
        self.retry_after = retry_after
        reason = httpx.codes.get_reason_phrase(status) or "error"
        super().__init__(url, f"fetch: HTTP {status} {reason}", status=status)


def user_agent(settings: Settings) -> str:
    return f"ClaimWatch/0.1 (feed poller; +{settings.contact_url})"


def create_client(
    settings: Settings,
    *,
    limits: FetchLimits | None = None,
    resolver: Resolver = resolve_host,
    network: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncClient:
    """The shared HTTP client for polling: UA with contact URL, timeouts, no auto-redirects,
    and every connection checked (bot.ingest.network); tests inject `resolver` and `network`."""
    limits = limits or FetchLimits()
    transport = FeedTransport(
        allow_private=settings.allow_private_feeds,
        limits=httpx.Limits(
            max_connections=max(settings.poll_concurrency * 2, 10),
            max_keepalive_connections=settings.poll_concurrency,
        ),
        resolver=resolver,
        network=network,
    )
    return httpx.AsyncClient(
        headers={
            "User-Agent": user_agent(settings),
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        },
        timeout=httpx.Timeout(limits.total_seconds, connect=limits.connect_seconds),
        follow_redirects=False,  # redirects are followed by hand to see 301/308
        transport=transport,
    )


async def fetch_feed(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: FetchLimits | None = None,
    allow_private: bool = True,
) -> FetchResult:
    """GET `url` with validators; raise FetchError (one sentence) on anything but a feed body.

    `allow_private` trusts `url`'s own host (a feeds.yaml feed): it may be local or private.
    Hops to any other host, permanent redirects included, are checked like every run-time
    feed unless the client was built with CLAIMWATCH_ALLOW_PRIVATE_FEEDS."""
    limits = limits or FetchLimits()
    try:
        async with asyncio.timeout(limits.total_seconds):
            return await _follow(
                client,
                url,
                etag=etag,
                last_modified=last_modified,
                limits=limits,
                allow_private=allow_private,
            )
    except TimeoutError:
        raise FetchError(
            url, f"fetch: no complete answer within {limits.total_seconds:g}s"
        ) from None
    except httpx.TimeoutException as err:
        raise FetchError(url, f"fetch: timed out ({_describe(err)})") from None
    except httpx.HTTPError as err:
        raise FetchError(url, f"fetch: {_describe(err)}") from None
    except HOST_ERRORS as err:  # the address, its host or what it resolved to (not HTTPError)
        raise host_error(url, err) from None


async def _follow(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    limits: FetchLimits,
    allow_private: bool,
) -> FetchResult:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current, permanent = url, True
    trusted_host = lookup_host(url) if allow_private else None
    for _hop in range(limits.max_redirects + 1):
        trusted = lookup_host(current) == trusted_host
        extensions = {TRUSTED: trusted}
        async with client.stream(
            "GET", current, headers=headers, extensions=extensions
        ) as response:
            status = response.status_code
            location = response.headers.get("location")
            if status in REDIRECTS:
                if not location:
                    raise FetchError(url, f"fetch: HTTP {status} redirect without a Location")
                current = _redirect_target(url, current, location)
                permanent = permanent and status in PERMANENT
                continue
            if status == 304:
                return _result(url, current, response, None, permanent)
            if status >= 400 or status < 200:
                raise StatusError(current, status, retry_after=response.headers.get("retry-after"))
            body = await _read_capped(response, url, limits.max_bytes)
            return _result(url, current, response, body, permanent)
    raise FetchError(url, f"fetch: more than {limits.max_redirects} redirects")


def _redirect_target(url: str, current: str, location: str) -> str:
    try:
        target = urljoin(current, location.strip())
        parts = urlsplit(target)
        parts.port  # noqa: B018 -- a port past 65535, which httpx would take, raises here
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise FetchError(url, f"fetch: redirected to an invalid address {location[:200]}") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(url, f"fetch: redirected to an unsupported address {target[:200]}")
    return target


def _result(
    url: str, final: str, response: httpx.Response, body: bytes | None, permanent: bool
) -> FetchResult:
    headers = response.headers
    match = _MAX_AGE.search(headers.get("cache-control", ""))
    return FetchResult(
        url=url,
        final_url=final,
        status=response.status_code,
        body=body,
        etag=headers.get("etag") or None,
        last_modified=headers.get("last-modified") or None,
        content_type=headers.get("content-type"),
        moved_to=final if permanent and final != url else None,
        max_age=int(match.group(1)) if match else None,
        wire_bytes=response.num_bytes_downloaded,
    )


async def _read_capped(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    """The body, decompressed here so the cap holds after gzip/deflate too."""
    length = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "").strip().lower()
    too_big = f"fetch: the feed is larger than {max_bytes / MiB:g} MiB"
    if (
        length.isascii()
        and length.isdigit()
        and int(length) > max_bytes
        and encoding in ("", "identity")
    ):
        raise FetchError(url, too_big)
    parts: list[bytes] = []
    size = 0
    async for chunk in _decoded(response.aiter_raw(), encoding, url, max_bytes):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, too_big)
        parts.append(chunk)
    return b"".join(parts)


async def _decoded(
    raw: AsyncIterator[bytes], encoding: str, url: str, max_bytes: int
) -> AsyncIterator[bytes]:
    if encoding in ("", "identity"):
        async for chunk in raw:
            yield chunk
        return
    if encoding in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif encoding == "deflate":
        wbits = 0  # decided from the first bytes: zlib header or raw deflate
    else:
        raise FetchError(url, f"fetch: unsupported content encoding {encoding[:40]!r}")
    decoder: zlib._Decompress | None = None
    try:
        async for chunk in raw:
            if decoder is None:
                if wbits == 0:
                    wbits = zlib.MAX_WBITS if chunk[:1] == b"\x78" else -zlib.MAX_WBITS
                decoder = zlib.decompressobj(wbits)
            data = chunk
            # max_length bounds memory even for a bomb: at most the cap + 1 bytes at a time.
            while data:
                out = decoder.decompress(data, max_bytes + 1)
                yield out
                data = decoder.unconsumed_tail
        if decoder is not None:
            yield decoder.flush()
    except zlib.error:
        raise FetchError(url, f"fetch: the {encoding} body is corrupt") from None


def _describe(err: httpx.HTTPError) -> str:
    text = str(err).strip()
    if isinstance(err, httpx.ConnectError):
        return f"cannot connect ({_connect_reason(err)})"
    return (text or type(err).__name__)[:200]


def _connect_reason(err: BaseException) -> str:
    """What the socket said, in words: its text would name the address connected to."""
    cause: BaseException | None = err
    for _ in range(5):  # httpx → httpcore → anyio → the socket's own error
        if cause is None:
            break
        if isinstance(cause, OSError) and cause.errno is not None:
            return _ERRNO_REASONS.get(cause.errno, "connection failed")
        cause = cause.__cause__ or cause.__context__
    return "connection failed"


_ERRNO_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ENETUNREACH: "network is unreachable",
    errno.EHOSTUNREACH: "no route to host",
    errno.ECONNRESET: "connection reset",
}
