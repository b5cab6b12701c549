"""schedule: when to poll a feed next — its interval, publisher hints, and failure backoff."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

DAY = 24 * 3600
MAX_BACKOFF = DAY
# Publisher hints (RSS <ttl>, Cache-Control max-age) may lengthen the interval this much at most.
MAX_STRETCH = 4


def success_delay(interval: int, *, ttl: int | None = None, max_age: int | None = None) -> int:
    """Seconds until the next poll after a good one: the interval, stretched by hints."""
    hint = max(ttl or 0, max_age or 0)
    ceiling = max(interval, min(interval * MAX_STRETCH, DAY))
    return max(interval, min(hint, ceiling))


def backoff_delay(interval: int, error_count: int) -> int:
    """Seconds until the next try after `error_count` consecutive failures (doubling, ≤ 24 h)."""
    exponent = min(max(error_count - 1, 0), 20)
    return int(min(interval * 2**exponent, MAX_BACKOFF))


def retry_after_seconds(value: str | None, *, now: datetime) -> int | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from `now`; None if unusable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        # ASCII only ("²" is a digit to isdigit, not to int) and bounded: int() refuses a
        # string past 4,300 digits, and a day is the most any delay becomes anyway.
        return int(value) if len(value) <= 9 else 10**9
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(int((when - now).total_seconds()), 0)


def failure_delay(interval: int, error_count: int, retry_after: int | None = None) -> int:
    """Backoff, but never sooner than the server asked; never later than 24 h."""
    return min(max(backoff_delay(interval, error_count), retry_after or 0), MAX_BACKOFF)


def next_check_at(now: datetime, delay_seconds: int) -> datetime:
    return now + timedelta(seconds=delay_seconds)


def next_wake(
    now: datetime, earliest_check: datetime | None, *, longest: float, shortest: float = 1.0
) -> datetime:
    """When the poller should look for due feeds again: when the next feed is due, but not
    sooner than `shortest` seconds (a feed due now is already being polled) nor later than
    `longest` (feeds added from elsewhere are found within that)."""
    soonest = now + timedelta(seconds=shortest)
    latest = now + timedelta(seconds=max(longest, shortest))
    if earliest_check is None:
        return latest
    return min(max(earliest_check, soonest), latest)
