"""safety: which hosts and addresses a feed may point at, decided on the address itself."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence

import httpx

from bot.errors import FetchError, UnsafeFeedError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]

INVALID_HOST = "fetch: invalid host name"
NOT_PUBLIC = "fetch: the address is not public; refused"
MAX_HOST_LENGTH = 253  # RFC 1035, without the trailing dot

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Not global, though Python 3.11's tables miss them: site-local (deprecated, still routed
# inside some networks), local-use NAT64, and the newer IPv6 documentation prefix.
_ALSO_LOCAL = (
    ipaddress.IPv6Network("fec0::/10"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
    ipaddress.IPv6Network("3fff::/20"),
)


class InvalidHostName(ValueError):
    """The URL's host cannot be looked up: a label over 63 bytes, bad IDNA, an empty label."""


class UnresolvableHost(Exception):
    """The host name has no address we could learn; fail closed."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(f"cannot resolve {host}")


class AddressRefused(Exception):
    """The host resolves to an address feeds may not reach; raised before any connection."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(f"{host} is not a public address")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, 6to4 or NAT64 address really reaches."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """True only for globally reachable unicast addresses (embedded IPv4 judged by itself)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            # A mapped or NAT64 wrapper is "reserved" to Python; the host it reaches decides.
            return _is_global_unicast(inner)
        if any(address in network for network in _ALSO_LOCAL):
            return False
    return _is_global_unicast(address)


def _is_global_unicast(address: IPAddress) -> bool:
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def lookup_host(url: str) -> str:
    """The host of `url` as it will be looked up (ASCII, IDNA-encoded); InvalidHostName if none.

    httpx encodes non-ASCII names; the checks after it catch what only getaddrinfo would
    otherwise trip on (a UnicodeError that escaped every caller)."""
    try:
        parsed = httpx.URL(url)
        parsed.host  # noqa: B018 -- decoding A-labels ("xn--…") validates them
        host = parsed.raw_host.decode("ascii")
    except UnicodeError:  # idna.IDNAError, e.g. an invalid A-label "xn--zz"
        raise InvalidHostName(url) from None
    except httpx.InvalidURL as err:  # a bad port stays httpx's own complaint
        if "IDNA" in str(err):
            raise InvalidHostName(url) from None
        raise
    if not host:
        raise InvalidHostName(url)
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    name = host.removesuffix(".")
    labels = name.split(".")
    if len(name) > MAX_HOST_LENGTH or any(not 0 < len(label) <= 63 for label in labels):
        raise InvalidHostName(url)
    try:
        name.encode("idna")  # what socket.getaddrinfo does to the name first
    except UnicodeError:
        raise InvalidHostName(url) from None
    return host


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to; getaddrinfo runs in a thread, off the event loop."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0])) for info in infos))


async def resolve_checked(
    host: str,
    port: int,
    *,
    allow_private: bool,
    resolver: Resolver = resolve_host,
    timeout: float | None = None,
) -> list[IPAddress]:
    """Resolve once and check every answer: the addresses to connect to, and nothing else.

    Fails closed: a lookup error, a timeout or an empty answer refuses the host; one
    non-public answer refuses them all (a name answering both is a rebinding attempt)."""
    try:
        async with asyncio.timeout(timeout):
            addresses = list(await resolver(host, port))
    except UnicodeError:
        raise InvalidHostName(host) from None
    except (OSError, TimeoutError):
        raise UnresolvableHost(host) from None
    if not addresses:
        raise UnresolvableHost(host)
    if not allow_private and not all(is_public_address(a) for a in addresses):
        raise AddressRefused(host)
    return addresses


def refused_text(host: str) -> str:
    """One text for every refused address: it never says whether a port was open, closed or
    silent, and never shows what a name resolved to (only the name the feed gave)."""
    try:
        ipaddress.ip_address(host)
        where = f"{host}, a local or private address"
    except ValueError:
        where = f"{host} resolves to a local or private address"
    return f"{NOT_PUBLIC} ({where})"


# Every way a host check fails; host_error turns each into the feed's one-sentence error.
# UnicodeError: the IDNA codec, wherever it runs.
HOST_ERRORS = (InvalidHostName, UnresolvableHost, AddressRefused, httpx.InvalidURL, UnicodeError)


def host_error(url: str, err: Exception) -> FetchError:
    """The FetchError (one sentence) for `err`, one of HOST_ERRORS, met fetching `url`."""
    if isinstance(err, AddressRefused):
        return UnsafeFeedError(url, refused_text(err.host))
    if isinstance(err, UnresolvableHost):
        return FetchError(url, f"fetch: cannot resolve the host name {err.host}")
    if isinstance(err, httpx.InvalidURL):  # a bad port, say: httpx's own words
        return FetchError(url, f"fetch: invalid address ({str(err)[:160]})")
    return FetchError(url, INVALID_HOST)


def ensure_valid_host(url: str) -> None:
    """Raise FetchError (one sentence) when `url`'s host could never be looked up."""
    try:
        lookup_host(url)
    except HOST_ERRORS as err:
        raise host_error(url, err) from None


async def ensure_public_url(url: str, *, resolver: Resolver = resolve_host) -> None:
    """Raise FetchError unless `url`'s host is valid and resolves only to public addresses.

    For checks without a fetch (OPML import); fetches are checked at connect time."""
    try:
        host = lookup_host(url)
        parsed = httpx.URL(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        await resolve_checked(host, port, allow_private=False, resolver=resolver)
    except HOST_ERRORS as err:
        raise host_error(url, err) from None
