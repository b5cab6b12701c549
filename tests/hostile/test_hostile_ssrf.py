"""Server-side request forgery: a feed URL reaches only the public addresses it was checked for.

No test here sends a packet off this machine: names resolve in tests/fakenet.py, "public"
addresses are routed to local servers, and any other connection raises before a packet.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpcore
import httpx
import pytest
from fakenet import FakeNet, Loopback
from feedserver import FeedServer
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Settings, load_settings
from bot.domain import FeedSpec
from bot.errors import FetchError, UnsafeFeedError
from bot.ingest.fetch import FetchLimits, fetch_feed
from bot.ingest.network import CheckedBackend
from bot.ingest.pipeline import poll_feeds
from bot.ingest.safety import NOT_PUBLIC, AddressRefused, is_public_address
from bot.storage.db import Sessions
from bot.storage.feeds import list_feeds, sync_feeds

LIMITS = FetchLimits(connect_seconds=2, total_seconds=1.5)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PUBLIC = "93.184.216.34"  # a global address; every connection to it is routed to 127.0.0.1
STRICT = load_settings(CLAIMWATCH_ALLOW_PRIVATE_FEEDS=False)
OPEN = load_settings(CLAIMWATCH_ALLOW_PRIVATE_FEEDS=True)


@pytest.fixture
def net() -> FakeNet:
    return FakeNet().route(PUBLIC)


@pytest.fixture
async def client(net: FakeNet) -> AsyncIterator[httpx.AsyncClient]:
    async with net.client(STRICT, limits=LIMITS) as http:
        yield http


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel does) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the socket is closed


# --- the address actually connected to -----------------------------------------------------


async def test_dns_rebinding_cannot_reach_the_internal_server(
    net: FakeNet, client: httpx.AsyncClient, server: FeedServer
) -> None:
    """A name answering public to one lookup and loopback to the next is resolved once, and
    the connection goes to the address that was checked."""
    with FeedServer() as public:
        public.feed("/f.xml", items=1, title="Public")
        server.feed("/f.xml", items=1, title="Internal")  # what the attacker wants read
        net.route(PUBLIC, port=public.port)
        net.name("rebind.test", PUBLIC, "127.0.0.1")

        result = await fetch_feed(
            client, f"http://rebind.test:{server.port}/f.xml", limits=LIMITS, allow_private=False
        )

        assert result.body is not None and b"Public" in result.body
        assert server.requests == []
        assert net.lookups == ["rebind.test"]
        assert net.connects == [(PUBLIC, server.port)]


async def test_a_name_answering_private_first_is_refused(
    net: FakeNet, client: httpx.AsyncClient, server: FeedServer
) -> None:
    server.feed("/f.xml")
    net.name("rebind.test", "127.0.0.1", PUBLIC)
    with pytest.raises(UnsafeFeedError):
        await fetch_feed(
            client, f"http://rebind.test:{server.port}/f.xml", limits=LIMITS, allow_private=False
        )
    assert server.requests == [] and net.connects == []


async def test_one_private_answer_among_public_ones_refuses_the_name(
    net: FakeNet, client: httpx.AsyncClient
) -> None:
    net.name("mixed.test", [PUBLIC, "10.0.0.7"])
    with pytest.raises(UnsafeFeedError):
        await fetch_feed(client, "http://mixed.test/f.xml", limits=LIMITS, allow_private=False)
    assert net.connects == []


REFUSED = [
    "100.100.100.200",  # cloud metadata, in the shared 100.64.0.0/10
    "100.64.0.1",
    "192.0.0.1",
    "169.254.169.254",
    "127.0.0.1",
    "127.8.8.8",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "198.18.0.1",
    "0.0.0.0",
    "240.0.0.1",
    "255.255.255.255",
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fec0::1",  # site-local
    "ff02::1",  # multicast
    "ff0e::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 around 169.254.169.254
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    "2001:db8::1",
]


@pytest.mark.parametrize("address", REFUSED)
async def test_every_non_public_range_is_refused(
    address: str, net: FakeNet, client: httpx.AsyncClient
) -> None:
    net.name("inside.test", address)
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(UnsafeFeedError) as by_name:
        await fetch_feed(client, "http://inside.test/x", limits=LIMITS, allow_private=False)
    # The text names the host the feed gave, never what it resolved to.
    assert (
        str(by_name.value) == f"{NOT_PUBLIC} (inside.test resolves to a local or private address)"
    )
    with pytest.raises(UnsafeFeedError, match="not public; refused"):
        await fetch_feed(client, f"http://{literal}/x", limits=LIMITS, allow_private=False)
    assert net.connects == []


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "2002:808:808::1"])
async def test_public_addresses_are_connected_to(
    address: str, net: FakeNet, client: httpx.AsyncClient
) -> None:
    net.name("outside.test", address)
    with pytest.raises(FetchError, match="cannot connect"):  # fakenet refuses the packet
        await fetch_feed(client, "http://outside.test/f.xml", limits=LIMITS, allow_private=False)
    assert net.connects == [(address, 80)]


@pytest.mark.parametrize(
    "failure", [socket.gaierror(socket.EAI_NONAME, "Name not known"), TimeoutError(), None]
)
async def test_a_failed_lookup_is_refused(
    failure: BaseException | None, net: FakeNet, client: httpx.AsyncClient
) -> None:
    if failure is None:
        net.name("nowhere.test")  # an empty answer
    else:
        net.fail("nowhere.test", failure)
    with pytest.raises(FetchError) as caught:
        await fetch_feed(client, "http://nowhere.test/f.xml", limits=LIMITS, allow_private=False)
    assert str(caught.value) == "fetch: cannot resolve the host name nowhere.test"
    assert net.connects == []


# --- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [301, 302, 307, 308])
async def test_a_redirect_hop_to_a_private_address_is_refused(
    code: int, net: FakeNet, client: httpx.AsyncClient, server: FeedServer
) -> None:
    net.route(PUBLIC, port=server.port).name("news.test", PUBLIC)
    net.name("metadata.test", "169.254.169.254")
    server.feed("/secret.xml", title="Internal")
    server.redirect("/feed.xml", server.url("/secret.xml"), code)
    server.redirect("/meta.xml", "http://metadata.test/latest/meta-data", code)

    for path in ("/feed.xml", "/meta.xml"):
        with pytest.raises(UnsafeFeedError, match="not public; refused"):
            await fetch_feed(client, f"http://news.test{path}", limits=LIMITS, allow_private=False)
    assert [r.path for r in server.requests] == ["/feed.xml", "/meta.xml"]
    assert {address for address, _port in net.connects} == {PUBLIC}


async def _config_feed_moving_to_a_private_host(
    sessions: Sessions, net: FakeNet, server: FeedServer, settings: Settings
) -> tuple[str, str | None]:
    """A feeds.yaml feed on 127.0.0.1 answers 301 to another host that is private."""
    net.name("intranet.test", "127.0.0.1")
    server.feed("/new.xml", items=2)
    server.redirect("/moved.xml", f"http://intranet.test:{server.port}/new.xml", 301)
    async with sessions.begin() as session:
        await sync_feeds(session, [FeedSpec(url=server.url("/moved.xml"), name="m")], now=NOW)
    async with net.client(settings, limits=LIMITS) as http:
        report = await poll_feeds(
            sessions, client=http, settings=settings, now=NOW, due_only=False, limits=LIMITS
        )
    async with sessions() as session:
        [feed] = await list_feeds(session)
    return feed.url, report.results[0].error


async def test_a_permanent_redirect_from_feeds_yaml_to_a_private_host_is_refused(
    sqlite_sessions: Sessions, net: FakeNet, server: FeedServer
) -> None:
    url, error = await _config_feed_moving_to_a_private_host(sqlite_sessions, net, server, STRICT)
    assert error is not None and error.startswith(NOT_PUBLIC)
    assert url == server.url("/moved.xml")  # the stored address did not move inside
    assert server.hits("/new.xml") == []


async def test_a_permanent_redirect_to_a_private_host_is_followed_when_allowed(
    sqlite_sessions: Sessions, net: FakeNet, server: FeedServer
) -> None:
    url, error = await _config_feed_moving_to_a_private_host(sqlite_sessions, net, server, OPEN)
    assert error is None
    assert url == f"http://intranet.test:{server.port}/new.xml"
    assert server.hits("/new.xml")[0].headers["host"] == f"intranet.test:{server.port}"


# --- what the server sees: Host and TLS server name ----------------------------------------


async def test_host_header_is_the_name_while_the_socket_goes_to_the_checked_address(
    net: FakeNet, client: httpx.AsyncClient, server: FeedServer
) -> None:
    server.feed("/f.xml")
    net.route(PUBLIC, port=server.port).name("news.test", PUBLIC)
    await fetch_feed(client, "http://news.test/f.xml", limits=LIMITS, allow_private=False)
    assert server.hits("/f.xml")[0].headers["host"] == "news.test"
    assert net.connects == [(PUBLIC, 80)]


async def test_tls_is_started_with_the_host_name_not_the_address(
    net: FakeNet, client: httpx.AsyncClient, server: FeedServer
) -> None:
    net.route(PUBLIC, port=server.port).name("news.test", PUBLIC)
    net.name("xn--nachrichtn-y5a.test", PUBLIC)
    with pytest.raises(FetchError):  # the local server speaks no TLS; fakenet stops there
        await fetch_feed(client, "https://news.test/f.xml", limits=LIMITS, allow_private=False)
    with pytest.raises(FetchError):
        await fetch_feed(client, "https://nachrichtän.test/f.xml", limits=LIMITS)
    assert net.tls == ["news.test", "xn--nachrichtn-y5a.test"]
    assert net.connects == [(PUBLIC, 443), (PUBLIC, 443)]


# --- no port scanner -----------------------------------------------------------------------


async def test_refused_addresses_read_the_same_open_closed_or_silent(
    net: FakeNet, client: httpx.AsyncClient, server: FeedServer, silent_port: int
) -> None:
    """A run-time feed aimed at an internal host learns nothing about its ports."""
    server.feed("/f.xml")
    net.route("100.64.0.7").name("scan.test", "100.64.0.7")  # shared space, reachable here
    texts = set()
    for port in (server.port, closed_port(), silent_port):
        with pytest.raises(FetchError) as caught:
            await fetch_feed(
                client, f"http://scan.test:{port}/f.xml", limits=LIMITS, allow_private=False
            )
        texts.add(str(caught.value))
    assert texts == {f"{NOT_PUBLIC} (scan.test resolves to a local or private address)"}
    assert server.requests == [] and net.connects == []


async def test_a_refused_connection_says_so_in_words(net: FakeNet) -> None:
    """An allowed address fails in words, never with the address a name resolved to."""
    net.name("intranet.test", "127.0.0.1")
    async with net.client(OPEN, limits=LIMITS) as http:
        with pytest.raises(FetchError) as caught:
            await fetch_feed(http, f"http://intranet.test:{closed_port()}/f.xml", limits=LIMITS)
    assert str(caught.value) == "fetch: cannot connect (connection refused)"


# --- the address check itself --------------------------------------------------------------

SHARED = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def unwrap(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> object:
    """The IPv4 host an IPv6 address embeds (mapped, 6to4, NAT64), else the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return address.ipv4_mapped
        if address.sixtofour:
            return address.sixtofour
        if address in NAT64:
            return ipaddress.IPv4Address(address.packed[-4:])
    return address


