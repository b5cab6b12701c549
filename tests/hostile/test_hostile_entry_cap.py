"""One document cannot flood the bot: a poll keeps the newest entries and says so on the feed."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from feedserver import FeedServer, rss_document, rss_item

from bot.config import Settings, load_settings
from bot.domain import FeedSpec
from bot.ingest.fetch import FetchLimits, create_client
from bot.ingest.pipeline import poll_feeds
from bot.storage.db import Sessions
from bot.storage.entries import count_entries, list_entries
from bot.storage.feeds import find_feed, sync_feeds
from bot.telegram.admin import feed_line

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LIMITS = FetchLimits(connect_seconds=5, total_seconds=30)
ITEMS = 1200
MAX_ENTRIES = 500  # bot.ingest.parse.MAX_ENTRIES, spelled out as the promise


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with create_client(settings, limits=LIMITS) as http:
        yield http


async def test_a_huge_feed_keeps_the_newest_entries_and_notes_it_on_the_feed(
    sqlite_sessions: Sessions, server: FeedServer, client: httpx.AsyncClient, settings: Settings
) -> None:
    # Item n is published n minutes after the first; the document lists them shuffled, so
    # "the newest" cannot be mistaken for "the first" or "the last" in the document.
    items = [rss_item(n) for n in range(ITEMS)]
    random.Random(8).shuffle(items)
    body = rss_document(title="Firehose", items=items).encode()
    server.raw("/firehose.xml", body, "application/rss+xml")
    spec = FeedSpec(url=server.url("/firehose.xml"), name="Firehose", interval_seconds=600)
    async with sqlite_sessions.begin() as session:
        await sync_feeds(session, [spec], now=NOW)

    report = await poll_feeds(
        sqlite_sessions, client=client, settings=settings, now=NOW, due_only=False, limits=LIMITS
    )

    assert report.results[0].new_entries == MAX_ENTRIES
    async with sqlite_sessions() as session:
        feed = await find_feed(session, spec.url)
        assert feed is not None
        assert await count_entries(session, feed_id=feed.id) == MAX_ENTRIES
        stored = await list_entries(session, feed_id=feed.id, limit=ITEMS)
    newest = {f"Item {n}" for n in range(ITEMS - MAX_ENTRIES, ITEMS)}
    assert {entry.title for entry in stored} == newest
    assert feed.error_count == 0  # a note, not a failure: the feed keeps its schedule
    assert feed.last_error == "parse: 1200 entries, kept the newest 500"
    assert "parse: 1200 entries, kept the newest 500" in feed_line(feed, NOW)

    # Once the feed is back to a normal size, the note goes away.
    server.feed("/firehose.xml", items=5, start=ITEMS)
    later = NOW + timedelta(minutes=10)
    await poll_feeds(
        sqlite_sessions, client=client, settings=settings, now=later, due_only=False, limits=LIMITS
    )
    async with sqlite_sessions() as session:
        feed = await find_feed(session, spec.url)
    assert feed is not None and feed.last_error is None
