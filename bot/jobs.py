"""The scheduled ticks. Each opens what it needs and chains the stages; nothing else lives here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from bot.config import Settings
from bot.deliver.digest import queue_due_digests
from bot.deliver.pace import ChatPacer
from bot.deliver.plan import plan_deliveries
from bot.deliver.sender import Sender, send_pending
from bot.domain import Claim
from bot.ingest.pipeline import PollReport, poll_feeds
from bot.match.service import Matcher, load_matcher, match_pending_entries
from bot.storage.claims import list_claims
from bot.storage.db import Sessions
from bot.storage.state import set_state

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TickSummary:
    """What one poll tick did, for logs, /status and /pollnow."""

    feeds: int
    failed: int
    new_entries: int
    new_matches: int
    planned: int

    def describe(self) -> str:
        return (
            f"polled {self.feeds} feeds ({self.failed} failed), {self.new_entries} new items, "
            f"{self.new_matches} new matches, {self.planned} deliveries planned"
        )


def claims_signature(claims: Sequence[Claim]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((claim.id, claim.version) for claim in claims))


@dataclass(slots=True)
class Jobs:
    """The ticks, bound to the process's long-lived resources."""

    settings: Settings
    sessions: Sessions
    client: httpx.AsyncClient
    matcher: Matcher
    sender: Sender
    clock: Callable[[], datetime]
    # One poll at a time, whether started by the scheduler or by /pollnow.
    poll_lock: asyncio.Lock
    # Kept across ticks so a chat's pace (1/s, 20/min in groups) survives between sends.
    pacer: ChatPacer = field(default_factory=ChatPacer)
    # Console mode sends only to the console's own chat; Telegram chats' rows stay queued.
    only_chats: frozenset[int] | None = None
    # The (id, version) of the claims the matcher was built with.
    claims_seen: tuple[tuple[str, int], ...] = ()

    async def refresh_matcher(self) -> None:
        """Rebuild the matcher when claims were added, edited or retired since it was built."""
        async with self.sessions() as session:
            claims = await list_claims(session)
        seen = claims_signature(claims)
        if seen != self.claims_seen:
            if self.claims_seen:
                log.info("claims changed: rebuilding the matcher")
            self.matcher = await load_matcher(self.settings, claims)
            self.claims_seen = seen

    async def poll_tick(self, *, due_only: bool = True) -> TickSummary:
        """Poll due feeds, match what is new, plan deliveries: fetch → … → outbox."""
        async with self.poll_lock:
            await self.refresh_matcher()
            report: PollReport = await poll_feeds(
                self.sessions,
                client=self.client,
                settings=self.settings,
                now=self.clock(),
                due_only=due_only,
            )
            matches = await match_pending_entries(
                self.sessions, self.matcher, now=self.clock(), settings=self.settings
            )
            planned = await plan_deliveries(self.sessions, now=self.clock(), settings=self.settings)
            summary = TickSummary(
                feeds=len(report.results),
                failed=sum(1 for r in report.results if r.error),
                new_entries=len(report.new_entries),
                new_matches=len(matches),
                planned=planned,
            )
            async with self.sessions.begin() as session:
                await set_state(
                    session,
                    "last_tick",
                    {"at": self.clock().isoformat(), "summary": summary.describe()},
                    now=self.clock(),
                )
            if summary.feeds or summary.planned:
                log.info("tick: %s", summary.describe())
            return summary

    async def delivery_tick(self) -> None:
        """Send whatever the outbox holds that is due."""
        await send_pending(
            self.sessions,
            self.sender,
            settings=self.settings,
            clock=self.clock,
            pacer=self.pacer,
            only_chats=self.only_chats,
        )

    async def digest_tick(self) -> None:
        """Queue the digests that are due; the next delivery tick sends them."""
        queued = await queue_due_digests(self.sessions, now=self.clock(), settings=self.settings)
        if queued:
            log.info("digests queued: %d", queued)
