"""safety: refuse run-time feeds that point at loopback, private or otherwise local addresses."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from bot.errors import FetchError, UnsafeFeedError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(address: IPAddress) -> bool:
    """True for addresses on the open internet; False for anything local or special."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


async def resolve_addresses(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (getaddrinfo runs in a thread, off the event loop)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def ensure_public_url(url: str) -> None:
    """Raise UnsafeFeedError when `url`'s host resolves to any non-public address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as err:  # not a number, or out of range
        raise FetchError(url, f"fetch: invalid address ({err})") from None
    try:
        addresses = await resolve_addresses(host, port)
    except OSError:
        return  # unresolvable hosts fail at fetch time with a clearer message
    for address in addresses:
        if not is_public_address(address):
            raise UnsafeFeedError(
                url,
                f"fetch: {host} resolves to {address}, a local or private address; "
                "feeds added at run time may not point there",
            )
