"""outcome: decide what one poll leaves on a feed's row (pure; no I/O)."""

from __future__ import annotations

from datetime import datetime

from bot.domain import Feed, FeedUpdate
from bot.errors import FeedError
from bot.ingest.fetch import FetchResult, StatusError
from bot.ingest.parse import ParsedFeed
from bot.ingest.schedule import failure_delay, next_check_at, retry_after_seconds, success_delay

GONE = "gone: the server answered 410"
MAX_ERROR_TEXT = 1000


def success_update(
    feed: Feed, result: FetchResult, parsed: ParsedFeed | None, *, now: datetime
) -> FeedUpdate:
    """A 200 with a readable feed, or a 304: clear errors, keep validators, plan the next poll."""
    ttl = parsed.ttl_seconds if parsed else None
    delay = success_delay(feed.interval_seconds, ttl=ttl, max_age=result.max_age)
    return FeedUpdate(
        next_check_at=next_check_at(now, delay),
        last_checked_at=now,
        error_count=0,
        last_error=None,
        last_status=result.status,
        last_success_at=now,
        etag=(result.etag or feed.etag or "")[:512] or None,
        last_modified=(result.last_modified or feed.last_modified or "")[:128] or None,
        url=result.moved_to,
        first_poll_done=parsed is not None or feed.first_poll_done,
    )


def failure_update(
    feed: Feed, error: FeedError, *, now: datetime, moved_to: str | None = None
) -> FeedUpdate:
    """Record the error and back off; 410 disables; Retry-After is honoured."""
    errors = feed.error_count + 1
    retry_after = None
    if isinstance(error, StatusError):
        retry_after = retry_after_seconds(error.retry_after, now=now)
    delay = failure_delay(feed.interval_seconds, errors, retry_after)
    return FeedUpdate(
        next_check_at=next_check_at(now, delay),
        last_checked_at=now,
        error_count=errors,
        last_error=str(error)[:MAX_ERROR_TEXT],
        last_status=error.status,
        last_success_at=feed.last_success_at,
        etag=feed.etag,
        last_modified=feed.last_modified,
        url=moved_to,
        disable_reason=GONE if error.status == 410 else None,
    )
