"""Composition root: builds every long-lived part and runs the ticks until asked to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.claims_file import load_claims_file
from bot.clock import utc_now
from bot.config import Settings
from bot.deliver.console import CONSOLE_CHAT_ID, ConsoleSender, ensure_console_subscriber
from bot.deliver.sender import Sender
from bot.feeds_file import load_feeds_file
from bot.ingest.fetch import create_client
from bot.jobs import Jobs, claims_signature
from bot.match.service import load_matcher
from bot.storage.claims import list_claims, sync_claims
from bot.storage.db import Sessions, create_engine, create_sessions
from bot.storage.feeds import sync_feeds
from bot.storage.migrate import upgrade_database_async
from bot.telegram.application import build_application, start_bot, stop_bot
from bot.telegram.context import BotContext
from bot.telegram.outbound import TelegramSender

log = logging.getLogger(__name__)

# Leaves room inside the 10 s a service manager usually grants between SIGTERM and SIGKILL.
STOP_GRACE_SECONDS = 7.0
DELIVERY_EVERY_SECONDS = 2.0
DIGEST_EVERY_SECONDS = 60.0
# Poll ticks start at most this often, however many polls end or feeds fall due.
MIN_TICK_SPACING_SECONDS = 1.0


async def prepare_database(settings: Settings, sessions: Sessions) -> None:
    """Migrate, then sync feeds.yaml and claims.yaml; invalid files stop the start-up."""
    feeds = load_feeds_file(settings.feeds_path)
    claims = load_claims_file(settings.claims_path)
    await upgrade_database_async(settings.database_url)
    async with sessions.begin() as session:
        feed_report = await sync_feeds(session, feeds, now=utc_now())
        claim_report = await sync_claims(session, claims, now=utc_now())
    log.info("feeds.yaml synced: %s", feed_report)
    log.info("claims.yaml synced: %s", claim_report)


class TaskTracker:
    """Remembers the ticks in flight so a stop can let them finish before cancelling."""

    def __init__(self) -> None:
        self.running: set[asyncio.Task[Any]] = set()

    def wrap(
        self, name: str, tick: Callable[[], Awaitable[object]]
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            self.running.add(task)
            try:
                await tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A failing tick is logged and retried next time; it never stops the scheduler.
                log.exception("%s tick failed", name)
            finally:
                self.running.discard(task)

        return run

    async def drain(self, timeout: float) -> None:
        if self.running:
            await asyncio.wait(set(self.running), timeout=timeout)


async def run_poller(jobs: Jobs, tracker: TaskTracker, stop: asyncio.Event) -> None:
    """Poll tick after poll tick until `stop`: each wakes when the next feed is due or a poll
    in flight ends (never more than once a second), so a feed is polled at its own interval
    instead of one rounded up to a fixed tick."""
    tick = tracker.wrap("poll", jobs.poll_tick)
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        began = loop.time()
        await tick()
        await jobs.wait_for_work(stop)
        rest = MIN_TICK_SPACING_SECONDS - (loop.time() - began)
        if rest > 0 and not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), rest)


def schedule_ticks(jobs: Jobs, tracker: TaskTracker) -> AsyncIOScheduler:
    """The delivery and digest ticks; `max_instances=1` keeps a slow tick from overlapping the
    next. Polling has its own loop (run_poller): it wakes when feeds are due."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    every = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    scheduler.add_job(
        tracker.wrap("delivery", jobs.delivery_tick),
        "interval",
        seconds=DELIVERY_EVERY_SECONDS,
        id="delivery",
        **every,
    )
    scheduler.add_job(
        tracker.wrap("digest", jobs.digest_tick),
        "interval",
        seconds=DIGEST_EVERY_SECONDS,
        next_run_time=utc_now(),
        id="digest",
        **every,
    )
    return scheduler


@contextlib.asynccontextmanager
async def stop_signals() -> AsyncIterator[asyncio.Event]:
    """An event set by SIGTERM or SIGINT (Ctrl-C)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


@dataclass(frozen=True, slots=True)
class Messenger:
    """Where messages go: Telegram when there is a token, the console otherwise."""

    sender: Sender
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]
    # Console mode sends only to its own chat; Telegram chats' messages stay queued.
    only_chats: frozenset[int] | None = None


async def build_messenger(
    settings: Settings,
    sessions: Sessions,
    client: httpx.AsyncClient,
    poll_now: Callable[[], Awaitable[str]],
) -> Messenger:
    if settings.console_mode:
        await ensure_console_subscriber(sessions, now=utc_now())
        log.info("no TELEGRAM_BOT_TOKEN: console mode, alerts and digests are printed here")

        async def nothing() -> None:
            return None

        return Messenger(
            sender=ConsoleSender(),
            start=nothing,
            stop=nothing,
            only_chats=frozenset({CONSOLE_CHAT_ID}),
        )

    context = BotContext(settings=settings, sessions=sessions, client=client, poll_now=poll_now)
    application = build_application(settings, context)

    async def start() -> None:
        await start_bot(application, settings)

    async def stop() -> None:
        await stop_bot(application)

    return Messenger(sender=TelegramSender(application.bot), start=start, stop=stop)


async def run_bot(settings: Settings) -> int:
    """`claimwatch run`: everything in one process until SIGTERM or Ctrl-C."""
    engine = create_engine(settings.database_url)
    sessions = create_sessions(engine)
    try:
        await prepare_database(settings, sessions)
        async with sessions() as session:
            claims = await list_claims(session)
        matcher = await load_matcher(settings, claims)
        async with create_client(settings) as client:

            async def poll_now() -> str:
                # `jobs` is bound below; /pollnow can only arrive once the bot has started.
                return (await jobs.poll_tick(due_only=False)).describe()

            messenger = await build_messenger(settings, sessions, client, poll_now)
            jobs = Jobs(
                settings=settings,
                sessions=sessions,
                client=client,
                matcher=matcher,
                sender=messenger.sender,
                clock=utc_now,
                poll_lock=asyncio.Lock(),
                only_chats=messenger.only_chats,
                claims_seen=claims_signature(claims),
            )
            tracker = TaskTracker()
            scheduler = schedule_ticks(jobs, tracker)
            async with stop_signals() as stop:
                await messenger.start()
                scheduler.start()
                poller = asyncio.create_task(run_poller(jobs, tracker, stop))
                log.info("claimwatch is running; Ctrl-C or SIGTERM stops it")
                await stop.wait()
                log.info("stopping: letting work in flight finish")
                scheduler.pause()
                await asyncio.gather(
                    tracker.drain(STOP_GRACE_SECONDS), jobs.stop_polls(STOP_GRACE_SECONDS)
                )
                poller.cancel()
                await asyncio.gather(poller, return_exceptions=True)
                scheduler.shutdown(wait=False)
                await messenger.stop()
    finally:
        await engine.dispose()
    log.info("stopped")
    return 0