def never_local(target: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not (
        target.is_loopback
        or target.is_private
        or target.is_link_local
        or target.is_reserved
        or target.is_multicast
        or target.is_unspecified
        or (isinstance(target, ipaddress.IPv4Address) and target in SHARED)
        or (isinstance(target, ipaddress.IPv6Address) and target.is_site_local)
    )


def embedding(
    v4: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> st.SearchStrategy[ipaddress.IPv6Address]:
    word = int(v4)  # an IPv4 address: st.ip_addresses(v=4) draws it
    return st.sampled_from(
        [
            ipaddress.IPv6Address((0xFFFF << 32) | word),  # ::ffff:a.b.c.d
            ipaddress.IPv6Address((0x2002 << 112) | (word << 80)),  # 2002:AABB:CCDD::
            ipaddress.IPv6Address(int(NAT64.network_address) | word),  # 64:ff9b::a.b.c.d
        ]
    )


ADDRESSES = st.one_of(
    st.ip_addresses(v=4),
    st.ip_addresses(v=6),
    st.ip_addresses(v=4).flatmap(embedding),
    st.sampled_from([ipaddress.ip_address(a) for a in REFUSED]),
)


# Global unicast to Python 3.11, yet not reachable on the internet (later Pythons agree).
NOT_GLOBAL_AFTER_ALL = [ipaddress.ip_network(n) for n in ("64:ff9b:1::/48", "3fff::/20")]


def oracle(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Public by `ipaddress`: the host reached is global, unicast, and in no local range."""
    target = unwrap(address)
    assert isinstance(target, ipaddress.IPv4Address | ipaddress.IPv6Address)
    if any(target.version == n.version and target in n for n in NOT_GLOBAL_AFTER_ALL):
        return False
    return target.is_global and never_local(target)


@settings(max_examples=400, deadline=None)
@given(ADDRESSES)
def test_the_address_check_agrees_with_is_global(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    assert is_public_address(address) == oracle(address)


@settings(max_examples=100, deadline=None)
@given(st.lists(ADDRESSES, min_size=1, max_size=4))
async def test_a_name_is_refused_if_any_answer_is_not_public(
    answers: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
) -> None:
    """Straight at the network backend every fetch connects through (no client needed)."""
    net = FakeNet().name("any.test", [str(a) for a in answers])
    backend = CheckedBackend(allow_private=False, resolver=net.resolve, network=Loopback(net))
    if all(oracle(a) for a in answers):  # connects to an answer, and fakenet stops it there
        with pytest.raises(httpcore.ConnectError, match="fakenet"):
            await backend.connect_tcp("any.test", 80)
        assert net.connects and all(ipaddress.ip_address(h) in answers for h, _ in net.connects)
    else:
        with pytest.raises(AddressRefused):
            await backend.connect_tcp("any.test", 80)
        assert net.connects == []
