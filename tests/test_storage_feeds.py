"""Feeds and entries storage on SQLite and PostgreSQL: sync, run-time feeds, health, dedup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import FeedHealth, FeedSpec, FeedUpdate, ParsedEntry
from bot.storage.db import Sessions
from bot.storage.entries import count_entries, store_entries
from bot.storage.feeds import (
    REMOVED_FROM_FILE,
    add_feed,
    claim_due_feeds,
    feed_health_counts,
    find_feed,
    host_of,
    list_feeds,
    record_feed_update,
    remove_feed,
    sync_feeds,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
A = FeedSpec(url="https://a.example.org/rss", name="A", themes=("us-china",))
B = FeedSpec(url="https://b.example.org/rss", name="B", interval_seconds=3600)


def parsed(identity: str, title: str = "t") -> ParsedEntry:
    return ParsedEntry(
        identity=identity,
        title=title,
        summary="s",
        link=f"https://a.example.org/{identity}",
        guid=identity,
        published_at=NOW - timedelta(hours=1),
        lang="en",
    )


async def test_sync_adds_updates_and_disables_removed_feeds(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        first = await sync_feeds(session, [A, B], now=NOW)
    assert (first.added, first.updated, first.disabled) == (2, 0, 0)

    renamed = FeedSpec(url=A.url, name="A renamed", themes=("trump-xi",))
    async with sessions.begin() as session:
        second = await sync_feeds(session, [renamed], now=NOW)
    assert (second.added, second.updated, second.disabled) == (0, 1, 1)

    async with sessions() as session:
        feeds = {f.url: f for f in await list_feeds(session)}
        enabled = await list_feeds(session, include_disabled=False)
    assert feeds[A.url].name == "A renamed" and feeds[A.url].themes == ("trump-xi",)
    assert not feeds[B.url].enabled and feeds[B.url].disabled_reason == REMOVED_FROM_FILE
    assert [f.url for f in enabled] == [A.url]

    async with sessions.begin() as session:  # back in the file: enabled again
        third = await sync_feeds(session, [renamed, B], now=NOW)
    assert (third.added, third.updated, third.unchanged) == (0, 1, 1)
    async with sessions() as session:
        b = await find_feed(session, B.url)
    assert b is not None and b.enabled


async def test_sync_leaves_runtime_feeds_alone(sessions: Sessions) -> None:
    runtime = FeedSpec(url="https://c.example.org/feed", name="C")
    async with sessions.begin() as session:
        await sync_feeds(session, [A], now=NOW)
        await add_feed(session, runtime, origin="telegram", now=NOW)
    async with sessions.begin() as session:
        report = await sync_feeds(session, [A], now=NOW)
    assert report.disabled == 0
    async with sessions() as session:
        c = await find_feed(session, runtime.url)
    assert c is not None and c.enabled and c.origin == "telegram"


async def test_sync_disables_a_feed_marked_disabled_in_the_file(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await sync_feeds(session, [A], now=NOW)
        await sync_feeds(session, [FeedSpec(url=A.url, name="A", enabled=False)], now=NOW)
    async with sessions() as session:
        feed = await find_feed(session, A.url)
        health = await feed_health_counts(session)
    assert feed is not None and not feed.enabled
    assert health == FeedHealth(ok=0, failing=0, disabled=1)


async def test_find_and_remove_by_id_or_url_keep_entries(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await sync_feeds(session, [A, B], now=NOW)
        a = await find_feed(session, A.url)
        assert a is not None
        await store_entries(session, a.id, [parsed("1"), parsed("2")], now=NOW, backlog=True)
    async with sessions.begin() as session:
        assert await find_feed(session, f"#{a.id}") == await find_feed(session, str(a.id))
        assert await find_feed(session, "https://nowhere.example.org/") is None
        removed = await remove_feed(session, str(a.id), now=NOW)
        assert await remove_feed(session, "999", now=NOW) is None
    assert removed is not None and not removed.enabled
    async with sessions() as session:
        assert await count_entries(session, feed_id=a.id) == 2


async def test_health_counts_failing_feeds(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await sync_feeds(session, [A, B], now=NOW)
        b = await find_feed(session, B.url)
        assert b is not None
        await record_feed_update(
            session,
            b.id,
            FeedUpdate(
                next_check_at=NOW + timedelta(hours=1),
                last_checked_at=NOW,
                error_count=1,
                last_error="fetch: HTTP 500 Internal Server Error",
                last_status=500,
                last_success_at=None,
                etag=None,
                last_modified=None,
            ),
        )
    async with sessions() as session:
        assert await feed_health_counts(session) == FeedHealth(ok=1, failing=1, disabled=0)
        b = await find_feed(session, B.url)
    assert b is not None and b.last_error == "fetch: HTTP 500 Internal Server Error"


async def test_claiming_due_feeds_leases_them_whatever_their_host(sessions: Sessions) -> None:
    specs = [FeedSpec(url=f"https://same.example.org/{n}") for n in range(3)]
    async with sessions.begin() as session:
        await sync_feeds(session, [*specs, A], now=NOW)
    async with sessions.begin() as session:
        first = await claim_due_feeds(session, now=NOW, limit=10, lease=timedelta(minutes=1))
    # No quota per host: the poller bounds requests in flight per host instead.
    assert sorted(f.url for f in first) == sorted([*(s.url for s in specs), A.url])
    async with sessions.begin() as session:
        second = await claim_due_feeds(session, now=NOW, limit=10, lease=timedelta(minutes=1))
    assert second == []
    async with sessions.begin() as session:  # after the lease lapses, they are due again
        third = await claim_due_feeds(
            session, now=NOW + timedelta(seconds=61), limit=2, lease=timedelta(1)
        )
    assert len(third) == 2


async def test_store_entries_returns_only_new_ones(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await sync_feeds(session, [A, B], now=NOW)
        a, b = await find_feed(session, A.url), await find_feed(session, B.url)
    assert a is not None and b is not None
    async with sessions.begin() as session:
        first = await store_entries(
            session, a.id, [parsed("1"), parsed("2"), parsed("1", "dup")], now=NOW, backlog=True
        )
    assert [(e.identity, e.title, e.is_backlog) for e in first] == [
        ("1", "t", True),
        ("2", "t", True),
    ]
    async with sessions.begin() as session:
        again = await store_entries(
            session, a.id, [parsed("2"), parsed("3")], now=NOW, backlog=False
        )
        # The same identity in another feed is another entry.
        other = await store_entries(session, b.id, [parsed("1")], now=NOW, backlog=False)
    assert [e.identity for e in again] == ["3"]
    assert [e.identity for e in other] == ["1"]
    assert again[0].story_id is None and again[0].first_seen_at == NOW
    async with sessions() as session:
        assert await count_entries(session) == 4


async def test_store_entries_handles_large_batches(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await sync_feeds(session, [A], now=NOW)
        a = await find_feed(session, A.url)
        assert a is not None
        new = await store_entries(
            session, a.id, [parsed(str(n)) for n in range(1200)], now=NOW, backlog=True
        )
    assert len(new) == 1200 and new[0].identity == "0" and new[-1].identity == "1199"


@pytest.mark.parametrize("key", ["²", "99999999999999999999", "9" * 5000, "#0", "-1", "2147483648"])
async def test_a_feed_number_no_feed_can_have_finds_nothing(sessions: Sessions, key: str) -> None:
    """`feeds remove` and /removefeed look feeds up by number: a number past the database's
    integer range, or a digit that is not ASCII, is no feed, never an error."""
    async with sessions.begin() as session:
        await sync_feeds(session, [A], now=NOW)
    async with sessions() as session:
        assert await find_feed(session, key) is None
        found = await find_feed(session, "#1")
    assert found is not None and found.url == A.url


def test_the_host_of_an_unparsable_url_is_the_url_itself() -> None:
    """Grouping feeds by host must not raise on a URL only the fetch can reject."""
    assert host_of("http://[::1/RSS") == "http://[::1/rss"
    assert host_of("https://News.Example.org/rss") == "news.example.org"
