"""A local feed server: real HTTP/1.1 on 127.0.0.1 serving generated feeds and misbehaviour.

It runs an asyncio server on its own thread, so the same instance serves the test process and a
`claimwatch` subprocess alike. `from feedserver import FeedServer` (tests/ is on sys.path):

    with FeedServer() as server:
        server.feed("/a.xml", items=5)            # RSS 2.0 with ETag/Last-Modified → 304
        server.status("/gone.xml", 410)
        client_url = server.url("/a.xml")

Routes (each replaces what the path served before):
    feed(path, items=5, title=..., start=0, lang=None, atom=False, ttl=None, max_age=None,
         gzip=False, validators=True, charset="utf-8", extra_items=())
    status(path, code, headers=None, body=b"")       any status, e.g. 429 + {"Retry-After": "120"}
    redirect(path, target, code=301)                  target may be a path or a full URL
    raw(path, body, content_type="application/xml")   malformed XML, HTML pages, odd charsets
    endless(path)                                     trickles bytes forever (defeats read timeouts)
    gzip_bomb(path, size=12 MiB)                      small gzip body, huge when decompressed
    slow(path, delay)                                 waits `delay` seconds before answering

Reading what happened: `requests` (list of Request: path and lower-cased headers),
`hits(path)`, `bytes_sent` (all response bytes written).

For an answer the test itself controls (held until an event, say), a blocking handler runs in a
plain threaded server instead: subclass `QuietHandler` and serve it with `serving(server)`.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar
from xml.sax.saxutils import escape

from timing import scaled

BASE_DATE = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    endless: bool = False


Route = Callable[[Request], Reply]


def rss_item(n: int, *, prefix: str = "Item") -> str:
    date = format_datetime(BASE_DATE + timedelta(minutes=n), usegmt=True)
    return (
        f"<item><title>{prefix} {n}</title>"
        f"<link>https://news.example.org/{prefix.lower()}/{n}?utm_source=rss#top</link>"
        f"<guid isPermaLink='false'>{prefix.lower()}-{n}</guid>"
        f"<description>&lt;p&gt;Summary of {escape(prefix)} {n} &amp;amp; more.&lt;/p&gt;"
        f"</description><pubDate>{date}</pubDate></item>"
    )


def rss_document(
    *,
    title: str,
    items: Sequence[str],
    lang: str | None = None,
    ttl: int | None = None,
    charset: str = "utf-8",
) -> str:
    extra = f"<language>{lang}</language>" if lang else ""
    extra += f"<ttl>{ttl}</ttl>" if ttl else ""
    return (
        f'<?xml version="1.0" encoding="{charset}"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://news.example.org/</link>"
        f"<description>generated</description>{extra}{''.join(items)}</channel></rss>\n"
    )


def atom_document(*, title: str, count: int, start: int = 0) -> str:
    entries = "".join(
        f"<entry><id>urn:entry:{n}</id><title>Entry {n}</title>"
        f'<link href="/entries/{n}"/><updated>2026-11-01T12:{n % 60:02d}:00Z</updated>'
        f'<summary type="html">&lt;b&gt;Atom&lt;/b&gt; entry {n}</summary></entry>'
        for n in range(start, start + count)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:feed</id>"
        f"<updated>2026-11-01T12:00:00Z</updated>{entries}</feed>\n"
    )


def conditional(body: bytes, headers: dict[str, str], *, validators: bool = True) -> Route:
    """Serve `body` with an ETag and Last-Modified; answer 304 when the client has them."""
    digest = hashlib.sha1(body).hexdigest()
    etag = f'"{digest[:16]}"'
    # A different body gets a different date too, as a real server's file mtime would.
    modified = format_datetime(BASE_DATE + timedelta(seconds=int(digest[:5], 16)), usegmt=True)
    all_headers = dict(headers)
    if validators:
        all_headers |= {"ETag": etag, "Last-Modified": modified}

    def route(request: Request) -> Reply:
        if validators:
            # If-None-Match wins when both are sent (RFC 9110, 13.2.2).
            if "if-none-match" in request.headers:
                fresh = request.headers["if-none-match"] == etag
            else:
                fresh = request.headers.get("if-modified-since") == modified
            if fresh:
                return Reply(304, {"ETag": etag})
        return Reply(200, all_headers, body)

    return route


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.bytes_sent = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FeedServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=scaled(10))
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=scaled(10))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=scaled(10))

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    # --- routes ----------------------------------------------------------------------------

    def feed(
        self,
        path: str,
        *,
        items: int = 5,
        title: str = "Generated feed",
        start: int = 0,
        lang: str | None = None,
        atom: bool = False,
        ttl: int | None = None,
        max_age: int | None = None,
        gzip_body: bool = False,
        validators: bool = True,
        extra_items: Sequence[str] = (),
    ) -> None:
        if atom:
            text = atom_document(title=title, count=items, start=start)
            content_type = "application/atom+xml; charset=utf-8"
        else:
            entries = [rss_item(n) for n in range(start, start + items)] + list(extra_items)
            text = rss_document(title=title, items=entries, lang=lang, ttl=ttl)
            content_type = "application/rss+xml; charset=utf-8"
        headers = {"Content-Type": content_type}
        if max_age is not None:
            headers["Cache-Control"] = f"public, max-age={max_age}"
        body = text.encode("utf-8")
        if gzip_body:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self.routes[path] = conditional(body, headers, validators=validators)

    def status(
        self, path: str, code: int, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> None:
        reply = Reply(code, dict(headers or {}), body or f"status {code}\n".encode())
        self.routes[path] = lambda _request: reply

    def redirect(self, path: str, target: str, code: int = 301) -> None:
        self.status(path, code, {"Location": target})

    def raw(self, path: str, body: bytes, content_type: str = "application/xml") -> None:
        reply = Reply(200, {"Content-Type": content_type}, body)
        self.routes[path] = lambda _request: reply

    def endless(self, path: str) -> None:
        reply = Reply(200, {"Content-Type": "application/rss+xml"}, endless=True)
        self.routes[path] = lambda _request: reply

    def gzip_bomb(self, path: str, size: int = 12 * 1024 * 1024) -> None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        head = rss_document(title="bomb", items=[]).encode()[:-17]  # open <channel>, no end
        body = compressor.compress(head) + compressor.compress(b" " * size) + compressor.flush()
        reply = Reply(
            200, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}, body
        )
        self.routes[path] = lambda _request: reply

    def slow(self, path: str, delay: float) -> None:
        self.feed(path)
        inner = self.routes[path]

        def route(request: Request) -> Reply:
            reply = inner(request)
            reply.delay = delay
            return reply

        self.routes[path] = route

    # --- HTTP ------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                route = self.routes.get(request.path.split("?", 1)[0])
                reply = route(request) if route else Reply(404, {}, b"not found\n")
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                if reply.endless:
                    await self._trickle(writer)
                    break
                await self._write(writer, reply)
                if request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> Request | None:
        line = await reader.readline()
        if not line.strip():
            return None
        parts = line.decode("latin-1").split()
        headers: dict[str, str] = {}
        while True:
            header = await reader.readline()
            if header in (b"\r\n", b"\n", b""):
                break
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return Request(path=parts[1] if len(parts) > 1 else "/", headers=headers)

    async def _write(self, writer: asyncio.StreamWriter, reply: Reply) -> None:
        body = b"" if reply.status == 304 else reply.body
        reason = {200: "OK", 304: "Not Modified"}.get(reply.status, "Status")
        lines = [f"HTTP/1.1 {reply.status} {reason}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in reply.headers.items()]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        self.bytes_sent += len(data)
        writer.write(data)
        await writer.drain()

    async def _trickle(self, writer: asyncio.StreamWriter) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n"
        writer.write(head + b'<?xml version="1.0"?><rss version="2.0"><channel>')
        while True:
            writer.write(b"<item><title>more</title></item>")
            self.bytes_sent += 32
            await writer.drain()
            await asyncio.sleep(0.02)


# --- a plain threaded server, for a handler written in the test ------------------------------

Server = TypeVar("Server", bound=ThreadingHTTPServer)


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing; `reply` answers 200 with a body."""

    def reply(self, body: bytes, content_type: str = "application/rss+xml") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    """`server` answering from a thread of its own until the block ends."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
