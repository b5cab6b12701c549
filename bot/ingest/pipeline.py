"""pipeline: due feeds → fetch → parse → store; each feed's outcome recorded on its row."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.domain import Entry, Feed, FeedCheck, FeedPollResult, FeedSpec, FeedUpdate, PollReport
from bot.errors import FeedError, FetchError
from bot.feeds_file import check_feed_url
from bot.ingest.fetch import FetchLimits, FetchResult, fetch_feed
from bot.ingest.outcome import failure_update, success_update
from bot.ingest.parse import ParsedFeed, parse_feed
from bot.storage.db import Sessions, is_sqlite
from bot.storage.entries import store_entries
from bot.storage.feeds import (
    add_feed,
    claim_due_feeds,
    find_feed,
    get_feeds,
    host_of,
    list_feeds,
    record_feed_update,
    renew_lease,
)

__all__ = [
    "PollGates",
    "PollReport",
    "add_feed_checked",
    "check_feed",
    "claim_feeds",
    "create_gates",
    "poll_feed",
    "poll_feeds",
    "poll_gated",
]

log = logging.getLogger(__name__)

# A claimed feed is skipped by other ticks and processes this long: the whole fetch (redirects
# included) plus time to parse and store. It is renewed when the fetch starts, after waiting
# for its host, so a crash mid-poll frees the feed about a minute later.
LEASE = timedelta(seconds=FetchLimits().total_seconds + 30)
SAMPLE_TITLES = 5
# Concurrent poll writes on PostgreSQL; below the engine's pool of 10 + 10 overflow.
WRITERS = 8


@dataclass(frozen=True, slots=True)
class PollGates:
    """The bounds every poll of a process shares, whichever tick started it: feeds fetched at
    once, feeds of one host at once, and writers at once."""

    overall: asyncio.Semaphore
    hosts: defaultdict[str, asyncio.Semaphore]
    writes: asyncio.Semaphore


def create_gates(sessions: Sessions, settings: Settings) -> PollGates:
    per_host = settings.per_host_limit
    return PollGates(
        overall=asyncio.Semaphore(settings.poll_concurrency),
        hosts=defaultdict(lambda: asyncio.Semaphore(per_host)),
        writes=_write_gate(sessions),
    )


async def claim_feeds(
    sessions: Sessions,
    *,
    settings: Settings,
    now: datetime,
    due_only: bool = True,
    feed_ids: Sequence[int] | None = None,
) -> list[Feed]:
    """The feeds to poll now: `feed_ids`, the due ones (leased to this process), or all."""
    async with sessions.begin() as session:
        if feed_ids is not None:
            return [f for f in await get_feeds(session, feed_ids) if f.enabled]
        if due_only:
            return await claim_due_feeds(
                session, now=now, limit=max(settings.poll_concurrency * 5, 50), lease=LEASE
            )
        return await list_feeds(session, include_disabled=False)


async def poll_gated(
    sessions: Sessions,
    feed: Feed,
    *,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    gates: PollGates,
    limits: FetchLimits | None = None,
    clock: Callable[[], datetime] | None = None,
) -> tuple[FeedPollResult, list[Entry]]:
    """poll_feed within the shared bounds; with `clock`, a feed whose claim (made at `now`)
    is half spent by the time its fetch starts has its lease renewed."""
    # Host gate first: a task waiting on a busy host must not hold a global slot.
    async with gates.hosts[host_of(feed.url)], gates.overall:
        # Most polls start at once; only one that waited for its host long enough for its
        # claim to lapse mid-fetch pays a write to renew it.
        if clock is not None and clock() - now > LEASE / 2:
            async with gates.writes, sessions.begin() as session:
                await renew_lease(session, feed.id, until=clock() + LEASE)
        return await poll_feed(
            sessions,
            feed,
            client=client,
            settings=settings,
            now=now,
            limits=limits,
            write_gate=gates.writes,
        )


async def poll_feeds(
    sessions: Sessions,
    *,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    due_only: bool = True,
    feed_ids: Sequence[int] | None = None,
    limits: FetchLimits | None = None,
) -> PollReport:
    """Poll due feeds (or all enabled ones, or `feed_ids`) concurrently; never raises per feed."""
    feeds = await claim_feeds(
        sessions, settings=settings, now=now, due_only=due_only, feed_ids=feed_ids
    )
    gates = create_gates(sessions, settings)
    outcomes = await asyncio.gather(
        *(
            poll_gated(
                sessions,
                feed,
                client=client,
                settings=settings,
                now=now,
                gates=gates,
                limits=limits,
            )
            for feed in feeds
        )
    )
    results = tuple(result for result, _ in outcomes)
    new = tuple(entry for _, entries in outcomes for entry in entries)
    return PollReport(results=results, new_entries=new)


def _write_gate(sessions: Sessions) -> asyncio.Semaphore:
    """SQLite has one writer at a time, so writes queue here instead of on its busy lock;
    PostgreSQL takes several at once (within the connection pool)."""
    return asyncio.Semaphore(1 if is_sqlite(sessions) else WRITERS)


async def poll_feed(
    sessions: Sessions,
    feed: Feed,
    *,
    client: httpx.AsyncClient,
    settings: Settings,
    now: datetime,
    limits: FetchLimits | None = None,
    write_gate: asyncio.Semaphore | None = None,
) -> tuple[FeedPollResult, list[Entry]]:
    """Fetch, parse and store one feed; any failure becomes data on its row."""
    started = time.monotonic()
    allow_private = settings.allow_private_feeds or feed.origin == "config"
    fetched: FetchResult | None = None
    parsed: ParsedFeed | None = None
    error: FeedError | None = None
    try:
        fetched = await fetch_feed(
            client,
            feed.url,
            etag=feed.etag,
            last_modified=feed.last_modified,
            limits=limits,
            allow_private=allow_private,
        )
        if fetched.body is not None:
            parsed = await asyncio.to_thread(
                parse_feed,
                fetched.body,
                url=fetched.final_url,
                now=now,
                content_type=fetched.content_type,
            )
    except FeedError as err:
        error = err
    except Exception as err:  # a bug must not stop the other feeds
        log.exception("unexpected error polling a feed", extra={"feed_url": feed.url})
        error = FetchError(feed.url, f"internal error: {type(err).__name__}")
    if error is not None:
        moved = fetched.moved_to if fetched else None
        update = failure_update(feed, error, now=now, moved_to=moved)
    else:
        assert fetched is not None
        update = success_update(feed, fetched, parsed, now=now)
        if parsed is not None and parsed.note:  # shown in /feeds; the feed is still healthy
            update = replace(update, last_error=parsed.note)
    new = await _store(sessions, feed, parsed, update, now=now, write_gate=write_gate)
    if isinstance(new, FeedError):
        error, new = new, []
        # Nothing of the poll was saved; record the failure alone so the feed backs off.
        failed = failure_update(feed, error, now=now, moved_to=None)
        await _store(sessions, feed, None, failed, now=now, write_gate=write_gate)
    seconds = time.monotonic() - started
    result = FeedPollResult(
        feed_id=feed.id,
        name=feed.title,
        url=feed.url,
        status=error.status if error else (fetched.status if fetched else None),
        error=str(error) if error else None,
        new_entries=len(new),
        seconds=seconds,
    )
    _log_result(result, parsed)
    return result, new


async def _store(
    sessions: Sessions,
    feed: Feed,
    parsed: ParsedFeed | None,
    update: FeedUpdate,
    *,
    now: datetime,
    write_gate: asyncio.Semaphore | None,
) -> list[Entry] | FeedError:
    gate = write_gate or asyncio.Semaphore(1)
    try:
        async with gate, sessions.begin() as session:
            new: list[Entry] = []
            if parsed is not None:
                new = await store_entries(
                    session,
                    feed.id,
                    parsed.entries,
                    now=now,
                    backlog=not feed.first_poll_done,
                    feed_name=feed.title,
                )
            await record_feed_update(session, feed.id, update)
            return new
    except Exception as err:
        log.exception("could not store a feed's poll", extra={"feed_url": feed.url})
        return FetchError(feed.url, f"store: {type(err).__name__}")


def _log_result(result: FeedPollResult, parsed: ParsedFeed | None) -> None:
    extra = {"feed_url": result.url, "status": result.status, "new": result.new_entries}
    if result.error:
        log.warning("feed %s failed: %s", result.name, result.error, extra=extra)
    else:
        warning = f" ({parsed.warning})" if parsed and parsed.warning else ""
        log.info(
            "feed %s: HTTP %s, %d new in %.1fs%s",
            result.name,
            result.status,
            result.new_entries,
            result.seconds,
            warning,
            extra=extra,
        )


async def check_feed(
    client: httpx.AsyncClient,
    url: str,
    *,
    settings: Settings,
    allow_private: bool,
    limits: FetchLimits | None = None,
    now: datetime | None = None,
) -> FeedCheck:
    """Fetch and parse `url` once; FeedError (one sentence) when it is not a usable feed."""
    try:
        url = check_feed_url(url)
    except ValueError as err:
        raise FeedError(str(url), str(err)) from None
    now = now or datetime.now(UTC)
    fetched = await fetch_feed(client, url, limits=limits, allow_private=allow_private)
    if fetched.body is None:
        raise FetchError(url, "fetch: the server answered 304 Not Modified to a plain request")
    parsed = await asyncio.to_thread(
        parse_feed, fetched.body, url=fetched.final_url, now=now, content_type=fetched.content_type
    )
    return FeedCheck(
        url=url,
        title=parsed.title,
        entry_count=len(parsed.entries),
        sample_titles=tuple(e.title for e in parsed.entries[:SAMPLE_TITLES]),
        final_url=fetched.final_url,
    )


async def add_feed_checked(
    sessions: Sessions,
    *,
    client: httpx.AsyncClient,
    settings: Settings,
    spec: FeedSpec,
    origin: str,
    now: datetime,
    limits: FetchLimits | None = None,
) -> Feed:
    """Add a feed at run time after a safety check and one trial fetch; FeedError says why not."""
    async with sessions() as session:
        existing = await find_feed(session, spec.url.strip())
    if existing is not None and existing.enabled:
        raise FeedError(spec.url, f"already tracked as feed #{existing.id} ({existing.title})")
    check = await check_feed(
        client,
        spec.url,
        settings=settings,
        allow_private=settings.allow_private_feeds,
        limits=limits,
        now=now,
    )
    spec = replace(spec, url=check.url, name=spec.name or check.title)
    try:
        async with sessions.begin() as session:
            return await add_feed(session, spec, origin=origin, now=now)
    except IntegrityError:
        raise FeedError(spec.url, "this feed was added by someone else a moment ago") from None
