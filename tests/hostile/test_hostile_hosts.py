"""Host names that cannot be looked up are one line of error, wherever they come in.

A 64-character label or bad IDNA used to raise UnicodeError out of `fetch` and stop
`claimwatch feeds import-opml` half way. Names resolve in tests/fakenet.py: no DNS is asked.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fakenet import FakeNet
from feedserver import FeedServer
from runner import claimwatch, cli_env

from bot.config import load_settings
from bot.domain import FeedSpec
from bot.errors import ConfigFileError, FetchError
from bot.feeds_file import load_feeds_file
from bot.ingest.fetch import FetchLimits, fetch_feed
from bot.ingest.pipeline import poll_feeds
from bot.storage.db import Sessions
from bot.storage.feeds import list_feeds, sync_feeds

LIMITS = FetchLimits(connect_seconds=2, total_seconds=1.5)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LONG_LABEL = "a" * 64
BAD_HOSTS = [
    f"{LONG_LABEL}.example.org",  # a label over 63 bytes
    "news..example.org",  # an empty label
    "xn--zz.example.org",  # an A-label that is not punycode
    "xn--a.example.org",
    "\u2488news.example.org",  # "⒈": not allowed by IDNA 2008
    "news\u200d.example.org",  # a zero-width joiner where none may be
    ".".join(["abcdefghi"] * 26) + ".org",  # 263 characters in all
]


@pytest.fixture
def net() -> FakeNet:
    return FakeNet()


@pytest.fixture
async def client(net: FakeNet) -> AsyncIterator[httpx.AsyncClient]:
    async with net.client(load_settings(), limits=LIMITS) as http:
        yield http


@pytest.mark.parametrize("host", BAD_HOSTS)
@pytest.mark.parametrize("allow_private", [True, False])
async def test_a_bad_host_name_is_one_fetch_error(
    host: str, allow_private: bool, net: FakeNet, client: httpx.AsyncClient
) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch_feed(
            client, f"https://{host}/feed.xml", limits=LIMITS, allow_private=allow_private
        )
    assert str(caught.value) == "fetch: invalid host name"
    assert net.lookups == [] and net.connects == []


@pytest.mark.parametrize("host", BAD_HOSTS[:3])
async def test_a_redirect_to_a_bad_host_name_is_one_fetch_error(
    host: str, client: httpx.AsyncClient, server: FeedServer
) -> None:
    server.redirect("/feed.xml", f"http://{host}/feed.xml", 302)
    with pytest.raises(FetchError) as caught:
        await fetch_feed(client, server.url("/feed.xml"), limits=LIMITS)
    assert str(caught.value) == "fetch: invalid host name"


async def test_a_bad_host_in_feeds_yaml_fails_alone(
    sqlite_sessions: Sessions, net: FakeNet, server: FeedServer
) -> None:
    """The other feeds are polled; the bad one carries the error on its row."""
    server.feed("/a.xml", items=2)
    server.feed("/b.xml", items=3)
    urls = [server.url("/a.xml"), "http://xn--zz.example.org/rss", server.url("/b.xml")]
    urls.append(f"http://{LONG_LABEL}.example.org/rss")
    async with sqlite_sessions.begin() as session:
        await sync_feeds(session, [FeedSpec(url=u, name=u[-14:]) for u in urls], now=NOW)
    settings = load_settings()
    async with net.client(settings, limits=LIMITS) as http:
        report = await poll_feeds(
            sqlite_sessions, client=http, settings=settings, now=NOW, due_only=False, limits=LIMITS
        )

    assert len(report.new_entries) == 5
    errors = {r.url: r.error for r in report.results}
    assert errors == {
        urls[0]: None,
        urls[1]: "fetch: invalid host name",
        urls[2]: None,
        urls[3]: "fetch: invalid host name",
    }
    async with sqlite_sessions() as session:
        rows = {f.url: f.last_error for f in await list_feeds(session)}
    assert rows[urls[1]] == rows[urls[3]] == "fetch: invalid host name"
    assert net.lookups == []


# --- the CLI, run as a user runs it --------------------------------------------------------


def cli(
    workdir: Path, sqlite_url: str, *args: str, private: bool
) -> subprocess.CompletedProcess[str]:
    return claimwatch(workdir, cli_env(sqlite_url, workdir / "feeds.yaml", private=private), *args)


def opml(*urls: str) -> str:
    outlines = "".join(
        f'<outline text="F{n}" type="rss" xmlUrl="{u}"/>' for n, u in enumerate(urls)
    )
    return f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>'


def test_import_opml_reports_a_bad_host_and_goes_on(tmp_path: Path, sqlite_url: str) -> None:
    """Public literal addresses: the check needs no lookup, so no packet leaves the machine."""
    bad = f"http://{LONG_LABEL}.example.org/rss"
    good = ["http://93.184.216.34/one.xml", "http://93.184.216.34/two.xml"]
    (tmp_path / "feeds.opml").write_text(opml(good[0], bad, good[1]))

    result = cli(tmp_path, sqlite_url, "feeds", "import-opml", "feeds.opml", private=False)

    assert result.returncode == 0, result.stderr
    assert f"  refused {bad}: fetch: invalid host name" in result.stdout.splitlines()
    assert "2 added, 0 already tracked, 1 refused" in result.stdout
    listing = cli(tmp_path, sqlite_url, "feeds", "list", private=False)
    assert "F0" in listing.stdout and "F2" in listing.stdout and "F1" not in listing.stdout


def test_import_opml_refuses_bad_hosts_even_when_private_feeds_are_allowed(
    tmp_path: Path, sqlite_url: str, server: FeedServer
) -> None:
    bad = [f"http://{LONG_LABEL}.example.org/rss", "http://xn--zz.example.org/rss"]
    (tmp_path / "feeds.opml").write_text(
        opml(server.url("/one.xml"), bad[0], bad[1], server.url("/two.xml"))
    )

    result = cli(tmp_path, sqlite_url, "feeds", "import-opml", "feeds.opml", private=True)

    assert result.returncode == 0, result.stderr
    for url in bad:
        assert f"  refused {url}: fetch: invalid host name" in result.stdout.splitlines()
    assert "2 added, 0 already tracked, 2 refused" in result.stdout


def test_feeds_check_of_a_bad_host_is_one_line(tmp_path: Path, sqlite_url: str) -> None:
    url = f"http://{LONG_LABEL}.example.org/rss"
    result = cli(tmp_path, sqlite_url, "feeds", "check", url, private=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"claimwatch: {url} is not usable: fetch: invalid host name"
    ]


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_a_bad_host_in_feeds_yaml_is_refused_at_load_with_its_line(
    tmp_path: Path, host: str
) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        f"feeds:\n  - url: https://example.org/rss\n  - url: http://{host}/rss\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigFileError) as raised:
        load_feeds_file(path)
    assert f"{path}:3:" in str(raised.value)
    assert "invalid host name" in str(raised.value)
