"""The poller: every feed at its own interval whatever its host, waking when one is due."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from feedserver import FeedServer
from jobsworld import Clock, jobs_for

from bot.config import load_settings
from bot.domain import FeedSpec
from bot.ingest.pipeline import LEASE, claim_feeds, create_gates, poll_gated
from bot.ingest.schedule import next_wake
from bot.storage.db import Sessions
from bot.storage.feeds import list_feeds

T = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("earliest", "expected"),
    [
        (None, 30),  # no feed at all: look again after the longest wait
        (T + timedelta(seconds=7), 7),  # the next feed's own time
        (T - timedelta(seconds=5), 1),  # overdue (being polled): not sooner than a second
        (T + timedelta(hours=2), 30),  # far off: feeds added meanwhile are found in time
    ],
)
def test_the_poller_wakes_when_the_next_feed_is_due(
    earliest: datetime | None, expected: float
) -> None:
    assert next_wake(T, earliest, longest=30) == T + timedelta(seconds=expected)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        for n in range(4):
            server.feed(f"/section-{n}.xml", items=2, title=f"Section {n}", start=n * 10)
        yield server


async def test_every_due_feed_of_one_host_is_polled_in_one_tick(
    sqlite_sessions: Sessions, feeds: FeedServer
) -> None:
    """Four sections of one site, two requests at a time to it: all four are polled now, not
    two this tick and two the next (the old quota per host per tick)."""
    settings = load_settings(CLAIMWATCH_MATCHER="lexical", CLAIMWATCH_PER_HOST_LIMIT=2)
    specs = [
        FeedSpec(url=feeds.url(f"/section-{n}.xml"), name=f"Section {n}", interval_seconds=5)
        for n in range(4)
    ]
    clock = Clock()
    async with jobs_for(sqlite_sessions, settings, specs, clock) as jobs:
        await jobs.poll_tick()
        while jobs.polling:  # a loaded machine may need more than the tick's wait
            await jobs.poll_tick()
        assert all(len(feeds.hits(f"/section-{n}.xml")) == 1 for n in range(4))
        # The next wake is the feeds' own interval, not a fixed 30 s tick.
        assert jobs.next_wake == clock() + timedelta(seconds=5)

        clock.advance(5)
        await jobs.poll_tick()
        while jobs.polling:
            await jobs.poll_tick()
        assert all(len(feeds.hits(f"/section-{n}.xml")) == 2 for n in range(4))


async def test_a_feed_whose_poller_died_is_polled_again_within_90_seconds(
    sqlite_sessions: Sessions, feeds: FeedServer
) -> None:
    settings = load_settings()
    spec = FeedSpec(url=feeds.url("/section-0.xml"), name="Section 0", interval_seconds=600)
    clock = Clock()
    async with jobs_for(sqlite_sessions, settings, [spec], clock):
        taken = await claim_feeds(sqlite_sessions, settings=settings, now=clock())
        assert [f.name for f in taken] == ["Section 0"]
        # Its poller dies here, before recording anything. While a fetch could still be
        # running (30 s), nobody else takes it; 90 s on, another tick does.
        during = clock() + timedelta(seconds=30)
        assert await claim_feeds(sqlite_sessions, settings=settings, now=during) == []
        later = clock() + timedelta(seconds=90)
        again = await claim_feeds(sqlite_sessions, settings=settings, now=later)
        assert [f.name for f in again] == ["Section 0"]


async def test_a_claim_half_spent_waiting_for_its_host_is_renewed_when_the_fetch_starts(
    sqlite_sessions: Sessions, feeds: FeedServer
) -> None:
    """A feed queued behind its host's other feeds must not be taken by another process while
    it is finally being fetched."""
    feeds.slow("/held.xml", 120)
    settings = load_settings()
    specs = [
        FeedSpec(url=feeds.url("/held.xml"), name="Held", interval_seconds=600),
    ]
    clock = Clock()
    async with jobs_for(sqlite_sessions, settings, specs, clock) as jobs:
        claimed = {
            f.name: f for f in await claim_feeds(sqlite_sessions, settings=settings, now=clock())
        }
        gates = create_gates(sqlite_sessions, settings)
        claimed_at = clock()
        clock.advance(LEASE.total_seconds() * 0.75)  # it waited this long for its host
        held = asyncio.create_task(
            poll_gated(
                sqlite_sessions, claimed["Held"], client=jobs.client, settings=settings,
                now=claimed_at, gates=gates, clock=clock,
            )
        )  # fmt: skip
        try:
            while not feeds.hits("/held.xml"):  # the fetch has started
                await asyncio.sleep(0.01)
            async with sqlite_sessions() as session:
                rows = {f.name: f for f in await list_feeds(session)}
            assert rows["Held"].next_check_at == clock() + LEASE  # was claimed_at + LEASE
        finally:
            held.cancel()
            await asyncio.gather(held, return_exceptions=True)
