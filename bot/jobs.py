"""The scheduled ticks. Each opens what it needs and chains the stages; nothing else lives here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from bot.config import Settings
from bot.deliver.digest import queue_due_digests
from bot.deliver.pace import ChatPacer
from bot.deliver.plan import plan_deliveries
from bot.deliver.sender import Sender, send_pending
from bot.domain import Claim, Entry, FeedPollResult
from bot.ingest.pipeline import PollGates, claim_feeds, create_gates, poll_gated
from bot.ingest.schedule import next_wake
from bot.match.service import Matcher, load_matcher, match_pending_entries
from bot.storage.claims import list_claims
from bot.storage.db import Sessions
from bot.storage.feeds import earliest_check
from bot.storage.state import set_state

log = logging.getLogger(__name__)
PollOutcome = tuple[FeedPollResult, list[Entry]]
# How long a tick waits for the polls in flight before matching what has arrived.
POLL_WAIT_SECONDS = 1.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
    # Feed polls in flight by feed id; they outlive the tick that started them.
    polling: dict[int, asyncio.Task[PollOutcome]] = field(default_factory=dict)
    gates: PollGates | None = None
    # When the poller looks for due feeds next (set after every tick).
    next_wake: datetime = EPOCH

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
        """Start polls of the due feeds (or all, for /pollnow), then match and plan what is new:
        fetch → … → outbox.

        A scheduled tick waits for its polls a moment (POLL_WAIT_SECONDS): a feed that answers
        slowly (up to the fetch limit, 30 s) finishes in the background and its items are
        matched by the tick its end wakes, so it never holds up the alerts of the feeds that
        answered. /pollnow waits for every poll it started.
        """
        # Should this tick fail half way, the poller tries again after the longest wait.
        self.next_wake = self.clock() + timedelta(seconds=self.settings.tick_seconds)
        async with self.poll_lock:
            await self.refresh_matcher()
            started = await self._start_polls(due_only=due_only)
        if due_only and self.polling:
            await asyncio.wait(set(self.polling.values()), timeout=POLL_WAIT_SECONDS)
        elif started:
            await asyncio.wait(started)
        async with self.poll_lock:
            results = self._finished_polls()
            matches = await match_pending_entries(
                self.sessions, self.matcher, now=self.clock(), settings=self.settings
            )
            planned = await plan_deliveries(self.sessions, now=self.clock(), settings=self.settings)
            summary = TickSummary(
                feeds=len(results),
                failed=sum(1 for r in results if r.error),
                new_entries=sum(r.new_entries for r in results),
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
            async with self.sessions() as session:
                earliest = await earliest_check(session)
            self.next_wake = next_wake(self.clock(), earliest, longest=self.settings.tick_seconds)
            if summary.feeds or summary.planned:
                log.info("tick: %s", summary.describe())
            return summary

    async def wait_for_work(self, stop: asyncio.Event) -> None:
        """Sleep until the next feed is due, a poll in flight ends, or `stop` is set."""
        delay = max((self.next_wake - self.clock()).total_seconds(), 0.0)
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait(
                {stopping, *self.polling.values()},
                timeout=delay,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            stopping.cancel()

    async def _start_polls(self, *, due_only: bool) -> set[asyncio.Task[PollOutcome]]:
        now = self.clock()
        feeds = await claim_feeds(self.sessions, settings=self.settings, now=now, due_only=due_only)
        if self.gates is None:
            self.gates = create_gates(self.sessions, self.settings)
        started = set()
        for feed in feeds:
            if feed.id in self.polling:
                continue  # still being polled since an earlier tick
            task = asyncio.create_task(
                poll_gated(
                    self.sessions,
                    feed,
                    client=self.client,
                    settings=self.settings,
                    now=now,
                    gates=self.gates,
                    clock=self.clock,
                )
            )
            self.polling[feed.id] = task
            started.add(task)
        return started

    def _finished_polls(self) -> list[FeedPollResult]:
        results = []
        for feed_id, task in list(self.polling.items()):
            if not task.done():
                continue
            del self.polling[feed_id]
            if task.cancelled():
                continue
            if (error := task.exception()) is not None:  # poll_feed records its own failures
                log.error("a feed poll failed unexpectedly", exc_info=error)
                continue
            results.append(task.result()[0])
        return results

    async def stop_polls(self, timeout: float) -> None:
        """Let polls in flight finish for up to `timeout` seconds, then cancel the rest (their
        leases expire and another tick polls them again)."""
        pending = set(self.polling.values())
        if pending:
            _, late = await asyncio.wait(pending, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self.polling.clear()

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
        queued = await queue_due_digests(self.sessions, now=self.clock())
        if queued:
            log.info("digests queued: %d", queued)
