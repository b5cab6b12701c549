"""The poll side of a running bot without Telegram: real storage, fetching and the lexical
matcher, on a clock the test moves (`from jobsworld import jobs_for`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.claims_file import load_claims_file
from bot.config import Settings
from bot.deliver.console import ConsoleSender
from bot.domain import FeedSpec
from bot.ingest.fetch import create_client
from bot.jobs import Jobs
from bot.match.service import load_matcher
from bot.storage.claims import add_claim
from bot.storage.db import Sessions
from bot.storage.feeds import sync_feeds

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@asynccontextmanager
async def jobs_for(
    sessions: Sessions, settings: Settings, feeds: list[FeedSpec], clock: Clock
) -> AsyncIterator[Jobs]:
    """Jobs over the project's claims and `feeds`; polls still in flight are cancelled after."""
    claims = load_claims_file(ROOT / "claims.yaml")
    async with sessions.begin() as session:
        for claim in claims:
            await add_claim(session, claim, now=clock())
        await sync_feeds(session, feeds, now=clock())
    async with create_client(settings) as client:
        jobs = Jobs(
            settings=settings,
            sessions=sessions,
            client=client,
            matcher=await load_matcher(settings, claims),
            sender=ConsoleSender(),
            clock=clock,
            poll_lock=asyncio.Lock(),
        )
        try:
            yield jobs
        finally:
            await jobs.stop_polls(0)
