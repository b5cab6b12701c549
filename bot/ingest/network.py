"""network: the sockets feeds are fetched over; each connection goes to an address checked here.

Checking a name and then letting httpx resolve it again lets a name answer "public" to the
check and "loopback" to the connect (DNS rebinding). So the check lives in the httpcore network
backend: it resolves once, checks every answer and connects to the checked address itself.
Every connection, redirect hops included, goes through it. The URL's host still reaches the
Host header and, since httpcore passes the origin host to start_tls, the TLS server name.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from types import TracebackType

import httpcore
import httpx

from bot.ingest.safety import Resolver, resolve_checked, resolve_host

# Request extension: True lets this request reach local or private addresses (a feeds.yaml
# feed's own host). Requests without it use the checked pool.
TRUSTED = "claimwatch.trusted"

SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """Resolve once with `resolver`, refuse non-public answers unless `allow_private`, then
    open the socket to a checked address through `network` (the real one by default)."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver = resolve_host,
        network: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        self.network = network or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve_checked(
            host, port, allow_private=self.allow_private, resolver=self.resolver, timeout=timeout
        )
        options = list(socket_options or ())
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self.network.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as err:
                failure = err  # try the next checked address
        assert failure is not None  # resolve_checked never returns an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("feeds are fetched over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self.network.sleep(seconds)


class CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool that connects through `backend`."""

    def __init__(
        self,
        backend: httpcore.AsyncNetworkBackend,
        *,
        limits: httpx.Limits,
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(verify=context, limits=limits, trust_env=False)
        # httpx 0.28 takes no network backend; its own transport code (request and error
        # mapping) is kept by swapping the pool it built for one that uses ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class FeedTransport(httpx.AsyncBaseTransport):
    """Two pools, so a connection opened for a trusted request is never reused by another."""

    def __init__(
        self,
        *,
        allow_private: bool,
        limits: httpx.Limits,
        resolver: Resolver = resolve_host,
        network: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        checked = CheckedBackend(allow_private=allow_private, resolver=resolver, network=network)
        trusted = CheckedBackend(allow_private=True, resolver=resolver, network=network)
        context = httpx.create_ssl_context()
        self.checked = CheckedTransport(checked, limits=limits, context=context)
        self.trusted = CheckedTransport(trusted, limits=limits, context=context)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        pool = self.trusted if request.extensions.get(TRUSTED) is True else self.checked
        return await pool.handle_async_request(request)

    async def __aenter__(self) -> FeedTransport:
        await self.checked.__aenter__()
        await self.trusted.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        try:
            await self.checked.aclose()
        finally:
            await self.trusted.aclose()
