"""A fake internet for fetch tests: names resolve in-process and no packet leaves loopback.

    net = FakeNet()
    net.name("news.test", "93.184.216.34")                 # what a lookup answers
    net.name("rebind.test", "93.184.216.34", "127.0.0.1")  # one answer per lookup; last repeats
    net.route("93.184.216.34", port=server.port)            # that "public" host, served locally
    net.fail("gone.test")                                   # the lookup fails
    async with net.client(settings, limits=LIMITS) as client: ...

The client is ClaimWatch's own (create_client) with this resolver and this socket layer
injected. Reading what happened: `lookups` (names resolved), `connects` (address, port) the
client asked for, `tls` (server names TLS was started with). A connection to anything that is
not 127.0.0.0/8 or ::1 after routing raises instead, so a bug cannot send a packet off the
machine; TLS is never really started (the local servers speak plain HTTP).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable, Sequence
from typing import Any

import httpcore
import httpx

from bot.config import Settings
from bot.ingest.fetch import FetchLimits, create_client
from bot.ingest.network import SocketOption
from bot.ingest.safety import IPAddress


class FakeNet:
    def __init__(self) -> None:
        self.answers: dict[str, list[list[IPAddress]] | BaseException] = {}
        self.routes: dict[IPAddress, tuple[IPAddress, int | None]] = {}
        self.lookups: list[str] = []
        self.connects: list[tuple[str, int]] = []
        self.tls: list[str | None] = []

    def name(self, host: str, *answers: str | Sequence[str]) -> FakeNet:
        """Each argument is one lookup's answer (an address or several); the last repeats.
        No argument: the name exists with no address."""
        self.answers[host] = [
            [ipaddress.ip_address(a) for a in ([answer] if isinstance(answer, str) else answer)]
            for answer in answers or ((),)
        ]
        return self

    def fail(self, host: str, error: BaseException | None = None) -> FakeNet:
        self.answers[host] = error or socket.gaierror(socket.EAI_NONAME, "Name not known")
        return self

    def route(self, address: str, *, to: str = "127.0.0.1", port: int | None = None) -> FakeNet:
        """Connections to `address` reach `to` (loopback), on `port` or the port asked for."""
        self.routes[ipaddress.ip_address(address)] = (ipaddress.ip_address(to), port)
        return self

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]  # literals answer themselves, as in getaddrinfo
        except ValueError:
            pass
        self.lookups.append(host)
        answers = self.answers.get(host)
        if answers is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if isinstance(answers, BaseException):
            raise answers
        count = self.lookups.count(host)
        return answers[min(count, len(answers)) - 1]

    def client(self, settings: Settings, *, limits: FetchLimits) -> httpx.AsyncClient:
        return create_client(settings, limits=limits, resolver=self.resolve, network=Loopback(self))


class Loopback(httpcore.AnyIOBackend):
    """The real socket layer, for loopback only: every other address raises before any packet.

    It is the `network` under ClaimWatch's own CheckedBackend, which never asks it for a unix
    socket; sleeping is the real backend's."""

    def __init__(self, net: FakeNet) -> None:
        self.net = net

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.net.connects.append((host, port))
        try:
            address: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            address = None  # a name would be looked up by the real resolver: never
        target, target_port = (
            self.net.routes.get(address, (address, None)) if address else (None, None)
        )
        if target is None or not target.is_loopback:
            raise httpcore.ConnectError(f"fakenet: no connection to {host}, it is not loopback")
        stream = await super().connect_tcp(
            str(target), target_port or port, timeout=timeout, socket_options=socket_options
        )
        return Recording(stream, self.net)


class Recording(httpcore.AsyncNetworkStream):
    """A loopback stream that notes the TLS server name asked for instead of starting TLS."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, net: FakeNet) -> None:
        self.stream = stream
        self.net = net

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self.stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self.stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self.stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.net.tls.append(server_hostname)
        await self.stream.aclose()
        raise httpcore.ConnectError("fakenet: the local server speaks no TLS")

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)
