"""A feed that answers slowly must not hold up the alerts of the feeds that answered.

The poll tick used to wait for every feed it started before matching anything, so one feed
taking its full 30 s (or trickling bytes) delayed every other feed's alerts by as much, tick
after tick. Now a tick waits only a moment for its polls; a slow one finishes in the
background. The signal here is the slow feed's row: nothing is recorded on it until its poll
ends, and the normal feed's item must be matched before that.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from feedserver import FeedServer
from jobsworld import Clock, jobs_for

from bot.config import load_settings
from bot.domain import FeedSpec
from bot.storage.db import Sessions
from bot.storage.feeds import list_feeds

RELEVANT = (
    "<item><title>Trump postpones his April visit to Beijing</title>"
    "<link>https://news.example.org/trip-delay</link><guid>trip-delay</guid>"
    "<description>The White House said the president's trip to China to meet Xi Jinping has "
    "been put off indefinitely.</description></item>"
)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.feed("/normal.xml", items=2, title="Normal")
        server.slow("/slow.xml", 120)  # longer than the fetch limit: it never answers in time
        yield server


async def test_a_slow_feed_does_not_hold_up_the_alerts_of_the_others(
    sqlite_sessions: Sessions, feeds: FeedServer
) -> None:
    settings = load_settings(
        CLAIMWATCH_MATCHER="lexical", CLAIMWATCH_TICK_SECONDS=1, CLAIMWATCH_PER_HOST_LIMIT=10
    )
    specs = [
        FeedSpec(url=feeds.url("/normal.xml"), name="Normal", interval_seconds=60),
        FeedSpec(url=feeds.url("/slow.xml"), name="Slow", interval_seconds=60),
    ]
    clock = Clock()
    async with jobs_for(sqlite_sessions, settings, specs, clock) as jobs:
        first = await jobs.poll_tick()  # the backlog of both feeds
        assert first.feeds == 1  # the normal feed; the slow one is still being fetched
        feeds.feed("/normal.xml", items=2, title="Normal", extra_items=[RELEVANT])
        clock.advance(120)  # the normal feed is due again
        second = await jobs.poll_tick()

        assert second.new_entries == 1
        assert second.new_matches >= 1
        async with sqlite_sessions() as session:
            rows = {feed.name: feed for feed in await list_feeds(session)}
        # The slow feed's poll has not ended: nothing is recorded on its row yet.
        assert rows["Slow"].last_checked_at is None
        assert rows["Slow"].last_error is None
        assert len(feeds.hits("/slow.xml")) == 1  # and it was not asked twice meanwhile
