"""Polling against a real local feed server: each misbehaviour ends up on the feed's row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from feedserver import FeedServer, rss_item
from sqlalchemy import text

from bot.config import Settings, load_settings
from bot.domain import Feed, FeedSpec, PollReport
from bot.errors import FeedError, UnsafeFeedError
from bot.ingest.fetch import FetchLimits, create_client
from bot.ingest.outcome import GONE
from bot.ingest.pipeline import add_feed_checked, poll_feeds
from bot.storage.db import Sessions
from bot.storage.entries import count_entries, list_entries
from bot.storage.feeds import find_feed, list_feeds, sync_feeds

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LIMITS = FetchLimits(connect_seconds=2, total_seconds=1.5)


@pytest.fixture
def settings() -> Settings:
    return load_settings(CLAIMWATCH_POLL_CONCURRENCY=20, CLAIMWATCH_PER_HOST_LIMIT=20)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with create_client(settings, limits=LIMITS) as http:
        yield http


async def add_config_feeds(sessions: Sessions, server: FeedServer, *paths: str) -> None:
    specs = [FeedSpec(url=server.url(p), name=p.strip("/"), interval_seconds=600) for p in paths]
    async with sessions.begin() as session:
        await sync_feeds(session, specs, now=NOW)


async def poll(
    sessions: Sessions, client: httpx.AsyncClient, settings: Settings, *, now: datetime = NOW
) -> PollReport:
    return await poll_feeds(
        sessions, client=client, settings=settings, now=now, due_only=False, limits=LIMITS
    )


async def feed_at(sessions: Sessions, server: FeedServer, path: str) -> Feed:
    async with sessions() as session:
        feed = await find_feed(session, server.url(path))
    assert feed is not None
    return feed


async def test_first_poll_stores_backlog_and_later_polls_only_new_items(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.feed("/news.xml", items=3)
    await add_config_feeds(sqlite_sessions, server, "/news.xml")

    first = await poll(sqlite_sessions, client, settings)
    assert [e.title for e in first.new_entries] == ["Item 0", "Item 1", "Item 2"]
    assert all(e.is_backlog for e in first.new_entries)
    assert first.results[0].status == 200 and first.results[0].new_entries == 3

    server.feed("/news.xml", items=5)  # two more items appear
    second = await poll(sqlite_sessions, client, settings, now=NOW + timedelta(minutes=10))
    assert [e.title for e in second.new_entries] == ["Item 3", "Item 4"]
    assert not any(e.is_backlog for e in second.new_entries)
    feed = await feed_at(sqlite_sessions, server, "/news.xml")
    assert feed.first_poll_done and feed.error_count == 0
    assert feed.last_success_at == NOW + timedelta(minutes=10)
    assert feed.next_check_at == NOW + timedelta(minutes=20)


async def test_unchanged_feed_is_not_downloaded_again(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.feed("/same.xml", items=4)
    await add_config_feeds(sqlite_sessions, server, "/same.xml")
    await poll(sqlite_sessions, client, settings)

    again = await poll(sqlite_sessions, client, settings, now=NOW + timedelta(minutes=10))

    second_request = server.hits("/same.xml")[1]
    assert second_request.headers.get("if-none-match", "").startswith('"')
    assert "if-modified-since" in second_request.headers
    assert again.results[0].status == 304
    assert again.new_entries == ()
    async with sqlite_sessions() as session:
        assert await count_entries(session) == 4


async def test_each_misbehaving_feed_is_recorded_and_others_still_poll(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.feed("/good.xml", items=2)
    server.status("/error.xml", 500)
    server.status("/missing.xml", 404)
    server.status("/limited.xml", 429, {"Retry-After": "7200"})
    server.status("/busy.xml", 503, {"Retry-After": "1800"})
    server.endless("/endless.xml")
    server.gzip_bomb("/bomb.xml")
    server.slow("/slow.xml", delay=3)
    server.raw("/broken.xml", b"<<<this is not xml at all")
    server.raw("/page.html", b"<!DOCTYPE html><html><body>Hello</body></html>", "text/html")
    paths = [
        "/good.xml",
        "/error.xml",
        "/missing.xml",
        "/limited.xml",
        "/busy.xml",
        "/endless.xml",
        "/bomb.xml",
        "/slow.xml",
        "/broken.xml",
        "/page.html",
    ]
    await add_config_feeds(sqlite_sessions, server, *paths)

    report = await poll(sqlite_sessions, client, settings)

    assert {r.url for r in report.results} == {server.url(p) for p in paths}
    assert len(report.new_entries) == 2
    feeds = {f.url.rsplit("/", 1)[1]: f for f in await _all(sqlite_sessions)}
    good = feeds["good.xml"]
    assert good.error_count == 0 and good.last_status == 200 and good.last_success_at == NOW
    expected = {
        "error.xml": (500, "HTTP 500"),
        "missing.xml": (404, "HTTP 404"),
        "limited.xml": (429, "HTTP 429"),
        "busy.xml": (503, "HTTP 503"),
        "endless.xml": (None, "within 1.5s"),
        "bomb.xml": (None, "larger than 10 MiB"),
        "slow.xml": (None, "within 1.5s"),
        "broken.xml": (None, "parse:"),
        "page.html": (None, "HTML page"),
    }
    for name, (status, words) in expected.items():
        feed = feeds[name]
        assert feed.error_count == 1, name
        assert feed.last_status == status, name
        assert feed.last_error is not None and words in feed.last_error, (name, feed.last_error)
        assert feed.last_success_at is None and feed.enabled, name
    # Retry-After pushes the next check beyond the normal interval; others back off by interval.
    assert feeds["limited.xml"].next_check_at == NOW + timedelta(hours=2)
    assert feeds["busy.xml"].next_check_at == NOW + timedelta(minutes=30)
    assert feeds["error.xml"].next_check_at == NOW + timedelta(minutes=10)


async def _all(sessions: Sessions) -> list[Feed]:
    async with sessions() as session:
        return await list_feeds(session)


async def test_consecutive_failures_back_off_exponentially_up_to_a_day(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.status("/down.xml", 500)
    await add_config_feeds(sqlite_sessions, server, "/down.xml")
    delays = []
    now = NOW
    for _ in range(10):
        await poll(sqlite_sessions, client, settings, now=now)
        feed = await feed_at(sqlite_sessions, server, "/down.xml")
        delays.append(feed.next_check_at - now)
        now = feed.next_check_at
    minutes = [int(d.total_seconds() // 60) for d in delays]
    assert minutes == [10, 20, 40, 80, 160, 320, 640, 1280, 1440, 1440]
    assert feed.error_count == 10

    server.feed("/down.xml", items=1)  # it recovers: errors clear, normal interval again
    await poll(sqlite_sessions, client, settings, now=now)
    feed = await feed_at(sqlite_sessions, server, "/down.xml")
    assert feed.error_count == 0 and feed.last_error is None
    assert feed.next_check_at == now + timedelta(minutes=10)


async def test_gone_feed_is_disabled_and_its_entries_kept(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.feed("/old.xml", items=2)
    await add_config_feeds(sqlite_sessions, server, "/old.xml")
    await poll(sqlite_sessions, client, settings)
    server.status("/old.xml", 410)

    await poll(sqlite_sessions, client, settings, now=NOW + timedelta(minutes=10))

    feed = await feed_at(sqlite_sessions, server, "/old.xml")
    assert not feed.enabled and feed.disabled_reason == GONE
    async with sqlite_sessions() as session:
        assert await count_entries(session, feed_id=feed.id) == 2
    third = await poll(sqlite_sessions, client, settings, now=NOW + timedelta(days=2))
    assert third.results == ()


@pytest.mark.parametrize("code", [301, 308])
async def test_permanent_redirect_updates_the_stored_url(
    code: int,
    sqlite_sessions: Sessions,
    server: FeedServer,
    client: httpx.AsyncClient,
    settings: Settings,
) -> None:
    server.feed("/new.xml", items=2)
    server.redirect("/moved.xml", "/new.xml", code)
    await add_config_feeds(sqlite_sessions, server, "/moved.xml")

    report = await poll(sqlite_sessions, client, settings)

    assert report.results[0].new_entries == 2
    feeds = await _all(sqlite_sessions)
    assert [f.url for f in feeds] == [server.url("/new.xml")]
    # feeds.yaml still names the old url: the sync recognises the feed and keeps it.
    async with sqlite_sessions.begin() as session:
        sync = await sync_feeds(
            session, [FeedSpec(url=server.url("/moved.xml"), name="moved.xml")], now=NOW
        )
    assert (sync.added, sync.disabled) == (0, 0)
    assert [f.url for f in await _all(sqlite_sessions)] == [server.url("/new.xml")]


async def test_temporary_redirect_keeps_the_url(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.feed("/today.xml", items=1)
    server.redirect("/feed.xml", "/today.xml", 302)
    await add_config_feeds(sqlite_sessions, server, "/feed.xml")
    await poll(sqlite_sessions, client, settings)
    assert [f.url for f in await _all(sqlite_sessions)] == [server.url("/feed.xml")]


async def test_redirect_loop_is_an_error(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.redirect("/a.xml", "/b.xml", 302)
    server.redirect("/b.xml", "/a.xml", 302)
    await add_config_feeds(sqlite_sessions, server, "/a.xml")
    report = await poll(sqlite_sessions, client, settings)
    assert report.results[0].error == "fetch: more than 5 redirects"
    assert len(server.requests) == 6


async def test_wrong_charset_is_survived(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    # Declared UTF-8 in the header, but the bytes are windows-1251.
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Новости</title>'
        "<item><guid>1</guid><title>Путин и Си</title>"
        "<description>Встреча лидеров двух стран состоялась в Пекине</description></item>"
        "</channel></rss>"
    ).encode("cp1251")
    server.raw("/ru.xml", body, "application/rss+xml; charset=utf-8")
    await add_config_feeds(sqlite_sessions, server, "/ru.xml")

    report = await poll(sqlite_sessions, client, settings)

    assert report.results[0].error is None
    [entry] = report.new_entries
    assert entry.title == "Путин и Си"  # the bytes win over the wrong header
    assert entry.summary.startswith("Встреча лидеров")


async def test_gzip_feed_and_publisher_ttl(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.feed("/zipped.xml", items=3, gzip_body=True, ttl=30)
    server.feed("/cached.xml", items=1, max_age=7200)
    await add_config_feeds(sqlite_sessions, server, "/zipped.xml", "/cached.xml")

    report = await poll(sqlite_sessions, client, settings)

    assert len(report.new_entries) == 4
    feeds = {f.url.rsplit("/", 1)[1]: f for f in await _all(sqlite_sessions)}
    assert feeds["zipped.xml"].next_check_at == NOW + timedelta(minutes=30)
    # max-age of 2 h is capped at 4× the 10 min interval.
    assert feeds["cached.xml"].next_check_at == NOW + timedelta(minutes=40)


async def test_due_poll_takes_every_due_feed_of_a_host_once(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient
) -> None:
    """Requests to one host are limited in flight, not per poll: all four are taken now."""
    for n in range(4):
        server.feed(f"/due{n}.xml", items=1)
    await add_config_feeds(sqlite_sessions, server, *(f"/due{n}.xml" for n in range(4)))
    capped = load_settings(CLAIMWATCH_PER_HOST_LIMIT=3)

    report = await poll_feeds(sqlite_sessions, client=client, settings=capped, now=NOW)
    assert sorted(r.url for r in report.results) == [server.url(f"/due{n}.xml") for n in range(4)]
    nothing = await poll_feeds(
        sqlite_sessions, client=client, settings=capped, now=NOW + timedelta(seconds=1)
    )
    assert nothing.results == ()  # not due again before their interval


async def test_entries_are_normalized_on_the_way_in(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    future = (
        "<item><guid>f</guid><title>From the future</title>"
        "<pubDate>Mon, 01 Jan 2035 00:00:00 GMT</pubDate></item>"
    )
    server.feed("/norm.xml", items=1, lang="en-GB", extra_items=[rss_item(0), future])
    await add_config_feeds(sqlite_sessions, server, "/norm.xml")

    await poll(sqlite_sessions, client, settings)

    feed = await feed_at(sqlite_sessions, server, "/norm.xml")
    async with sqlite_sessions() as session:
        entries = {e.title: e for e in await list_entries(session, feed_id=feed.id)}
    assert set(entries) == {"Item 0", "From the future"}  # the duplicate guid is stored once
    item = entries["Item 0"]
    assert item.summary == "Summary of Item 0 & more."
    assert item.link == "https://news.example.org/item/0"
    assert item.lang == "en-gb"
    assert item.published_at == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert entries["From the future"].published_at == NOW


async def test_runtime_feed_on_a_private_address_is_refused(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.feed("/local.xml", items=2)
    strict = load_settings(CLAIMWATCH_ALLOW_PRIVATE_FEEDS=False)
    with pytest.raises(UnsafeFeedError, match=r"127\.0\.0\.1, a local or private address"):
        await add_feed_checked(
            sqlite_sessions,
            client=client,
            settings=strict,
            spec=FeedSpec(url=server.url("/local.xml")),
            origin="cli",
            now=NOW,
        )
    assert server.requests == []  # refused before any request
    assert await _all(sqlite_sessions) == []


async def test_runtime_feed_is_checked_then_added(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.feed("/fresh.xml", items=3, title="Fresh News")
    server.raw("/page.html", b"<html><body>not a feed</body></html>", "text/html")
    open_settings = load_settings(CLAIMWATCH_ALLOW_PRIVATE_FEEDS=True)

    feed = await add_feed_checked(
        sqlite_sessions,
        client=client,
        settings=open_settings,
        spec=FeedSpec(url=server.url("/fresh.xml"), themes=("us-china",)),
        origin="telegram",
        now=NOW,
    )
    assert (feed.name, feed.origin, feed.themes) == ("Fresh News", "telegram", ("us-china",))
    with pytest.raises(FeedError, match="already tracked as feed #"):
        await add_feed_checked(
            sqlite_sessions,
            client=client,
            settings=open_settings,
            spec=FeedSpec(url=server.url("/fresh.xml")),
            origin="cli",
            now=NOW,
        )
    with pytest.raises(FeedError, match="HTML page, not a feed"):
        await add_feed_checked(
            sqlite_sessions,
            client=client,
            settings=open_settings,
            spec=FeedSpec(url=server.url("/page.html")),
            origin="cli",
            now=NOW,
        )
    assert [f.url for f in await _all(sqlite_sessions)] == [server.url("/fresh.xml")]

    # Run-time feeds are polled like any other; their first poll is backlog.
    report = await poll_feeds(sqlite_sessions, client=client, settings=open_settings, now=NOW)
    assert len(report.new_entries) == 3 and all(e.is_backlog for e in report.new_entries)


async def test_polling_works_on_both_databases(
    sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.feed("/both.xml", items=3)
    server.status("/bad.xml", 500)
    await add_config_feeds(sessions, server, "/both.xml", "/bad.xml")
    first = await poll_feeds(sessions, client=client, settings=settings, now=NOW)
    assert len(first.new_entries) == 3
    server.feed("/both.xml", items=4)
    second = await poll(sessions, client, settings, now=NOW + timedelta(minutes=10))
    assert [e.title for e in second.new_entries] == ["Item 3"]
    feeds = {f.url.rsplit("/", 1)[1]: f for f in await _all(sessions)}
    assert feeds["bad.xml"].error_count == 2


async def test_polling_chosen_feeds_only(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.feed("/one.xml", items=1)
    server.feed("/two.xml", items=1, atom=True)
    await add_config_feeds(sqlite_sessions, server, "/one.xml", "/two.xml")
    two = await feed_at(sqlite_sessions, server, "/two.xml")

    report = await poll_feeds(
        sqlite_sessions, client=client, settings=settings, now=NOW, feed_ids=[two.id]
    )

    assert [r.url for r in report.results] == [server.url("/two.xml")]
    # Atom's relative links are resolved against the feed's own address.
    assert [e.link for e in report.new_entries] == [f"http://127.0.0.1:{server.port}/entries/0"]
    assert server.hits("/one.xml") == []


async def test_a_stored_address_with_a_bad_port_fails_alone(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.feed("/good.xml", items=1)
    bad = "http://127.0.0.1:8o8o/feed.xml"
    async with sqlite_sessions.begin() as session:  # as a row stored before the file check
        await sync_feeds(
            session,
            [
                FeedSpec(url=server.url("/good.xml"), name="good", interval_seconds=600),
                FeedSpec(url=bad, name="typo", interval_seconds=600),
            ],
            now=NOW,
        )

    report = await poll(sqlite_sessions, client, settings)

    assert len(report.new_entries) == 1
    feed = await find_feed_by_url(sqlite_sessions, bad)
    assert feed.error_count == 1
    assert feed.last_error == "fetch: invalid address (Invalid port: '8o8o')"


async def find_feed_by_url(sessions: Sessions, url: str) -> Feed:
    async with sessions() as session:
        feed = await find_feed(session, url)
    assert feed is not None
    return feed


async def test_a_database_refusing_the_entries_is_recorded_on_the_feed_and_others_go_on(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    server.feed("/refused.xml", items=2)
    server.feed("/fine.xml", items=2)
    await add_config_feeds(sqlite_sessions, server, "/refused.xml", "/fine.xml")
    fine = await feed_at(sqlite_sessions, server, "/fine.xml")
    async with sqlite_sessions.begin() as session:
        # A real write failure for one feed's items, as a full disk or a constraint would give.
        await session.execute(
            text(
                "CREATE TRIGGER refuse BEFORE INSERT ON entries "
                f"WHEN NEW.feed_id != {fine.id} BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        )

    report = await poll(sqlite_sessions, client, settings)

    refused = await feed_at(sqlite_sessions, server, "/refused.xml")
    assert refused.error_count == 1
    assert refused.last_error == "store: IntegrityError"
    # Nothing was stored, so its next successful poll is still the backlog one.
    assert not refused.first_poll_done
    assert [e.title for e in report.new_entries] == ["Item 0", "Item 1"]
    async with sqlite_sessions() as session:
        assert await count_entries(session, feed_id=fine.id) == 2


@pytest.mark.parametrize(
    "case",
    [
        ("²", 0),  # a digit to str.isdigit, not to int(): ignored, the usual backoff
        ("9" * 5000, 24),  # past int()'s 4,300-digit limit: a day, the longest delay
        ("-5", 0),
        ("Thu, 99 Foo 2026 99:99:99 GMT", 0),
        ("3600", 1),
    ],
)
async def test_a_hostile_retry_after_is_bounded_and_stops_nothing(
    sqlite_sessions: Sessions,
    server: FeedServer,
    client: httpx.AsyncClient,
    settings: Settings,
    case: tuple[str, int],
) -> None:
    header, hours = case
    server.feed("/good.xml", items=2)
    server.status("/limited.xml", 429, {"Retry-After": header})
    await add_config_feeds(sqlite_sessions, server, "/good.xml", "/limited.xml")

    report = await poll(sqlite_sessions, client, settings)

    assert len(report.new_entries) == 2
    feeds = {f.url.rsplit("/", 1)[1]: f for f in await _all(sqlite_sessions)}
    limited = feeds["limited.xml"]
    assert limited.last_status == 429 and limited.error_count == 1
    # Never sooner than the usual backoff (the 10 min interval), never later than a day.
    expected = max(timedelta(minutes=10), timedelta(hours=hours))
    assert limited.next_check_at == NOW + expected
