"""Digest schedules and quiet hours: parsing user text and finding the next instants.

Everything here is pure: the caller passes `now` / `after`, and times come back in UTC.
Local wall-clock times are resolved in the chat's IANA timezone; a time skipped by a DST
change moves forward by the gap, and a repeated time fires once (its first occurrence).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
SCHEDULE_HELP = 'use "daily HH:MM", "weekly DAY HH:MM", "hourly" or "off"'


def parse_clock(text: str) -> time:
    """'8:05' or '08:05' → time(8, 5); ValueError otherwise."""
    found = _CLOCK.match(text.strip())
    if not found:
        raise ValueError(f'"{text.strip()}" is not a time of day; use HH:MM, for example 08:00.')
    return time(int(found.group(1)), int(found.group(2)))


def _format_clock(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _parse_day(text: str) -> int:
    word = text.strip().lower()
    if word in DAYS:
        return DAYS.index(word)
    if word in FULL_DAYS:
        return FULL_DAYS.index(word)
    raise ValueError(f'"{text}" is not a day of the week; use mon, tue, wed, thu, fri, sat or sun.')


def parse_schedule(text: str) -> str:
    """Return the canonical form of a digest schedule, or raise ValueError with one sentence."""
    words = text.strip().lower().split()
    if words in (["hourly"], ["off"]):
        return words[0]
    if len(words) == 2 and words[0] == "daily":
        return f"daily {_format_clock(parse_clock(words[1]))}"
    if len(words) == 3 and words[0] == "weekly":
        day = DAYS[_parse_day(words[1])]
        return f"weekly {day} {_format_clock(parse_clock(words[2]))}"
    raise ValueError(f'"{text.strip()}" is not a digest schedule; {SCHEDULE_HELP}.')


def load_zone(timezone: str) -> ZoneInfo:
    """The IANA zone named `timezone`; ValueError with one sentence when unknown."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f'"{timezone}" is not a known timezone; use an IANA name such as Europe/Berlin.'
        ) from None


def local_to_utc(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time.

    fold=0 picks the first of two repeated times; for a skipped time zoneinfo applies the
    offset from before the change, which lands the gap's length later — i.e. moved forward.
    """
    return datetime.combine(day, clock, tzinfo=zone).replace(fold=0).astimezone(UTC)


def next_digest_time(schedule: str, timezone: str, *, after: datetime) -> datetime | None:
    """The next UTC instant strictly after `after` at which `schedule` fires; None for "off"."""
    canonical = parse_schedule(schedule)
    zone = load_zone(timezone)
    if canonical == "off":
        return None
    local_after = after.astimezone(zone)
    if canonical == "hourly":
        top = local_after.replace(minute=0, second=0, microsecond=0)
        return top.astimezone(UTC) + timedelta(hours=1)
    words = canonical.split()
    clock = parse_clock(words[-1])
    weekday = _parse_day(words[1]) if words[0] == "weekly" else None
    start = local_after.date() - timedelta(days=1)
    for offset in range(9):
        day = start + timedelta(days=offset)
        if weekday is not None and day.weekday() != weekday:
            continue
        candidate = local_to_utc(day, clock, zone)
        if candidate > after:
            return candidate
    raise AssertionError("a daily or weekly schedule always fires within nine days")


def parse_quiet_hours(text: str) -> tuple[str, str] | None:
    """'22:00-07:30' → ('22:00', '07:30'); 'off' → None; ValueError with one sentence otherwise."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned == "off":
        return None
    start, sep, end = cleaned.partition("-")
    if not sep:
        raise ValueError(
            f'"{text.strip()}" is not a quiet-hours window; use HH:MM-HH:MM, '
            'for example 22:00-07:00, or "off".'
        )
    first, last = parse_clock(start), parse_clock(end)
    if first == last:
        raise ValueError("Quiet hours must start and end at different times.")
    return _format_clock(first), _format_clock(last)


def quiet_until(now: datetime, timezone: str, start: str, end: str) -> datetime | None:
    """None when `now` is outside the quiet window, else the UTC instant the window ends.

    A window whose start is later than its end crosses midnight (22:00-07:00).
    """
    zone = load_zone(timezone)
    first, last = parse_clock(start), parse_clock(end)
    if first == last:
        return None
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    today = local.date()
    if first < last:
        if not first <= clock < last:
            return None
        end_day = today
    elif clock >= first:
        end_day = today + timedelta(days=1)
    elif clock < last:
        end_day = today
    else:
        return None
    until = local_to_utc(end_day, last, zone)
    return until if until > now else None
